"""Native forms: magic codes, sign-up and password reset, against the emulator."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit.native import pending
from tests.test_native_helpers import (
    PASSWORD,
    open_step,
    seed_user,
    sign_in_post,
    signed_in_email,
    url,
)

# -- magic auth -------------------------------------------------------------------------


def test_magic_code_sign_in(native: Any, client: Client) -> None:
    seed_user(native)
    response = client.post(url("magic-auth"), {"email": "ada@acme.test", "next": "/private/"})
    assert response.status_code == 302 and response["Location"] == url("magic-auth-verify")
    page = client.get(url("magic-auth-verify")).content.decode()
    assert "ada@acme.test" in page and 'autocomplete="one-time-code"' in page
    assert 'name="email"' not in page  # the address is kept server-side
    code = native.control.last_code("ada@acme.test", "magic_auth")
    assert code not in page
    wrong = client.post(url("magic-auth-verify"), {"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert wrong.status_code == 400
    done = client.post(url("magic-auth-verify"), {"code": code})
    assert done.status_code == 302 and done["Location"] == "/private/"
    assert signed_in_email(client) == "ada@acme.test"
    replay = client.post(url("magic-auth-verify"), {"code": code})
    assert replay.status_code == 302 and "restart" in replay["Location"]


def test_magic_code_reads_the_same_for_any_address(native: Any, client: Client) -> None:
    seed_user(native)
    known = client.post(url("magic-auth"), {"email": "ada@acme.test"}, follow=True)
    other = Client()
    unknown = other.post(url("magic-auth"), {"email": "new@acme.test"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert _page(known, "ada@") == _page(unknown, "new@")


def _page(response: Any, local: str) -> str:
    """The page without its per-request CSRF token and with the address blanked."""
    html = response.content.decode().replace(local, "X@")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_magic_codes_per_address_are_limited(native: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_RATE_LIMITS": {"send": "2/d"}}
    for _ in range(2):
        assert client.post(url("magic-auth"), {"email": "ada@acme.test"}).status_code == 302
    blocked = client.post(url("magic-auth"), {"email": "ada@acme.test"})
    assert blocked.status_code == 429 and "Too many codes" in blocked.content.decode()
    assert len(native.control.outbox("ada@acme.test")) == 2
    assert client.post(url("magic-auth"), {"email": "bob@acme.test"}).status_code == 302


def test_magic_code_wrong_guesses_are_limited(native: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_RATE_LIMITS": {"account": "2/d"}}
    client.post(url("magic-auth"), {"email": "ada@acme.test"})
    code = native.control.last_code("ada@acme.test")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert client.post(url("magic-auth-verify"), {"code": wrong}).status_code == 400
    assert client.post(url("magic-auth-verify"), {"code": wrong}).status_code == 400
    assert client.post(url("magic-auth-verify"), {"code": code}).status_code == 429


def test_magic_code_with_workos_down(native: Any, client: Client) -> None:
    native.control.fault("/user_management/magic_auth", status=503, count=1)
    response = client.post(url("magic-auth"), {"email": "ada@acme.test"})
    assert response.status_code == 503 and open_step(client) is None


# -- sign-up ----------------------------------------------------------------------------


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def _local_email(workos_email: str) -> str | None:
    user = get_user_model().objects.filter(workos__email=workos_email).first()
    return None if user is None else str(user.email)


@pytest.mark.parametrize("required", [False, True], ids=["site-requires", "workos-requires"])
def test_sign_up_verifies_the_address_before_the_first_sign_in(
    native: Any, client: Client, required: bool
) -> None:
    """Issue 27: the e-mailed verification code comes before any session, and the
    Django user's e-mail is the verified address (it was left blank before)."""
    native.control.configure(email_verification_required=required)
    page = client.get(url("native-sign-up")).content.decode()
    assert 'autocomplete="new-password"' in page and 'autocomplete="given-name"' in page
    response = client.post(
        url("native-sign-up"),
        {
            "email": "New@Acme.test",
            "password": PASSWORD,
            "first_name": "Nia",
            "last_name": "New",
            "next": "/private/",
        },
    )
    assert response.status_code == 302 and response["Location"] == url("verify-email")
    assert signed_in_email(client) is None  # no session before the address is proven
    step = client.get(url("verify-email"))
    html = step.content.decode()
    assert step.status_code == 200 and "new@acme.test" in html
    assert 'autocomplete="one-time-code"' in html and 'name="resend"' in html
    code = native.control.last_code("new@acme.test", "email_verification")
    assert code not in html
    wrong = client.post(url("verify-email"), {"code": _wrong(code)})
    assert wrong.status_code == 400 and "That code is not right" in wrong.content.decode()
    assert signed_in_email(client) is None
    done = client.post(url("verify-email"), {"code": code})
    assert done.status_code == 302 and done["Location"] == "/private/"
    assert signed_in_email(client) == "new@acme.test"
    assert _local_email("new@acme.test") == "new@acme.test"
    users = [u for u in native.control.state()["users"] if u["email"] == "new@acme.test"]
    assert users and users[0]["first_name"] == "Nia" and users[0]["email_verified"]
    assert open_step(client) is None


