"""The webhooks endpoint: hostile deliveries, and signed deliveries from the emulator."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit import signals
from django_authkit.client.webhooks import signature_header
from django_authkit.events.handlers import retry_failed
from django_authkit.models import AuthKitSession, Membership, Organization, WebhookEvent
from django_authkit.workos import get_workos

SECRET = "whsec_test_0123456789abcdef"
URL = "/auth/webhooks/"
ADA = {"email": "ada@acme.test", "first_name": "Ada", "organization_name": "Acme", "role": "admin"}


@pytest.fixture
def hooks(emu: Any, settings: Any) -> Any:
    settings.AUTHKIT = {**settings.AUTHKIT, "WEBHOOK_SECRET": SECRET}
    return emu


def event_body(event_id: str = "event_01TEST", name: str = "user.updated", **data: Any) -> bytes:
    body = {
        "id": event_id,
        "event": name,
        "data": data or {"id": "user_01NOBODY", "email": "nobody@example.test"},
        "created_at": "2026-01-01T00:00:00.000Z",
    }
    return json.dumps(body).encode()


def post(client: Client, body: bytes, header: str | None, **extra: Any) -> Any:
    if header is not None:
        extra["HTTP_WORKOS_SIGNATURE"] = header
    return client.post(URL, data=body, content_type="application/json", **extra)


def deliver(client: Client, body: bytes | dict[str, Any], secret: str = SECRET) -> Any:
    """POST ``body`` signed now with ``secret``, as WorkOS would."""
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    return post(client, raw, signature_header(raw, secret))


def _now_ms() -> int:
    return int(time.time() * 1000)


def _sig(body: bytes, *, secret: str = SECRET, offset_s: float = 0) -> str:
    return signature_header(body, secret, timestamp_ms=_now_ms() + int(offset_s * 1000))


BODY = event_body()
VALID_HEX = _sig(BODY).split("v1=")[1]

HOSTILE: list[tuple[str, Any]] = [
    ("missing", lambda: None),
    ("empty", lambda: ""),
    ("only spaces", lambda: "   "),
    ("garbage", lambda: "not a signature"),
    ("no v1", lambda: f"t={_now_ms()}"),
    ("no t", lambda: f"v1={VALID_HEX}"),
    ("t not a number", lambda: f"t=abc, v1={VALID_HEX}"),
    ("v1 not hex", lambda: f"t={_now_ms()}, v1={'z' * 64}"),
    ("v1 too short", lambda: f"t={_now_ms()}, v1=abcdef"),
    ("non-ASCII v1", lambda: f"t={_now_ms()}, v1={'é' * 64}"),
    ("non-ASCII t", lambda: f"t=١٢٣, v1={VALID_HEX}"),
    ("duplicated header", lambda: f"{_sig(BODY)}, {_sig(BODY)}"),
    ("duplicated v1", lambda: f"{_sig(BODY)}, v1={VALID_HEX}"),
    ("huge header", lambda: f"t={_now_ms()}, v1={VALID_HEX}, x={'a' * 5000}"),
    ("wrong secret", lambda: _sig(BODY, secret="whsec_wrong")),
    ("empty secret", lambda: _sig(BODY, secret="")),
    ("stale timestamp", lambda: _sig(BODY, offset_s=-181)),
    ("future timestamp", lambda: _sig(BODY, offset_s=+181)),
    # correctly signed, but with the timestamp in seconds: read as milliseconds, it is 1970
    ("seconds not milliseconds",
     lambda: signature_header(BODY, SECRET, timestamp_ms=int(time.time()))),
    ("timestamp of another signature", lambda: f"t={_now_ms() - 5000}, v1={VALID_HEX}"),
    ("signature of another body", lambda: _sig(event_body("event_01OTHER"))),
    ("replay of an old delivery", lambda: _sig(BODY, offset_s=-600)),
]


@pytest.mark.parametrize("header", [h for _, h in HOSTILE], ids=[n for n, _ in HOSTILE])
def test_hostile_signatures_answer_400(hooks: Any, client: Client, header: Any) -> None:
    response = post(client, BODY, header())
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_signature"}
    assert not WebhookEvent.objects.exists()


TAMPERED = [
    ("one byte changed", lambda b: b.replace(b"nobody@", b"n0body@")),
    ("whitespace added", lambda b: b + b" "),
    ("re-encoded JSON", lambda b: json.dumps(json.loads(b), indent=2).encode()),
    ("truncated", lambda b: b[:-1]),
    ("empty", lambda b: b""),
]


@pytest.mark.parametrize("tamper", [t for _, t in TAMPERED], ids=[n for n, _ in TAMPERED])
def test_modified_bodies_answer_400(hooks: Any, client: Client, tamper: Any) -> None:
    response = post(client, tamper(BODY), _sig(BODY))
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[]", b'{"id": "event_1"}', b'{"event": "user.updated"}',
     b'{"id": 5, "event": "user.updated"}', b'{"id": "event_1", "event": "x", "data": []}',
     b'{"id": "' + b"e" * 65 + b'", "event": "x"}', b"[" * 100000],
    ids=["not-json", "list", "no-event", "no-id", "int-id", "list-data", "long-id", "deep"],
)  # fmt: skip
def test_signed_garbage_is_a_400_not_a_500(hooks: Any, client: Client, raw: bytes) -> None:
    response = deliver(client, raw)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_payload"}


def test_signature_header_name_is_case_insensitive(hooks: Any, client: Client) -> None:
    response = client.post(
        URL, data=BODY, content_type="application/json", headers={"workos-signature": _sig(BODY)}
    )
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_only_post_and_no_csrf_token_needed(hooks: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get(URL).status_code == 405
    assert deliver(client, BODY).status_code == 200


def test_unset_secret_answers_503(emu: Any, client: Client, caplog: Any) -> None:
    response = deliver(client, BODY, secret="whatever")
    assert response.status_code == 503
    assert response.json() == {"error": "webhooks_not_configured"}
    assert "WEBHOOK_SECRET" in caplog.text and "whatever" not in caplog.text


def test_tolerance_setting(hooks: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "WEBHOOK_TOLERANCE": 600}
    assert post(client, BODY, _sig(BODY, offset_s=-300)).status_code == 200


def test_secrets_and_signatures_are_never_logged(hooks: Any, client: Client, caplog: Any) -> None:
    caplog.set_level("DEBUG", logger="django_authkit")
    header = _sig(BODY, secret="whsec_wrong")
    post(client, BODY, header)
    deliver(client, BODY)
    assert SECRET not in caplog.text and header.split("v1=")[1] not in caplog.text


def test_replayed_delivery_is_processed_once(hooks: Any, client: Client) -> None:
    received: list[str] = []

    def count(sender: Any, event: Any, **kw: Any) -> None:
        received.append(event.id)

    signals.workos_event.connect(count)
    try:
        header = _sig(BODY)
        assert post(client, BODY, header).json() == {"status": "ok"}
        assert post(client, BODY, header).json() == {"status": "duplicate"}
        assert deliver(client, BODY).json() == {"status": "duplicate"}
    finally:
        signals.workos_event.disconnect(count)
    assert received == ["event_01TEST"]
    row = WebhookEvent.objects.get()
    assert (row.event_type, row.source, row.error) == ("user.updated", "webhook", "")
    assert row.processed_at is not None


def test_failed_handler_answers_200_and_is_retried(hooks: Any, client: Client) -> None:
    calls: list[str] = []

    def flaky(sender: Any, event: Any, **kw: Any) -> None:
        calls.append(event.id)
        if len(calls) == 1:
            raise RuntimeError("site receiver broke")

    signals.workos_event.connect(flaky)
    try:
        assert deliver(client, BODY).json() == {"status": "failed"}
        row = WebhookEvent.objects.get()
        assert row.processed_at is None and "site receiver broke" in row.error
        assert deliver(client, BODY).json() == {"status": "ok"}  # a redelivery retries it
        assert deliver(client, BODY).json() == {"status": "duplicate"}
    finally:
        signals.workos_event.disconnect(flaky)
    row.refresh_from_db()
    assert row.processed_at is not None and row.error == ""
    assert len(calls) == 2


def test_retry_failed_applies_stored_events(hooks: Any, client: Client) -> None:
    def broken(sender: Any, **kw: Any) -> None:
        raise RuntimeError("down")

    signals.workos_event.connect(broken)
    try:
        deliver(client, BODY)
        assert retry_failed() == {"ok": 0, "duplicate": 0, "failed": 1}
    finally:
        signals.workos_event.disconnect(broken)
    assert retry_failed() == {"ok": 1, "duplicate": 0, "failed": 0}
    assert retry_failed() == {"ok": 0, "duplicate": 0, "failed": 0}


# -- delivered by the emulator over HTTP to a live server ------------------------------


@pytest.fixture
def live(hooks: Any, live_server: Any) -> Any:
    """Subscribe the live site to the emulator's signed webhooks (add after signing in)."""

    def subscribe(*events: str) -> str:
        url = f"{live_server.url}{URL}"
        hooks.control.add_webhook(url, SECRET, list(events))
        return url

    return subscribe


