"""The opt-in access-token endpoint for the browser (authkit-nextjs ``useAccessToken``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from django_authkit.models import AuthKitSession
from django_authkit.sessions import lifecycle as sessions
from django_authkit.tokens.verify import verify_access_token

ADA = {"email": "ada@acme.test", "organization_name": "Acme", "role": "admin"}


@pytest.fixture
def browser(emu: Any, authkit_sign_in: Any, settings: Any) -> Client:
    settings.AUTHKIT = {**settings.AUTHKIT, "ACCESS_TOKEN_ENDPOINT": True}
    client = Client(enforce_csrf_checks=True)
    authkit_sign_in(client, **ADA)
    return client


def csrf(client: Client) -> str:
    return str(client.get("/auth/csrf/").json()["csrfToken"])


def test_off_by_default(emu: Any, authkit_sign_in: Any) -> None:
    client = Client()
    authkit_sign_in(client, **ADA)
    response = client.post("/auth/access-token/")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_returns_a_verified_token_with_no_store(browser: Client) -> None:
    assert browser.post("/auth/access-token/").status_code == 403  # CSRF
    response = browser.post("/auth/access-token/", HTTP_X_CSRFTOKEN=csrf(browser))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    claims = verify_access_token(body["accessToken"])
    assert body["expiresAt"] == claims["exp"] and claims["org_id"]
    assert browser.post("/auth/access-token/", {"csrfToken": csrf(browser)}).status_code == 200


def test_expiring_token_is_refreshed_once(emu: Any, browser: Client) -> None:
    session = browser.session
    hot = sessions.read_hot(session) or {}
    sessions.write_hot(session, {**hot, "exp": 1})  # about to expire, as far as we know
    session.save()
    AuthKitSession.objects.update(access_token_expires_at=timezone.now() - timedelta(minutes=1))
    before = len(emu.control.grants("refresh_token"))
    response = browser.post("/auth/access-token/", HTTP_X_CSRFTOKEN=csrf(browser))
    assert response.status_code == 200, response.content
    assert response.json()["expiresAt"] > 1
    assert len(emu.control.grants("refresh_token")) == before + 1
    again = browser.post("/auth/access-token/", HTTP_X_CSRFTOKEN=csrf(browser))
    assert again.json()["accessToken"] == response.json()["accessToken"]
    assert len(emu.control.grants("refresh_token")) == before + 1


def test_anonymous_is_401(emu: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ACCESS_TOKEN_ENDPOINT": True}
    response = Client().post("/auth/access-token/")
    assert response.status_code == 401 and response.json()["error"] == "no_session"
