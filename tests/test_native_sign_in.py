"""Native forms: the switch, the password form, CSRF, generic errors and rate limits."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit.models import AuthKitSession
from tests.test_native_helpers import (
    PASSWORD,
    open_step,
    seed_user,
    sign_in_post,
    signed_in_email,
    url,
)

ALL_NAMES = [
    "native-sign-in",
    "native-sign-up",
    "magic-auth",
    "magic-auth-verify",
    "verify-email",
    "mfa-enroll",
    "mfa-challenge",
    "select-organization",
    "password-reset",
    "password-reset-confirm",
]


@pytest.mark.parametrize("name", ALL_NAMES)
def test_every_view_is_404_unless_enabled(emu: Any, client: Client, name: str) -> None:
    assert client.get(url(name)).status_code == 404
    assert client.post(url(name), {"email": "a@b.co"}).status_code == 404


def test_sign_up_can_be_switched_off(native: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_SIGN_UP": False}
    assert client.get(url("native-sign-up")).status_code == 404
    assert "Create an account" not in client.get(url("native-sign-in")).content.decode()


def test_sign_in_page_is_an_accessible_form(native: Any, client: Client) -> None:
    response = client.get(url("native-sign-in"), {"next": "/private/"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_email">' in html and '<label for="id_password">' in html
    assert 'autocomplete="email"' in html and 'autocomplete="current-password"' in html
    assert 'name="next" value="/private/"' in html
    assert "no-cache" in response["Cache-Control"]


def test_password_sign_in_signs_in_like_the_hosted_flow(native: Any, client: Client) -> None:
    seed_user(native)
    response = sign_in_post(client, "Ada@Acme.test ", next="/private/")
    assert response.status_code == 302
    assert response["Location"] == "/private/"
    assert response["Referrer-Policy"] == "no-referrer"
    user = get_user_model().objects.get(email="ada@acme.test")
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    row = AuthKitSession.objects.get(user=user)
    assert row.authentication_method == "Password"
    assert client.get("/private/").json()["sid"] == row.session_id
    assert open_step(client) is None


def test_an_outside_next_is_ignored(native: Any, client: Client) -> None:
    seed_user(native)
    response = sign_in_post(client, "ada@acme.test", next="https://evil.example/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_on_success_hook_runs_for_native_sign_in(
    native: Any, client: Client, settings: Any
) -> None:
    seen: list[Any] = []

    def hook(request: Any, user: Any, auth: Any) -> str:
        seen.append(auth)
        return "/whoami/"

    settings.AUTHKIT = {**settings.AUTHKIT, "ON_SUCCESS": hook}
    seed_user(native)
    response = sign_in_post(client, "ada@acme.test")
    assert response["Location"] == "/whoami/"
    assert seen[0].authentication_method == "Password"
    assert seen[0].user.email == "ada@acme.test"


def test_wrong_password_and_unknown_account_read_the_same(native: Any, client: Client) -> None:
    seed_user(native)
    wrong = sign_in_post(client, "ada@acme.test", "not-the-password")
    unknown = sign_in_post(client, "nobody@acme.test", "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    for response in (wrong, unknown):
        html = response.content.decode()
        assert "Incorrect e-mail address or password." in html
        assert 'role="alert"' in html
        assert "not-the-password" not in html  # a password is never echoed back
    assert signed_in_email(client) is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "not-an-address", "password": "x"},
        {"email": "a@b.co"},
        {"email": "a@b.co", "password": "x" * 10_000},
        {"email": "a" * 300 + "@b.co", "password": "x"},
        {"email": "a\x00@b.co", "password": "x"},
    ],
)
def test_bad_input_is_a_form_error_not_a_500(native: Any, client: Client, data: Any) -> None:
    response = client.post(url("native-sign-in"), data)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert native.control.calls(path="/user_management/authenticate") == []


def test_csrf_is_required(native: Any) -> None:
    seed_user(native)
    client = Client(enforce_csrf_checks=True)
    response = client.post(url("native-sign-in"), {"email": "ada@acme.test", "password": PASSWORD})
    assert response.status_code == 403
    page = client.get(url("native-sign-in"))
    token = page.cookies["csrftoken"].value
    response = client.post(
        url("native-sign-in"),
        {"email": "ada@acme.test", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_failures_per_account_are_limited(native: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {
        **settings.AUTHKIT,
        "NATIVE_RATE_LIMITS": {"client": None, "account": "3/d", "send": None},
    }
    seed_user(native)
    for _ in range(3):
        assert sign_in_post(client, "ada@acme.test", "wrong-password").status_code == 400
    blocked = sign_in_post(client, "ada@acme.test")  # even the right password waits
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "Too many attempts for this account" in blocked.content.decode()
    assert signed_in_email(client) is None
    # Another account from the same client is not affected ...
    seed_user(native, "grace@acme.test")
    assert sign_in_post(client, "grace@acme.test").status_code == 302
    # ... and an address without an account is limited the same way (nothing to learn).
    for _ in range(3):
        sign_in_post(client, "ghost@acme.test", "wrong-password")
    assert sign_in_post(client, "ghost@acme.test", "wrong-password").status_code == 429


def test_submissions_per_client_are_limited(native: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_RATE_LIMITS": {"client": "3/d"}}
    for i in range(3):
        assert sign_in_post(client, f"u{i}@acme.test", "wrong-password").status_code == 400
    blocked = sign_in_post(client, "other@acme.test", "wrong-password")
    assert blocked.status_code == 429
    assert "Too many attempts from your network" in blocked.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.2")
    assert sign_in_post(other, "other@acme.test", "wrong-password").status_code == 400


def test_workos_unavailable_is_a_clear_error(native: Any, client: Client) -> None:
    seed_user(native)
    native.control.fault("/user_management/authenticate", status=500, count=1)
    response = sign_in_post(client, "ada@acme.test")
    assert response.status_code == 503
    assert "did not answer" in response.content.decode()


def test_nothing_secret_is_logged(
    native: Any, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    seed_user(native)
    caplog.set_level(logging.DEBUG)
    sign_in_post(client, "ada@acme.test", "a-wrong-password")
    sign_in_post(client, "ada@acme.test")
    text = caplog.text
    assert "a-wrong-password" not in text and PASSWORD not in text
    assert "eyJ" not in text


def test_rate_limits_can_be_turned_off(native: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_RATE_LIMITS": None}
    for _ in range(12):
        assert sign_in_post(client, "ada@acme.test", "wrong-password").status_code == 400


def test_unnamed_limits_keep_their_default(native: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_RATE_LIMITS": {"client": None}}
    statuses = [sign_in_post(client, "ada@acme.test", "wrong").status_code for _ in range(11)]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429  # account: 10/15m


def test_views_are_classes_to_subclass(native: Any, rf: Any) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    from django_authkit.native.views import SignInView

    class Branded(SignInView):
        title = "Welcome back"

    request = rf.get("/auth/account/sign-in/")
    request.session = SessionStore()
    response = Branded.as_view()(request)
    response.render()
    assert response.status_code == 200 and "Welcome back" in response.content.decode()
