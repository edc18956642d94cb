"""``authkit_sync --events``: the Events API feeds the webhook handlers from a stored cursor."""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from django_authkit import signals
from django_authkit.events.sync import poll_events
from django_authkit.models import (
    AuthKitSession,
    EventCursor,
    Membership,
    Organization,
    WebhookEvent,
)
from django_authkit.workos import get_workos
from tests.test_webhooks import SECRET, deliver

SEED = {
    "organizations": [{"name": "Acme"}, {"name": "Globex"}],
    "users": [
        {"email": "ada@acme.test", "first_name": "Ada"},
        {"email": "grace@globex.test", "first_name": "Grace"},
    ],
    "memberships": [
        {"user": "ada@acme.test", "organization": "Acme", "role": "admin"},
        {"user": "grace@globex.test", "organization": "Globex", "role": "member"},
    ],
}


def sync_events(*args: str) -> str:
    out = StringIO()
    call_command("authkit_sync", "--events", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def event_calls(emu: Any) -> list[dict[str, Any]]:
    return emu.control.calls(path="/events", method="GET")


def test_events_build_the_mirror_and_resume_from_the_cursor(emu: Any, settings: Any) -> None:
    seeded = emu.control.seed(SEED)
    settings.AUTHKIT = {**settings.AUTHKIT, "STAFF_ROLES": ["admin"], "STAFF_ORGANIZATIONS": [
        o["id"] for o in seeded["organizations"]]}
    output = sync_events()
    assert "Applied 6 events" in output
    users = get_user_model().objects.order_by("email")
    assert [u.email for u in users] == ["ada@acme.test", "grace@globex.test"]
    assert [u.is_staff for u in users] == [True, False]
    assert Organization.objects.count() == 2 and Membership.objects.count() == 2
    cursor = EventCursor.objects.get(name="default").after
    assert cursor.startswith("event_")
    assert WebhookEvent.objects.filter(source="events_api").count() == 6

    emu.control.clear_calls()
    assert "Applied 0 events" in sync_events()  # idempotent: nothing new
    assert event_calls(emu)[0]["query"]["after"] == cursor

    grace = get_user_model().objects.get(email="grace@globex.test")
    get_workos().user_management.update_user(grace.workos.workos_id, first_name="Amazing Grace")
    emu.control.clear_calls()
    assert "Applied 1 events" in sync_events()
    assert event_calls(emu)[0]["query"]["after"] == cursor
    grace.refresh_from_db()
    assert grace.first_name == "Amazing Grace"
    assert EventCursor.objects.get().after > cursor


def test_pages_through_many_events(emu: Any) -> None:
    emu.control.seed({"users": [{"email": f"user{i}@many.test"} for i in range(7)]})
    result = poll_events(limit=3)
    assert result.counts["ok"] == 7
    assert len([c for c in event_calls(emu)]) == 3
    assert get_user_model().objects.count() == 7


def test_cursors_are_independent(emu: Any) -> None:
    emu.control.seed({"users": [{"email": "ada@acme.test"}]})
    assert poll_events("first").counts["ok"] == 1
    assert poll_events("second").counts == {"ok": 0, "duplicate": 1, "failed": 0}
    assert EventCursor.objects.count() == 2


def test_an_event_seen_by_webhook_is_not_applied_twice(
    emu: Any, client: Client, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "WEBHOOK_SECRET": SECRET}
    emu.control.seed({"users": [{"email": "ada@acme.test"}]})
    event = get_workos().events.list_events(events=["user.created"]).data[0]
    assert deliver(client, event.raw).json() == {"status": "ok"}
    result = poll_events()
    assert result.counts == {"ok": 0, "duplicate": 1, "failed": 0}
    assert WebhookEvent.objects.get().source == "webhook"


def test_a_failed_event_does_not_block_the_cursor_and_is_retried(emu: Any) -> None:
    emu.control.seed({"users": [{"email": "ada@acme.test"}, {"email": "bob@acme.test"}]})
    broken = {"on": True}

    def flaky(sender: Any, event: Any, **kw: Any) -> None:
        if broken["on"] and event.data.get("email") == "ada@acme.test":
            raise RuntimeError("receiver down")

    signals.workos_event.connect(flaky)
    try:
        first = poll_events()
        assert first.counts == {"ok": 1, "duplicate": 0, "failed": 1}
        assert WebhookEvent.objects.filter(processed_at__isnull=True).count() == 1
        broken["on"] = False
        output = sync_events()
    finally:
        signals.workos_event.disconnect(flaky)
    assert "Retried failed events" in output and "Applied 0 events" in output
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()


def test_deleted_user_through_the_events_api(emu: Any, signed_in: Client) -> None:
    poll_events()
    user = get_user_model().objects.get()
    get_workos().user_management.delete_user(user.workos.workos_id)
    poll_events()
    user.refresh_from_db()
    assert user.is_active is False
    assert signed_in.get("/").json()["authenticated"] is False


def test_quiet_and_errors(emu: Any) -> None:
    emu.control.seed({"users": [{"email": "ada@acme.test"}]})
    assert sync_events("--quiet") == ""
    emu.control.fault("/events", status=500, count=None)
    with pytest.raises(CommandError, match="ServerError"):
        sync_events()


# -- out-of-order delivery --------------------------------------------------------------


def _user_events(user_id: str) -> list[dict[str, Any]]:
    page = get_workos().events.list_events(events=["user.updated"], limit=100)
    return [e.raw for e in page.data if e.data["id"] == user_id]


def test_out_of_order_user_updates_newer_wins(hooks: Any, signed_in: Client) -> None:
    link = get_user_model().objects.get().workos
    workos = get_workos().user_management
    workos.update_user(link.workos_id, first_name="Older")
    time.sleep(0.01)
    workos.update_user(link.workos_id, first_name="Newer")
    older, newer = _user_events(link.workos_id)
    assert deliver(signed_in, newer).json() == {"status": "ok"}
    assert deliver(signed_in, older).json() == {"status": "ok"}
    user = get_user_model().objects.get()
    assert user.first_name == "Newer" and user.workos.first_name == "Newer"


# -- directory sync (delivered as webhooks): signals only unless SYNC_DIRECTORY_USERS --


def dsync_event(name: str, email: str, org_id: str, state: str = "active") -> dict[str, Any]:
    stamp = "2026-01-01T00:00:00.000Z"
    return {
        "id": f"event_{name.replace('.', '_')}_{email.split('@')[0]}_{org_id[-6:]}_{state}",
        "event": name,
        "data": {
            "object": "directory_user",
            "id": "directory_user_01ADA",
            "directory_id": "directory_01ACME",
            "organization_id": org_id,
            "idp_id": "42",
            "email": email,
            "state": state,
            "custom_attributes": {},
            "raw_attributes": {},
            "created_at": stamp,
            "updated_at": stamp,
        },
        "created_at": stamp,
    }


@pytest.fixture
def hooks(emu: Any, settings: Any) -> Any:
    settings.AUTHKIT = {**settings.AUTHKIT, "WEBHOOK_SECRET": SECRET}
    return emu


@pytest.fixture
def staff_ada(hooks: Any, signed_in: Client, settings: Any) -> Client:
    settings.AUTHKIT = {**settings.AUTHKIT, "STAFF_ROLES": ["admin"],
                        "STAFF_ORGANIZATIONS": [Organization.objects.get().workos_id]}
    user = get_user_model().objects.get()
    user.is_staff = True
    user.save()
    return signed_in


def test_dsync_events_are_only_signals_by_default(staff_ada: Client) -> None:
    seen: list[Any] = []

    def receive(sender: Any, event_type: str, data: Any, **kw: Any) -> None:
        seen.append((event_type, type(data).__name__, data.email))

    signals.workos_event.connect(receive)
    try:
        org_id = Organization.objects.get().workos_id
        body = dsync_event("dsync.user.deleted", "ada@acme.test", org_id)
        assert deliver(staff_ada, body).json() == {"status": "ok"}
    finally:
        signals.workos_event.disconnect(receive)
    assert seen == [("dsync.user.deleted", "DirectoryUser", "ada@acme.test")]
    user = get_user_model().objects.get()
    assert user.is_active and user.is_staff
    assert staff_ada.get("/private/").status_code == 200


@pytest.mark.parametrize("name,state", [("dsync.user.updated", "suspended"),
                                        ("dsync.user.deleted", "active")])  # fmt: skip
def test_directory_deprovisioning_when_opted_in(
    staff_ada: Client, settings: Any, name: str, state: str
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "SYNC_DIRECTORY_USERS": True}
    org_id = Organization.objects.get().workos_id
    assert deliver(staff_ada, dsync_event(name, "ADA@acme.test", org_id, state)).status_code == 200
    user = get_user_model().objects.get()
    assert (user.is_active, user.is_staff) == (False, False)
    assert Membership.objects.get().status == "inactive"
    assert AuthKitSession.objects.get().end_reason == "directory_deactivated"
    assert staff_ada.get("/").json()["authenticated"] is False


def test_a_directory_cannot_touch_users_outside_its_organization(
    staff_ada: Client, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "SYNC_DIRECTORY_USERS": True}
    other = get_workos().organizations.create_organization(name="Evil Corp")
    body = dsync_event("dsync.user.deleted", "ada@acme.test", other.id)
    assert deliver(staff_ada, body).json() == {"status": "ok"}
    user = get_user_model().objects.get()
    assert user.is_active and user.is_staff and Membership.objects.get().status == "active"
    assert staff_ada.get("/private/").status_code == 200


def test_directory_provisioning_needs_a_workos_member(hooks: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "SYNC_DIRECTORY_USERS": True}
    seeded = hooks.control.seed(
        {
            "organizations": [{"name": "Acme"}, {"name": "Globex"}],
            "users": [{"email": "bob@acme.test", "first_name": "Bob"},
                      {"email": "eve@globex.test"}],
            "memberships": [{"user": "bob@acme.test", "organization": "Acme", "role": "admin"},
                            {"user": "eve@globex.test", "organization": "Globex"}],
        }
    )  # fmt: skip
    acme = next(o["id"] for o in seeded["organizations"] if o["name"] == "Acme")
    client = Client()
    for email in ("nobody@acme.test", "eve@globex.test"):  # unknown, or not in Acme
        deliver(client, dsync_event("dsync.user.created", email, acme))
    assert not get_user_model().objects.exists()
    deliver(client, dsync_event("dsync.user.created", "bob@acme.test", acme))
    bob = get_user_model().objects.get()
    assert (bob.email, bob.first_name, bob.is_active) == ("bob@acme.test", "Bob", True)
    membership = Membership.objects.get()
    assert (membership.organization.workos_id, membership.role) == (acme, "admin")
