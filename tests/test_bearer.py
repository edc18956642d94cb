"""``Authorization: Bearer <WorkOS access token>``: middleware and the DRF class."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.test import AsyncClient, Client

from django_authkit.models import WorkOSUser
from django_authkit.sessions import bearer
from django_authkit.tokens.verify import clear_key_cache
from tests.pending import verifier

ADA = {"email": "ada@acme.test", "organization_name": "Acme", "role": "admin"}


def _token(emu: Any, **choice: Any) -> str:
    """A WorkOS access token obtained the API-mode way (with the Django test client)."""
    client = Client()
    start = client.get("/auth/sign-in/")  # any authorize URL will do for the code
    back = parse_qs(urlsplit(emu.control.complete_sign_in(start["Location"], **choice)).query)
    response = client.post(
        "/auth/api/callback/",
        json.dumps({"code": back["code"][0], "codeVerifier": verifier(client, back["state"][0])}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    token: str = response.json()["token"]
    return token


@pytest.fixture
def token(emu: Any) -> str:
    bearer.clear_cache()
    return _token(emu, **ADA)


def _auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_bearer_request_is_authenticated(token: str, client: Client, emu: Any) -> None:
    emu.control.clear_calls()
    response = client.get("/whoami/", **_auth(token))
    assert response.status_code == 200 and response.json() == {"email": "ada@acme.test"}
    home = client.get("/", **_auth(token)).json()
    assert home["authenticated"] is True and home["role"] == "admin"
    assert client.get("/org/", **_auth(token)).status_code == 200
    assert client.get("/members/", **_auth(token)).status_code == 200  # permission from claims
    assert "sessionid" not in client.cookies
    assert emu.control.calls() == []  # keys cached, no WorkOS call per request


def test_bearer_skips_csrf_but_a_cookie_does_not(token: str, emu: Any,
                                                 authkit_sign_in: Any) -> None:
    api = Client(enforce_csrf_checks=True)
    assert api.post("/private/", **_auth(token)).status_code == 200
    browser = Client(enforce_csrf_checks=True)
    authkit_sign_in(browser, email="bob@acme.test")
    assert browser.post("/private/").status_code == 403
    # a session cookie riding along keeps CSRF on, whatever the header says
    assert browser.post("/private/", **_auth(token)).status_code == 403


def test_bearer_wins_over_a_session_cookie(token: str, emu: Any, authkit_sign_in: Any) -> None:
    browser = Client()
    authkit_sign_in(browser, email="bob@acme.test")
    assert browser.get("/whoami/").json() == {"email": "bob@acme.test"}
    assert browser.get("/whoami/", **_auth(token)).json() == {"email": "ada@acme.test"}


def test_session_endpoint_with_bearer(token: str, client: Client) -> None:
    body = client.get("/auth/session/", **_auth(token)).json()
    assert body["user"]["email"] == "ada@acme.test" and body["organization"]["name"] == "Acme"


@pytest.mark.parametrize("value", ["Bearer garbage", "Bearer a.b.c", "bearer x"])
def test_invalid_token_is_401_json(emu: Any, client: Client, value: str) -> None:
    response = client.get("/whoami/", HTTP_AUTHORIZATION=value)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert "no-store" in response["Cache-Control"]


def test_other_schemes_are_left_alone(emu: Any, client: Client) -> None:
    response = client.get("/", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 200 and response.json()["authenticated"] is False


def test_expired_token(emu: Any, client: Client) -> None:
    from django_authkit.workos import get_workos

    emu.control.set_clock(offset=-900)  # WorkOS issues a token that expired 10 minutes ago
    start = client.get("/auth/sign-in/")
    back = parse_qs(urlsplit(emu.control.complete_sign_in(start["Location"], **ADA)).query)
    old = get_workos().user_management.authenticate_with_code(
        code=back["code"][0], code_verifier=verifier(client, back["state"][0])
    ).access_token
    emu.control.set_clock(offset=0)
    response = client.get("/whoami/", **_auth(old))
    assert response.status_code == 401 and response.json()["error"] == "token_expired"


def test_unknown_and_inactive_users(token: str, client: Client) -> None:
    user = get_user_model().objects.get(email="ada@acme.test")
    user.is_active = False
    user.save()
    assert client.get("/whoami/", **_auth(token)).json()["error"] == "account_not_allowed"
    WorkOSUser.objects.all().delete()
    assert client.get("/whoami/", **_auth(token)).json()["error"] == "unknown_user"


def test_lenient_mode_continues_anonymous(emu: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "BEARER_REJECT_INVALID": False}
    response = client.get("/", HTTP_AUTHORIZATION="Bearer garbage")
    assert response.status_code == 200 and response.json()["authenticated"] is False


def test_bearer_can_be_disabled(token: str, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "BEARER_TOKENS": False}
    assert client.get("/", **_auth(token)).json()["authenticated"] is False


def test_keys_unavailable_is_503(emu: Any, client: Client) -> None:
    token = _token(emu, **ADA)
    bearer.clear_cache()
    clear_key_cache()
    from django.core.cache import cache

    cache.clear()
    emu.control.fault("/sso/jwks/*", status=500, count=None)
    response = client.get("/whoami/", **_auth(token))
    assert response.status_code == 503
    assert response.json()["error"] == "authentication_unavailable"
    assert response["Retry-After"] == "5"


def test_verified_claims_are_cached_by_hash_and_bounded(emu: Any, settings: Any) -> None:
    bearer.clear_cache()
    first, second, third = (_token(emu, email=f"u{i}@acme.test") for i in range(3))
    claims = bearer.verify(first)
    assert bearer.verify(first) is claims  # served from the cache
    assert all(len(k) == 32 for k in bearer._verified)  # SHA-256 digests, never the token
    assert first not in repr(bearer._verified)
    settings.AUTHKIT = {**settings.AUTHKIT, "BEARER_CACHE_SIZE": 2}
    bearer.verify(second)
    bearer.verify(third)
    assert len(bearer._verified) == 2
    settings.AUTHKIT = {**settings.AUTHKIT, "BEARER_CACHE_SIZE": 0}
    assert bearer.verify(first) is not claims


def test_bearer_under_asgi(token: str) -> None:
    response = async_to_sync(AsyncClient().get)("/whoami/", headers={
        "Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json()["email"] == "ada@acme.test"
