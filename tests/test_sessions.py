"""Refresh on expiry, refusals, outages and sign-out, driven through the emulator."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.test import Client

from django_authkit.models import AuthKitSession

ADA = {"email": "ada@acme.test", "organization_name": "Acme", "role": "admin"}


def _sign_in_expiring(emu: Any, authkit_sign_in: Any, client: Client) -> AuthKitSession:
    """Sign in with a token that expires 10 s from now, inside the refresh window."""
    emu.control.set_clock(offset=-290)
    assert authkit_sign_in(client, **ADA).status_code == 302
    emu.control.set_clock(offset=0)
    emu.control.clear_calls()
    return AuthKitSession.objects.get()


def test_token_near_expiry_is_refreshed_once(
    emu: Any, client: Client, authkit_sign_in: Any
) -> None:
    row = _sign_in_expiring(emu, authkit_sign_in, client)
    old_expiry = row.access_token_expires_at
    assert client.get("/private/").status_code == 200
    assert len(emu.control.grants("refresh_token")) == 1
    row.refresh_from_db()
    assert row.access_token_expires_at > old_expiry
    assert row.refreshed_at is not None
    for _ in range(3):  # fresh again: no further calls
        assert client.get("/private/").status_code == 200
    assert len(emu.control.grants("refresh_token")) == 1


def test_refused_refresh_signs_the_user_out(emu: Any, client: Client, authkit_sign_in: Any) -> None:
    row = _sign_in_expiring(emu, authkit_sign_in, client)
    revoked = requests.post(
        f"{emu.url}/user_management/sessions/revoke",
        json={"session_id": row.session_id},
        headers={"Authorization": f"Bearer {emu.api_key}"},
        timeout=5,
    )
    assert revoked.status_code == 200
    response = client.get("/private/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/sign-in/")
    row.refresh_from_db()
    assert row.ended_at is not None
    assert client.get("/").json()["authenticated"] is False


def test_lost_session_answers_json_401_to_api_callers(
    emu: Any, client: Client, authkit_sign_in: Any
) -> None:
    row = _sign_in_expiring(emu, authkit_sign_in, client)
    requests.post(
        f"{emu.url}/user_management/sessions/revoke",
        json={"session_id": row.session_id},
        headers={"Authorization": f"Bearer {emu.api_key}"},
        timeout=5,
    )
    response = client.get("/private/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json()["error"] == "session_ended"
    assert response.json()["sign_in_url"] == "/auth/sign-in/"


def test_outage_keeps_a_still_valid_session(emu: Any, client: Client, authkit_sign_in: Any) -> None:
    _sign_in_expiring(emu, authkit_sign_in, client)
    emu.control.fault("/user_management/authenticate", method="POST", status=503, count=None)
    assert client.get("/private/").status_code == 200
    assert client.get("/").json()["authenticated"] is True
    emu.control.clear_faults()
    assert client.get("/private/").status_code == 200
    assert AuthKitSession.objects.get().refreshed_at is not None


def test_outage_with_an_expired_token_answers_503(
    emu: Any, client: Client, authkit_sign_in: Any, settings: Any
) -> None:
    emu.control.configure(access_token_ttl=1)
    assert authkit_sign_in(client, **ADA).status_code == 302
    settings.AUTHKIT = {**settings.AUTHKIT, "JWT_LEEWAY": 0, "REFRESH_AHEAD": 0}
    time.sleep(1.2)
    emu.control.fault("/user_management/authenticate", method="POST", status=500, count=None)
    response = client.get("/private/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    emu.control.clear_faults()
    emu.control.configure(access_token_ttl=300)
    assert client.get("/private/").status_code == 200  # nothing was lost


def test_sign_out_get_asks_for_confirmation(signed_in: Client) -> None:
    response = signed_in.get("/auth/sign-out/")
    assert response.status_code == 200
    assert b'method="post"' in response.content
    assert signed_in.get("/").json()["authenticated"] is True


def test_sign_out_ends_the_session_here_and_at_workos(signed_in: Client, emu: Any) -> None:
    row = AuthKitSession.objects.get()
    response = signed_in.post("/auth/sign-out/")
    assert response.status_code == 302
    logout = urlsplit(response["Location"])
    assert f"{logout.scheme}://{logout.netloc}{logout.path}" == (
        f"{emu.url}/user_management/sessions/logout"
    )
    query = parse_qs(logout.query)
    assert query["session_id"] == [row.session_id]
    assert query["return_to"] == ["http://testserver/"]
    assert signed_in.get("/").json()["authenticated"] is False
    row.refresh_from_db()
    assert row.ended_at is not None
    # The browser follows the logout URL: WorkOS ends the session, so its refresh token dies.
    followed = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert followed.status_code in (200, 302)
    state = requests.get(f"{emu.url}/_emulator/state", timeout=5).json()
    sessions = {s["id"]: s for s in _sessions(state)}
    assert sessions[row.session_id]["status"] != "active"


def test_sign_out_requires_csrf(emu: Any, authkit_sign_in: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert authkit_sign_in(client, **ADA).status_code == 302
    assert client.post("/auth/sign-out/").status_code == 403
    assert client.get("/").json()["authenticated"] is True


def test_sign_out_keeps_a_safe_next(signed_in: Client) -> None:
    response = signed_in.post("/auth/sign-out/", {"next": "https://evil.test/"})
    assert parse_qs(urlsplit(response["Location"]).query)["return_to"] == ["http://testserver/"]


def _sessions(state: dict[str, Any]) -> list[dict[str, Any]]:
    raw = state.get("sessions", [])
    return list(raw.values()) if isinstance(raw, dict) else list(raw)


def test_a_cycled_session_key_is_followed_so_revocation_deletes_the_right_row(
    signed_in: Client,
) -> None:
    """A site's own ``cycle_key()`` (e.g. after a privilege change): the next request
    records the new key, and ending the WorkOS session deletes that Django session."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from django_authkit.models import AuthKitSession
    from django_authkit.sessions.data import HOT_KEY, unpack_hot
    from django_authkit.sessions.revocation import end_session

    old = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    store = SessionStore(old)
    store.load()
    store.cycle_key()
    new = store.session_key
    assert new and new != old
    signed_in.cookies[settings.SESSION_COOKIE_NAME] = new
    assert signed_in.get("/private/").status_code == 200
    row = AuthKitSession.objects.get()
    assert row.django_session_key == new
    hot = unpack_hot(SessionStore(new).load()[HOT_KEY])
    assert hot
    assert new.startswith(hot["key"]) and len(hot["key"]) < len(new)  # a mark, not the key
    assert signed_in.get("/private/").status_code == 200  # no second write for the same key
    end_session(row, "test", at_workos=False)
    assert not Session.objects.filter(session_key=new).exists()
