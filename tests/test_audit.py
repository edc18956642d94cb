"""Audit logging: sign-in, sign-out and organization switches, and the helper for sites."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit import signals
from django_authkit.client.errors import ServerError
from django_authkit.events.audit import record_audit_event
from django_authkit.models import AuthKitSession

ADA = {"email": "ada@acme.test", "first_name": "Ada", "organization_name": "Acme", "role": "admin"}


def received(emu: Any) -> list[dict[str, Any]]:
    response = emu.control.http.get(f"{emu.url}/_emulator/audit_logs", timeout=10)
    return response.json()["data"]  # type: ignore[no-any-return]


@pytest.fixture
def audited(emu: Any, settings: Any) -> Any:
    settings.AUTHKIT = {**settings.AUTHKIT, "AUDIT_LOG": True}
    return emu


def test_sign_in_and_sign_out_are_audited(audited: Any, authkit_sign_in: Any) -> None:
    client = Client(HTTP_USER_AGENT="pytest-browser")
    authkit_sign_in(client, **ADA)
    row = AuthKitSession.objects.get()
    user = get_user_model().objects.get()
    [sign_in] = received(audited)
    event = sign_in["event"]
    assert sign_in["organization_id"] == row.organization_id
    assert sign_in["idempotency_key"] == f"authkit:user.signed_in:{row.session_id}"
    assert event["action"] == "user.signed_in"
    assert event["actor"] == {"id": user.workos.workos_id, "type": "user", "name": "Ada"}
    assert event["context"] == {"location": "127.0.0.1", "user_agent": "pytest-browser"}
    assert event["metadata"]["session_id"] == row.session_id

    client.post("/auth/sign-out/")
    sign_out = received(audited)[1]
    assert sign_out["event"]["action"] == "user.signed_out"
    assert sign_out["idempotency_key"] == f"authkit:user.signed_out:{row.session_id}"
    assert sign_out["organization_id"] == row.organization_id


def test_nothing_is_audited_unless_enabled(emu: Any, signed_in: Client) -> None:
    signed_in.post("/auth/sign-out/")
    assert received(emu) == []


def test_the_setting_is_read_when_the_signal_arrives(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    authkit_sign_in(Client(), **ADA)
    settings.AUTHKIT = {**settings.AUTHKIT, "AUDIT_LOG": True}
    authkit_sign_in(Client(), **ADA)
    assert [e["event"]["action"] for e in received(emu)] == ["user.signed_in"]


def test_sessions_without_an_organization_are_not_audited(
    audited: Any, authkit_sign_in: Any
) -> None:
    authkit_sign_in(Client(), email="solo@example.test")
    assert received(audited) == []


def test_a_workos_failure_never_breaks_sign_in(
    audited: Any, authkit_sign_in: Any, caplog: Any
) -> None:
    audited.control.fault("/audit_logs/events", status=500, count=None)
    client = Client()
    response = authkit_sign_in(client, **ADA)
    assert response.status_code == 302
    assert client.get("/private/").status_code == 200
    assert "Could not record audit event user.signed_in" in caplog.text


def test_organization_switch_receiver(audited: Any, signed_in: Client) -> None:
    row = AuthKitSession.objects.get()
    signals.organization_switched.send(
        sender=None,
        request=None,
        user=get_user_model().objects.get(),
        session_id=row.session_id,
        organization_id=row.organization_id,
        previous_organization_id="org_01PREVIOUS",
    )
    switch = received(audited)[-1]
    assert switch["event"]["action"] == "user.organization_switched"
    assert switch["event"]["metadata"]["previous_organization_id"] == "org_01PREVIOUS"
    assert {"id": row.organization_id, "type": "organization"} in switch["event"]["targets"]


def test_record_audit_event_helper_for_sites(emu: Any, signed_in: Client) -> None:
    user = get_user_model().objects.get()
    org_id = AuthKitSession.objects.get().organization_id
    for _ in range(2):  # a retry with the same key is recorded once
        record_audit_event(
            organization_id=org_id,
            action="invoice.paid",
            actor=user,
            targets=[{"id": "inv_42", "type": "invoice"}],
            metadata={"amount": 42},
            idempotency_key="invoice-42-paid",
        )
    [event] = received(emu)
    assert event["idempotency_key"] == "invoice-42-paid"
    assert event["event"]["targets"] == [{"id": "inv_42", "type": "invoice"}]
    assert event["event"]["context"] == {"location": "0.0.0.0"}
    assert event["event"]["actor"]["id"] == user.workos.workos_id
    emu.control.fault("/audit_logs/events", status=500, count=None)
    with pytest.raises(ServerError):
        record_audit_event(organization_id=org_id, action="x.y", actor={"id": "a", "type": "b"})


def test_switching_organization_is_audited(audited: Any, authkit_sign_in: Any) -> None:
    orgs = audited.control.seed({
        "organizations": [{"name": "Acme"}, {"name": "Globex"}],
        "users": [{"email": "ada@acme.test"}],
        "memberships": [{"user": "ada@acme.test", "organization": "Acme", "role": "admin"},
                        {"user": "ada@acme.test", "organization": "Globex", "role": "member"}],
    })["organizations"]
    acme, globex = (o["id"] for o in orgs)
    client = Client()
    authkit_sign_in(client, email="ada@acme.test", organization_id=acme)
    response = client.post("/auth/switch-organization/", {"organization_id": globex})
    assert response.status_code == 302
    switch = [e for e in received(audited)
              if e["event"]["action"] == "user.organization_switched"][-1]
    assert switch["organization_id"] == globex
    assert switch["event"]["metadata"]["previous_organization_id"] == acme
