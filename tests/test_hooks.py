"""Callback options: return path, on_success, on_error, base URL, custom state."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client
from django.urls import include, path

from django_authkit.signin.hooks import CallbackError, CallbackResult
from django_authkit.testing.plugin import callback_path
from django_authkit.views import CallbackView

CALLS: list[tuple[str, Any]] = []


def record_success(request: HttpRequest, user: Any, auth: CallbackResult) -> None:
    CALLS.append(("success", auth))


def redirect_in_hook(request: HttpRequest, user: Any, auth: CallbackResult) -> str:
    return "/chosen/by/hook/"


def unsafe_redirect_in_hook(request: HttpRequest, user: Any, auth: CallbackResult) -> str:
    return "https://evil.test/"


def respond_in_hook(request: HttpRequest, user: Any, auth: CallbackResult) -> HttpResponse:
    return JsonResponse({"welcome": user.email, "state": auth.state})


def record_error(request: HttpRequest, error: CallbackError) -> HttpResponse:
    CALLS.append(("error", error))
    return JsonResponse({"failed": error.code}, status=error.status)


urlpatterns = [
    path(
        "auth/callback/",
        CallbackView.as_view(
            return_path="/landing/",
            on_success=record_success,
            on_error=record_error,
            base_url="https://public.example.com",
        ),
    ),
    path("auth/", include("django_authkit.urls")),
]


@pytest.fixture(autouse=True)
def _clear() -> None:
    CALLS.clear()


def _start(client: Client, emu: Any, params: dict[str, str] | None = None, **choice: Any) -> str:
    start = client.get("/auth/sign-in/", params or {})
    assert start.status_code == 302, start.content
    return callback_path(emu.control.complete_sign_in(start["Location"], **choice))


def test_on_success_gets_everything_but_the_tokens(emu: Any, client: Client,
                                                   settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ON_SUCCESS": "tests.test_hooks.record_success"}
    url = _start(client, emu, {"state": "cart=42", "next": "/private/"},
                 email="ada@acme.test", organization_name="Acme", role="admin",
                 provider="GoogleOAuth")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/private/"
    [(kind, auth)] = CALLS
    assert kind == "success" and isinstance(auth, CallbackResult)
    assert auth.user.email == "ada@acme.test"
    assert auth.state == "cart=42"
    assert auth.organization_id and auth.organization_id.startswith("org_")
    assert auth.authentication_method
    assert auth.claims["sub"] == auth.user.id
    assert "access_token" not in repr(auth)


def test_on_success_may_choose_the_redirect(emu: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ON_SUCCESS": "tests.test_hooks.redirect_in_hook"}
    response = client.get(_start(client, emu, email="a@b.test"))
    assert response["Location"] == "/chosen/by/hook/"


def test_an_unsafe_redirect_from_the_hook_is_ignored(emu: Any, client: Client,
                                                     settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT,
                        "ON_SUCCESS": "tests.test_hooks.unsafe_redirect_in_hook"}
    response = client.get(_start(client, emu, {"next": "/private/"}, email="a@b.test"))
    assert response["Location"] == "/private/"


def test_on_success_may_answer_itself(emu: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ON_SUCCESS": respond_in_hook}
    response = client.get(_start(client, emu, {"state": "s1"}, email="a@b.test"))
    assert response.json() == {"welcome": "a@b.test", "state": "s1"}
    assert response["Referrer-Policy"] == "no-referrer"  # the callback URL held the code
    assert client.get("/").json()["authenticated"] is True


def test_on_error_replaces_the_error_page(emu: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ON_ERROR": "tests.test_hooks.record_error"}
    response = client.get("/auth/callback/", {"state": "forged", "code": "x"})
    assert response.status_code == 400
    assert response.json() == {"failed": "state_mismatch"}
    [(_kind, error)] = CALLS
    assert isinstance(error, CallbackError) and error.code == "state_mismatch"


def test_on_error_sees_invalid_codes(emu: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ON_ERROR": record_error}
    start = client.get("/auth/sign-in/")
    state = dict(p.split("=", 1) for p in urlsplit(start["Location"]).query.split("&"))["state"]
    response = client.get("/auth/callback/", {"state": state, "code": "bogus"})
    assert response.json() == {"failed": "invalid_code"}


def test_as_view_options(emu: Any, client: Client, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.test_hooks"
    response = client.get(_start(client, emu, email="a@b.test"))
    assert response["Location"] == "https://public.example.com/landing/"
    assert [k for k, _ in CALLS] == ["success"]
    failed = client.get("/auth/callback/", {"error": "access_denied"})
    assert failed.json() == {"failed": "provider_error"}


def test_base_url_setting_makes_the_redirect_absolute(emu: Any, client: Client,
                                                      settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "BASE_URL": "https://site.example"}
    emu.control.configure(redirect_uris=["https://site.example/auth/callback/"])
    response = client.get(_start(client, emu, {"next": "/private/"}, email="a@b.test"))
    assert response["Location"] == "https://site.example/private/"


def test_default_return_path_without_next(emu: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "LOGIN_REDIRECT_URL": "/welcome/"}
    response = client.get(_start(client, emu, email="a@b.test"))
    assert response["Location"] == "/welcome/"
