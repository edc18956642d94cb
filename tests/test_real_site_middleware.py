"""What real sites hit: configuration errors at request time, caches, ASGI without a sync hop."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client

import django_authkit.middleware as middleware
from tests.test_bearer import _auth, _token

ADA = {"email": "ada@acme.test", "organization_name": "Acme", "role": "admin"}


def test_sign_in_without_client_id_is_a_clear_503_logged_at_error(
    emu: Any, settings: Any, client: Client, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WORKOS_CLIENT_ID", raising=False)
    settings.AUTHKIT = {k: v for k, v in settings.AUTHKIT.items() if k != "CLIENT_ID"}
    with caplog.at_level(logging.ERROR, logger="django_authkit"):
        response = client.get("/auth/sign-in/")
    assert response.status_code == 503
    assert b"not your fault" in response.content
    assert b"Traceback" not in response.content
    assert [r for r in caplog.records if r.levelno == logging.ERROR and "check" in r.getMessage()]


def test_unimportable_adapter_at_callback_is_a_503_not_a_500(
    emu: Any, settings: Any, client: Client, authkit_sign_in: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ADAPTER": "nowhere.Adapter"}
    with caplog.at_level(logging.ERROR, logger="django_authkit"):
        response = authkit_sign_in(client, **ADA)
    assert response.status_code == 503, response.content[:300]
    assert b"Sign-in unavailable" in response.content
    assert any(r.levelno == logging.ERROR for r in caplog.records)


def test_unimportable_hook_in_json_api_is_a_json_503(
    emu: Any, settings: Any, client: Client
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMIT_CLIENT": "nowhere.client"}
    response = client.post("/auth/refresh/", HTTP_ACCEPT="application/json")
    assert response.status_code in (401, 403, 503), response.content[:300]
    assert response.status_code != 500


def test_session_authenticated_response_is_private(signed_in: Client) -> None:
    response = signed_in.get("/private/")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    anonymous = Client().get("/")
    assert "private" not in anonymous.get("Cache-Control", "")


def test_bearer_response_varies_on_authorization(emu: Any, client: Client) -> None:
    token = _token(emu, **ADA)
    response = Client().get("/whoami/", **_auth(token))
    assert response.status_code == 200
    assert "Authorization" in response["Vary"]
    assert "private" in response["Cache-Control"]
    refused = Client().get("/whoami/", **_auth("not-a-token"))
    assert refused.status_code == 401


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The middleware's trips to the sync thread."""
    seen: list[Any] = []
    real = middleware.sync_to_async

    def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(func)
        return real(func, *args, **kwargs)

    monkeypatch.setattr(middleware, "sync_to_async", counting)
    return seen


def test_anonymous_asgi_request_takes_no_sync_hop(emu: Any, hops: list[Any]) -> None:
    response = async_to_sync(AsyncClient().get)("/")
    assert response.json()["authenticated"] is False
    assert hops == []


@pytest.mark.skipif(
    not getattr(middleware, "ASYNC_SESSIONS", True), reason="async sessions: Django 5.1+"
)
def test_session_without_authkit_claims_takes_no_sync_hop(
    emu: Any, client: Client, hops: list[Any]
) -> None:
    client.get("/auth/sign-in/")  # a session with a pending sign-in, no AuthKit claims yet
    async_client = AsyncClient()
    async_client.cookies = client.cookies
    assert async_to_sync(async_client.get)("/").json()["authenticated"] is False
    assert hops == []


def test_signed_in_asgi_request_still_authenticates(
    signed_in: Client, hops: list[Any]
) -> None:
    async_client = AsyncClient()
    async_client.cookies = signed_in.cookies
    response = async_to_sync(async_client.get)("/private/")
    assert response.status_code == 200
    assert len(hops) == 1
