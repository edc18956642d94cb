"""A refresh never loses what WorkOS handed back; only WorkOS refusing it signs out.

The emulator runs strict (no replay grace window) unless a test says otherwise,
so a refresh token lost on our side would show as a sign-out.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from django_authkit.core import crypto
from django_authkit.models import AuthKitSession
from django_authkit.sessions.data import read_hot, write_hot
from django_authkit.tokens.verify import clear_key_cache

ADA = {"email": "ada@acme.test", "organization_name": "Acme", "role": "admin"}
AUTHENTICATE = "/user_management/authenticate"
REFRESH = {"grant_type": "refresh_token"}


def _sign_in(emu: Any, authkit_sign_in: Any, client: Client, *, offset: int) -> AuthKitSession:
    """Sign in with a token minted ``offset`` s in the past (300 s lifetime)."""
    emu.control.set_clock(offset=offset)
    assert authkit_sign_in(client, **ADA).status_code == 302
    emu.control.set_clock(offset=0)
    emu.control.clear_calls()
    return AuthKitSession.objects.get()


@pytest.fixture
def strict(emu: Any) -> Any:
    emu.control.configure(refresh_grace_seconds=0)
    return emu


def _expire(client: Client) -> None:
    """Age the session's token past its expiry (as if the user came back later)."""
    session = client.session
    write_hot(session, {**(read_hot(session) or {}), "exp": int(time.time()) - 100})
    session.save()


def _alive(client: Client) -> bool:
    row = AuthKitSession.objects.get()
    return row.ended_at is None and client.get("/private/").status_code == 200


def test_jwks_outage_at_cold_start_keeps_the_rotated_token(
    strict: Any, client: Client, authkit_sign_in: Any
) -> None:
    row = _sign_in(strict, authkit_sign_in, client, offset=-290)  # expires in 10 s
    old_refresh = crypto.decrypt(row.refresh_token)
    clear_key_cache()
    cache.clear()  # a new worker: no keys anywhere
    # Sessions live in the database here, so clearing the cache keeps them.
    strict.control.jwks_fault("unavailable", count=None)
    response = client.get("/private/")
    assert response.status_code == 200  # not yet expired: served from the session
    row.refresh_from_db()
    assert crypto.decrypt(row.refresh_token) != old_refresh  # WorkOS's new pair is stored
    assert row.ended_at is None
    strict.control.clear_faults()
    cache.clear()  # the outage's backoff is over
    assert _alive(client)
    assert len(strict.control.grants("refresh_token")) == 1  # adopted, never spent twice


def test_expired_token_during_jwks_outage_is_503_then_recovers(
    strict: Any, client: Client, authkit_sign_in: Any
) -> None:
    _sign_in(strict, authkit_sign_in, client, offset=-290)
    _expire(client)
    clear_key_cache()
    cache.clear()
    strict.control.jwks_fault("unavailable", count=None)
    response = client.get("/private/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503 and int(response["Retry-After"]) >= 1
    strict.control.clear_faults()
    cache.clear()
    assert _alive(client)


def test_dropped_refresh_answer_loses_nothing(
    emu: Any, client: Client, authkit_sign_in: Any
) -> None:
    """WorkOS rotated the token but the answer was lost; the next request is too late
    for WorkOS's replay window."""
    _sign_in(emu, authkit_sign_in, client, offset=-290)
    emu.control.drop_response(AUTHENTICATE, method="POST", match=REFRESH)
    assert client.get("/private/").status_code == 200
    emu.control.set_clock(advance=60)  # long past the replay window
    assert _alive(client)
    grants = emu.control.grants("refresh_token")
    assert grants[0]["dropped"] is True and all(g["status"] == 200 for g in grants)


@pytest.mark.parametrize(("status", "retry_after"), [(500, None), (503, None), (429, 3)])
def test_workos_failing_at_refresh_signs_nobody_out(
    strict: Any, client: Client, authkit_sign_in: Any, status: int, retry_after: int | None
) -> None:
    _sign_in(strict, authkit_sign_in, client, offset=-290)
    _expire(client)
    strict.control.fault(AUTHENTICATE, method="POST", status=status, retry_after=retry_after,
                         count=None, match=REFRESH)
    response = client.get("/private/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503 and response["Retry-After"]
    strict.control.clear_faults()
    assert _alive(client)


def test_refresh_with_a_rotated_kid_and_lagging_jwks_keeps_the_session(
    strict: Any, client: Client, authkit_sign_in: Any
) -> None:
    """WorkOS signs with a new key before this site can fetch it."""
    _sign_in(strict, authkit_sign_in, client, offset=-290)
    strict.control.rotate_keys()
    strict.control.jwks_fault("unavailable", count=None)
    assert client.get("/private/").status_code == 200
    assert AuthKitSession.objects.get().ended_at is None
    strict.control.clear_faults()
    cache.clear()
    assert _alive(client)
    assert len(strict.control.grants("refresh_token")) == 1


def test_workos_refusal_still_signs_out(
    strict: Any, client: Client, authkit_sign_in: Any
) -> None:
    row = _sign_in(strict, authkit_sign_in, client, offset=-290)
    sessions = strict.control.state()["sessions"]
    sid = next(s["id"] for s in (sessions.values() if isinstance(sessions, dict) else sessions))
    assert sid == row.session_id
    from django_authkit.sessions.revocation import revoke_at_workos

    assert revoke_at_workos(sid)
    assert client.get("/private/").status_code == 302
    assert AuthKitSession.objects.get().end_reason == "refresh_refused"