def settle(emu: Any) -> list[dict[str, Any]]:
    """Wait until the emulator delivered everything; every delivery must have been a 200."""
    deliveries = emu.control.webhook_deliveries(wait=10)
    assert deliveries and all(d["status"] == 200 for d in deliveries), deliveries
    return deliveries


def test_user_updated_at_workos_reaches_django(hooks: Any, signed_in: Client, live: Any) -> None:
    live("user.updated")
    link = get_user_model().objects.get().workos
    get_workos().user_management.update_user(link.workos_id, first_name="Augusta", last_name="King")
    settle(hooks)
    user = get_user_model().objects.get()
    assert (user.first_name, user.last_name) == ("Augusta", "King")
    assert WebhookEvent.objects.get().processed_at is not None


def test_deleted_user_is_signed_out_and_cannot_sign_in(
    hooks: Any, authkit_sign_in: Any, live: Any, settings: Any
) -> None:
    hooks.control.seed({"organizations": [{"id": "org_acme", "name": "Acme"}]})
    settings.AUTHKIT = {**settings.AUTHKIT, "STAFF_ROLES": ["admin"],
                        "STAFF_ORGANIZATIONS": ["org_acme"]}
    browser = Client()
    authkit_sign_in(browser, **ADA)
    user = get_user_model().objects.get()
    assert user.is_staff and browser.get("/private/").status_code == 200
    live("user.created", "user.deleted", "organization_membership.deleted", "session.revoked")
    workos_id = user.workos.workos_id
    get_workos().user_management.delete_user(workos_id)
    settle(hooks)
    assert browser.get("/").json()["authenticated"] is False
    assert browser.get("/private/").status_code == 302
    user.refresh_from_db()
    assert (user.is_active, user.is_staff) == (False, False)
    assert not Membership.objects.exists()
    assert AuthKitSession.objects.get().ended_at is not None
    # Even if WorkOS vouched for that identity again, the deactivated account stays closed.
    hooks.control.seed({"users": [{"id": workos_id, "email": "ada@acme.test"}]})
    settle(hooks)
    response = authkit_sign_in(Client(), user_id=workos_id, organization_name="Acme")
    assert response.status_code == 403
    assert get_user_model().objects.get().is_active is False