def test_sign_in_of_an_unverified_user_verifies_first(native: Any, client: Client) -> None:
    """WorkOS signs an unverified user in (verification not required): the site asks
    for WorkOS's verification code first, then takes up that session."""
    seed_user(native, verified=False)
    response = sign_in_post(client, "ada@acme.test", next="/private/")
    assert response.status_code == 302 and response["Location"] == url("verify-email")
    assert signed_in_email(client) is None
    code = native.control.last_code("ada@acme.test", "email_verification")
    done = client.post(url("verify-email"), {"code": code})
    assert done.status_code == 302 and done["Location"] == "/private/"
    assert signed_in_email(client) == "ada@acme.test"
    assert _local_email("ada@acme.test") == "ada@acme.test"


def test_a_new_code_can_be_sent_and_is_limited(
    native: Any, client: Client, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_RATE_LIMITS": {"send": "1/d"}}
    native.control.configure(email_verification_required=True)
    client.post(url("native-sign-up"), {"email": "v@acme.test", "password": PASSWORD})
    again = client.post(url("verify-email"), {"resend": "1"})
    assert again.status_code == 200 and "We sent a new code" in again.content.decode()
    assert len(native.control.outbox("v@acme.test", "email_verification")) == 2
    second = native.control.last_code("v@acme.test", "email_verification")
    limited = client.post(url("verify-email"), {"resend": "1"})
    assert limited.status_code == 429 and limited["Retry-After"]
    assert len(native.control.outbox("v@acme.test", "email_verification")) == 2
    done = client.post(url("verify-email"), {"code": second})
    assert done.status_code == 302 and signed_in_email(client) == "v@acme.test"


def test_an_expired_pending_token_starts_again(
    native: Any, client: Client, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_PENDING_TTL": 3600}
    native.control.configure(email_verification_required=True)
    client.post(url("native-sign-up"), {"email": "v@acme.test", "password": PASSWORD})
    code = native.control.last_code("v@acme.test", "email_verification")
    native.control.set_clock(advance=700)  # WorkOS's pending token (10 minutes) is gone
    response = client.post(url("verify-email"), {"code": code})
    assert response.status_code == 302 and "restart=expired" in response["Location"]
    assert open_step(client) is None and signed_in_email(client) is None
    assert "expired" in client.get(response["Location"]).content.decode()


def test_too_many_wrong_verification_codes(native: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_MAX_CODE_ATTEMPTS": 2}
    client.post(url("native-sign-up"), {"email": "v@acme.test", "password": PASSWORD})
    code = native.control.last_code("v@acme.test", "email_verification")
    assert client.post(url("verify-email"), {"code": _wrong(code)}).status_code == 400
    last = client.post(url("verify-email"), {"code": _wrong(code)})
    assert last.status_code == 302 and "restart=too_many" in last["Location"]
    assert client.post(url("verify-email"), {"code": code}).status_code == 302
    assert signed_in_email(client) is None


@pytest.mark.parametrize(
    "data",
    [
        {"email": "x@acme.test", "password": "short"},
        {"email": "x@acme.test"},
        {"email": "bad", "password": PASSWORD},
        {"email": "x@acme.test", "password": PASSWORD, "first_name": "x" * 500},
    ],
)
def test_sign_up_bad_input(native: Any, client: Client, data: Any) -> None:
    response = client.post(url("native-sign-up"), data)
    assert response.status_code == 400
    assert native.control.calls(path="/user_management/users", method="POST") == []


def test_sign_up_with_a_taken_address(native: Any, client: Client) -> None:
    seed_user(native)
    response = client.post(
        url("native-sign-up"), {"email": "ada@acme.test", "password": "another-password"}
    )
    # The same answer as a new address (no enumeration); the owner gets a sign-in code.
    assert response.status_code == 302 and response["Location"] == url("verify-email")
    assert signed_in_email(client) is None
    code = native.control.last_code("ada@acme.test", "magic_auth")
    assert client.post(url("verify-email"), {"code": code}).status_code == 302
    assert signed_in_email(client) == "ada@acme.test"


# -- password reset -----------------------------------------------------------------------


def _reset_token(emu: Any, email: str) -> str:
    return str(emu.control.outbox(email, "password_reset")[0]["token"])


def test_password_reset_request_reads_the_same_for_any_address(native: Any, client: Client) -> None:
    seed_user(native)
    known = client.post(url("password-reset"), {"email": "ada@acme.test"})
    unknown = client.post(url("password-reset"), {"email": "nobody@acme.test"})
    assert known.status_code == unknown.status_code == 200
    assert _page(known, "ada@") == _page(unknown, "nobody@")
    assert len(native.control.outbox(kind="password_reset")) == 1


def test_password_reset_end_to_end(native: Any, client: Client) -> None:
    seed_user(native)
    client.post(url("password-reset"), {"email": "ada@acme.test"})
    token = _reset_token(native, "ada@acme.test")
    link = f"{url('password-reset-confirm')}?{urlencode({'token': token})}"
    response = client.get(link)
    # The token leaves the address bar at once; it is kept server-side.
    assert response.status_code == 302 and response["Location"] == url("password-reset-confirm")
    assert "no-cache" in response["Cache-Control"]
    page = client.get(url("password-reset-confirm"))
    html = page.content.decode()
    assert page.status_code == 200 and token not in html
    assert html.count('autocomplete="new-password"') == 2

    mismatch = client.post(
        url("password-reset-confirm"), {"password": "brand-new-pass", "password_again": "nope"}
    )
    assert mismatch.status_code == 400 and "differ" in mismatch.content.decode()
    short = client.post(url("password-reset-confirm"), {"password": "x", "password_again": "x"})
    assert short.status_code == 400
    done = client.post(
        url("password-reset-confirm"),
        {"password": "brand-new-pass", "password_again": "brand-new-pass"},
    )
    assert done.status_code == 200 and "Password changed" in done.content.decode()
    assert open_step(client) is None
    assert sign_in_post(client, "ada@acme.test", PASSWORD).status_code == 400
    assert sign_in_post(client, "ada@acme.test", "brand-new-pass").status_code == 302

    # The link works once.
    other = Client()
    other.get(link)
    used = other.post(
        url("password-reset-confirm"),
        {"password": "third-password", "password_again": "third-password"},
    )
    assert used.status_code == 400 and "invalid or has expired" in used.content.decode()


@pytest.mark.parametrize("token", ["", "x", "a b c d e f g h", "<script>" * 10, "a" * 600])
def test_password_reset_bad_tokens(native: Any, client: Client, token: str) -> None:
    response = client.get(url("password-reset-confirm"), {"token": token})
    assert response.status_code == 400
    assert open_step(client) is None


def test_password_reset_confirm_without_a_link(native: Any, client: Client) -> None:
    assert client.get(url("password-reset-confirm")).status_code == 400
    response = client.post(
        url("password-reset-confirm"), {"password": "brand-new-pass", "password_again": "x"}
    )
    assert response.status_code == 400


def test_a_reset_link_does_not_open_a_sign_in_step(native: Any, client: Client) -> None:
    client.get(url("password-reset-confirm"), {"token": "abcdefgh12345678"})
    step = open_step(client)
    assert step is not None and step["step"] == pending.PASSWORD_RESET
    response = client.post(url("verify-email"), {"code": "123456"})
    assert response["Location"] == url("password-reset-confirm")
