"""Revocation, idle timeout, absolute lifetime, organization switching, impersonation."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.template import Context, Template
from django.test import Client

from django_authkit.models import AuthKitSession
from django_authkit.sessions.revocation import revoke_user_sessions
from tests.cluster import slowness

# Real seconds pass in these tests: on a loaded machine a request can take more than
# one, so the timeouts (and the sleeps) grow with the load instead of failing.
K = max(1, round(slowness()))

ADA = {"email": "ada@acme.test", "first_name": "Ada", "organization_name": "Acme", "role": "admin"}


def _emulator_session(emu: Any, sid: str) -> dict[str, Any]:
    sessions = emu.control.state()["sessions"]
    rows = sessions.values() if isinstance(sessions, dict) else sessions
    return next(s for s in rows if s["id"] == sid)


def test_revoking_a_user_signs_out_every_browser(emu: Any, authkit_sign_in: Any) -> None:
    laptop, phone = Client(), Client()
    authkit_sign_in(laptop, **ADA)
    authkit_sign_in(phone, **ADA)
    user = get_user_model().objects.get(email="ada@acme.test")
    assert revoke_user_sessions(user) == 2
    for browser in (laptop, phone):
        assert browser.get("/").json()["authenticated"] is False
        assert browser.get("/private/").status_code == 302
    for row in AuthKitSession.objects.all():
        assert row.ended_at is not None and row.end_reason == "revoked"
        assert _emulator_session(emu, row.session_id)["status"] != "active"
    assert revoke_user_sessions(user) == 0


def test_revocation_with_cookie_sessions(emu: Any, authkit_sign_in: Any, settings: Any) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    client = Client()
    authkit_sign_in(client, **ADA)
    assert client.get("/private/").status_code == 200
    revoke_user_sessions(get_user_model().objects.get(), at_workos=False)
    response = client.get("/private/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json()["error"] == "session_ended"


def test_revocation_survives_a_workos_outage(emu: Any, signed_in: Client) -> None:
    emu.control.fault("/user_management/sessions/revoke", status=503, count=None)
    revoke_user_sessions(get_user_model().objects.get())
    assert signed_in.get("/").json()["authenticated"] is False


def test_admin_action_revokes_sessions(emu: Any, signed_in: Client, staff: Client) -> None:
    row = AuthKitSession.objects.get()
    response = staff.post(
        "/admin/authkit/authkitsession/",
        {"action": "revoke_sessions", "_selected_action": [row.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert b"Revoked 1 session" in response.content
    row.refresh_from_db()
    assert row.end_reason == "admin_revoked"
    assert signed_in.get("/").json()["authenticated"] is False


def test_idle_timeout_ends_the_session(emu: Any, authkit_sign_in: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "IDLE_TIMEOUT": 2 * K}
    client = Client()
    authkit_sign_in(client, **ADA)
    assert client.get("/private/").status_code == 200
    time.sleep(2 * K + 1.1)
    assert client.get("/private/").status_code == 302
    row = AuthKitSession.objects.get()
    assert row.end_reason == "idle"
    assert _emulator_session(emu, row.session_id)["status"] != "active"


def test_activity_keeps_an_idle_timeout_session_alive(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "IDLE_TIMEOUT": 3 * K, "ACTIVITY_WRITE_INTERVAL": K}
    client = Client()
    authkit_sign_in(client, **ADA)
    for _ in range(4):
        time.sleep(0.8 * K)
        assert client.get("/private/").status_code == 200


def test_activity_is_not_written_on_every_request(
    emu: Any, authkit_sign_in: Any, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "IDLE_TIMEOUT": 3600}
    client = Client()
    authkit_sign_in(client, **ADA)
    client.get("/private/")
    data = Session.objects.get().session_data
    with django_assert_num_queries(2):
        assert client.get("/private/").status_code == 200
    assert Session.objects.get().session_data == data


def test_absolute_lifetime(emu: Any, authkit_sign_in: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "SESSION_MAX_AGE": K}
    client = Client()
    authkit_sign_in(client, **ADA)
    time.sleep(K + 1.1)
    assert client.get("/").json()["authenticated"] is False
    assert AuthKitSession.objects.get().end_reason == "max_age"


@pytest.fixture
def two_orgs(emu: Any) -> dict[str, str]:
    created = emu.control.seed(
        {
            "organizations": [{"name": "Acme"}, {"name": "Globex"}, {"name": "Initech"}],
            "users": [{"email": "ada@acme.test", "first_name": "Ada"}],
            "memberships": [
                {"user": "ada@acme.test", "organization": "Acme", "role": "admin"},
                {"user": "ada@acme.test", "organization": "Globex", "role": "member"},
            ],
        }
    )
    return {o["name"]: o["id"] for o in created["organizations"]}


def test_switch_organization(emu: Any, authkit_sign_in: Any, two_orgs: dict[str, str]) -> None:
    client = Client()
    authkit_sign_in(client, email="ada@acme.test", organization_id=two_orgs["Acme"])
    assert client.get("/").json()["role"] == "admin"
    response = client.post(
        "/auth/switch-organization/", {"organization_id": two_orgs["Globex"], "next": "/private/"}
    )
    assert response.status_code == 302 and response["Location"] == "/private/"
    home = client.get("/").json()
    assert (home["organization_id"], home["role"]) == (two_orgs["Globex"], "member")
    assert AuthKitSession.objects.get().organization_id == two_orgs["Globex"]


def test_switch_organization_json(emu: Any, authkit_sign_in: Any, two_orgs: dict[str, str]) -> None:
    client = Client()
    authkit_sign_in(client, email="ada@acme.test", organization_id=two_orgs["Acme"])
    response = client.post(
        "/auth/switch-organization/",
        {"organization_id": two_orgs["Globex"]},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["organization_id"] == two_orgs["Globex"]
    assert response.json()["permissions"] == ["widgets:read"]


def test_switch_to_a_foreign_organization_is_refused(
    emu: Any, authkit_sign_in: Any, two_orgs: dict[str, str]
) -> None:
    client = Client()
    authkit_sign_in(client, email="ada@acme.test", organization_id=two_orgs["Acme"])
    response = client.post("/auth/switch-organization/", {"organization_id": two_orgs["Initech"]})
    assert response.status_code == 403
    assert b"<code>organization_not_allowed</code>" in response.content
    home = client.get("/").json()
    assert (home["authenticated"], home["organization_id"]) == (True, two_orgs["Acme"])


@pytest.mark.parametrize("org_id", ["", "acme", "org_<x>", "org_" + "A" * 100])
def test_switch_organization_validates_input(signed_in: Client, org_id: str) -> None:
    response = signed_in.post("/auth/switch-organization/", {"organization_id": org_id})
    assert response.status_code == 400


def test_switch_organization_needs_a_session_and_csrf(emu: Any, authkit_sign_in: Any) -> None:
    assert (
        Client().post("/auth/switch-organization/", {"organization_id": "org_1"}).status_code == 401
    )
    strict = Client(enforce_csrf_checks=True)
    authkit_sign_in(strict, **ADA)
    assert (
        strict.post("/auth/switch-organization/", {"organization_id": "org_1"}).status_code == 403
    )


def test_impersonation_is_visible(emu: Any, authkit_sign_in: Any) -> None:
    client = Client()
    authkit_sign_in(client, email="ada@acme.test", impersonator_email="support@workos.test")
    request = client.get("/private/").wsgi_request
    assert request.authkit.impersonator["email"] == "support@workos.test"
    html = Template("{% load authkit %}{% authkit_impersonation_banner %}").render(
        Context({"request": request, "csrf_token": "t"})
    )
    assert "impersonated by <strong>support@workos.test</strong>" in html
    assert 'action="/auth/sign-out/"' in html
    assert AuthKitSession.objects.get().impersonator["email"] == "support@workos.test"


def test_no_banner_without_impersonation(signed_in: Client) -> None:
    request = signed_in.get("/private/").wsgi_request
    html = Template("{% load authkit %}{% authkit_impersonation_banner %}").render(
        Context({"request": request})
    )
    assert html.strip() == ""