def test_duplicate_delivery_is_processed_once(hooks: Any, signed_in: Client, live: Any) -> None:
    live("user.updated")
    received: list[str] = []

    def count(sender: Any, event: Any, source: str, **kw: Any) -> None:
        received.append(f"{event.id}:{source}")

    signals.workos_event.connect(count)
    try:
        link = get_user_model().objects.get().workos
        get_workos().user_management.update_user(link.workos_id, first_name="Once")
        settle(hooks)
        event_id = WebhookEvent.objects.get().event_id
        hooks.control.redeliver_webhooks(event_id)
        hooks.control.redeliver_webhooks(event_id)
        assert len(settle(hooks)) == 3
    finally:
        signals.workos_event.disconnect(count)
    assert received == [f"{event_id}:webhook"]
    assert WebhookEvent.objects.count() == 1


def test_membership_role_changes_follow_into_groups_and_staff(
    hooks: Any, signed_in: Client, live: Any, settings: Any
) -> None:
    settings.AUTHKIT = {
        **settings.AUTHKIT,
        "ROLE_GROUPS": {"admin": ["Editors"], "member": ["Readers"]},
        "STAFF_ROLES": ["admin"],
        "STAFF_ORGANIZATIONS": [Organization.objects.get().workos_id],
    }
    live("organization_membership.updated", "organization_membership.deleted")
    user = get_user_model().objects.get()
    workos = get_workos().user_management
    membership = workos.list_organization_memberships(user_id=user.workos.workos_id).data[0]

    workos.update_organization_membership(membership.id, role_slug="member")
    settle(hooks)
    user = get_user_model().objects.get()
    assert not user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["Readers"]
    assert Membership.objects.get().role == "member"

    workos.update_organization_membership(membership.id, role_slug="admin")
    settle(hooks)
    user = get_user_model().objects.get()
    assert user.is_staff and list(user.groups.values_list("name", flat=True)) == ["Editors"]

    workos.delete_organization_membership(membership.id)
    settle(hooks)
    user = get_user_model().objects.get()
    assert not user.is_staff and not user.groups.exists() and not Membership.objects.exists()


def test_session_revoked_at_workos_signs_the_browser_out(
    hooks: Any, signed_in: Client, live: Any
) -> None:
    live("session.revoked")
    assert signed_in.get("/private/").status_code == 200
    get_workos().user_management.revoke_session(AuthKitSession.objects.get().session_id)
    settle(hooks)
    assert signed_in.get("/").json()["authenticated"] is False
    row = AuthKitSession.objects.get()
    assert row.end_reason == "revoked_at_workos"


def test_organization_events_update_the_mirror(hooks: Any, signed_in: Client, live: Any) -> None:
    live("organization.updated", "organization.deleted", "organization_membership.deleted")
    org = Organization.objects.get()
    workos = get_workos().organizations
    workos.update_organization(org.workos_id, name="Acme Renamed")
    settle(hooks)
    assert Organization.objects.get().name == "Acme Renamed"
    workos.delete_organization(org.workos_id)
    settle(hooks)
    assert not Organization.objects.exists() and not Membership.objects.exists()


def test_user_created_at_workos_is_mirrored(hooks: Any, live: Any, settings: Any) -> None:
    live("user.created")
    get_workos().user_management.create_user(
        email="grace@navy.test", first_name="Grace", email_verified=True  # else not copied
    )
    settle(hooks)
    user = get_user_model().objects.get()
    assert (user.email, user.first_name, user.workos.last_sign_in_at) == (
        "grace@navy.test",
        "Grace",
        None,
    )


def test_hostile_headers_over_real_http(hooks: Any, live_server: Any) -> None:
    """Raw bytes on the wire: duplicated header lines and non-ASCII bytes still answer 400."""
    parts = urlsplit(live_server.url)
    cases = [
        [("WorkOS-Signature", _sig(BODY)), ("WorkOS-Signature", _sig(BODY))],
        [("WorkOS-Signature", b"t=1, v1=\xff\xfe" + b"a" * 62)],
        [("WorkOS-Signature", _sig(BODY, secret="whsec_wrong"))],
    ]
    for headers in cases:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            conn.putrequest("POST", URL)
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(len(BODY)))
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders(BODY)
            response = conn.getresponse()
            assert response.status == 400, headers
            assert json.loads(response.read()) == {"error": "invalid_signature"}
        finally:
            conn.close()
    valid = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        valid.request("POST", URL, body=BODY, headers={"WorkOS-Signature": _sig(BODY)})
        assert valid.getresponse().status == 200
    finally:
        valid.close()
