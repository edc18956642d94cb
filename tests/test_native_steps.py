"""Native forms: e-mail verification, MFA enrolment and challenge, organization choice.

Every step runs against the emulator; the pending token stays in the session,
steps cannot be skipped or replayed, and wrong input is a form error.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from django_authkit.models import AuthKitSession
from django_authkit.native import pending
from django_authkit.workos import get_workos
from tests.test_native_helpers import (
    change_step,
    enroll_factor,
    open_step,
    secret_on_page,
    seed_user,
    sign_in_post,
    signed_in_email,
    totp,
    url,
)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# -- e-mail verification --------------------------------------------------------------


def test_email_verification_step(native: Any, client: Client) -> None:
    native.control.configure(email_verification_required=True)
    seed_user(native, verified=False)
    response = sign_in_post(client, "ada@acme.test", next="/private/")
    assert response.status_code == 302 and response["Location"] == url("verify-email")
    step = open_step(client)
    assert step is not None and step["step"] == pending.VERIFY_EMAIL
    token = step["token"]

    page = client.get(url("verify-email"))
    html = page.content.decode()
    assert page.status_code == 200
    assert token not in html  # the pending token never reaches the browser
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    assert "ada@acme.test" in html

    code = native.control.last_code("ada@acme.test", "email_verification")
    wrong = client.post(url("verify-email"), {"code": _wrong(code)})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    assert client.post(url("verify-email"), {"code": "12ab"}).status_code == 400

    done = client.post(url("verify-email"), {"code": code})
    assert done.status_code == 302 and done["Location"] == "/private/"
    assert signed_in_email(client) == "ada@acme.test"
    assert open_step(client) is None
    # Replaying the finished step goes nowhere.
    again = client.post(url("verify-email"), {"code": code})
    assert again.status_code == 302 and "restart=expired" in again["Location"]


def test_too_many_wrong_codes_close_the_step(native: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_MAX_CODE_ATTEMPTS": 3}
    native.control.configure(email_verification_required=True)
    seed_user(native, verified=False)
    sign_in_post(client, "ada@acme.test")
    code = native.control.last_code("ada@acme.test")
    assert client.post(url("verify-email"), {"code": _wrong(code)}).status_code == 400
    assert client.post(url("verify-email"), {"code": _wrong(code)}).status_code == 400
    third = client.post(url("verify-email"), {"code": _wrong(code)})
    assert third.status_code == 302 and "restart=too_many" in third["Location"]
    assert open_step(client) is None
    assert client.post(url("verify-email"), {"code": code}).status_code == 302
    assert signed_in_email(client) is None
    page = client.get(third["Location"])
    assert "Too many wrong codes" in page.content.decode()


def test_an_expired_step_starts_again(native: Any, client: Client) -> None:
    native.control.configure(email_verification_required=True)
    seed_user(native, verified=False)
    sign_in_post(client, "ada@acme.test")
    change_step(client, created_at=time.time() - 601)
    code = native.control.last_code("ada@acme.test")
    response = client.post(url("verify-email"), {"code": code})
    assert response.status_code == 302 and "restart=expired" in response["Location"]
    assert signed_in_email(client) is None
    assert "expired" in client.get(response["Location"]).content.decode()


# -- skipping steps -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["verify-email", "mfa-enroll", "mfa-challenge", "select-organization"]
)
def test_no_step_without_a_sign_in(native: Any, client: Client, name: str) -> None:
    for response in (client.get(url(name)), client.post(url(name), {"code": "123456"})):
        assert response.status_code == 302
        assert response["Location"].startswith(url("native-sign-in"))
    assert native.control.calls(path="/user_management/authenticate") == []


def test_a_later_step_cannot_be_reached_early(native: Any, client: Client) -> None:
    native.control.configure(email_verification_required=True, mfa_required=True)
    seed_user(native, verified=False)
    sign_in_post(client, "ada@acme.test")
    for name in ("mfa-enroll", "mfa-challenge", "select-organization"):
        response = client.post(url(name), {"code": "123456", "organization_id": "org_x"})
        assert response.status_code == 302 and response["Location"] == url("verify-email")
    assert open_step(client)["step"] == pending.VERIFY_EMAIL  # type: ignore[index]


def test_the_pending_token_is_bound_to_the_browser(native: Any, client: Client) -> None:
    native.control.configure(email_verification_required=True)
    seed_user(native, verified=False)
    sign_in_post(client, "ada@acme.test")
    code = native.control.last_code("ada@acme.test")
    stranger = Client()
    response = stranger.post(url("verify-email"), {"code": code, "token": "anything"})
    assert response.status_code == 302 and "restart" in response["Location"]
    # A session value forged or copied without the server's key is worth nothing either.
    session = stranger.session
    session[pending.SESSION_KEY] = "not-a-ciphertext"
    session.save()
    response = stranger.post(url("verify-email"), {"code": code})
    assert response.status_code == 302 and "restart" in response["Location"]
    assert signed_in_email(stranger) is None


# -- MFA ------------------------------------------------------------------------------


def test_mfa_enrolment_shows_a_qr_code_and_signs_in(native: Any, client: Client) -> None:
    native.control.configure(mfa_required=True)
    user = seed_user(native)
    response = sign_in_post(client, "ada@acme.test")
    assert response["Location"] == url("mfa-enroll")
    page = client.get(url("mfa-enroll"))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<img class="authkit-qr" src="data:image/' in html and "alt=" in html
    secret = secret_on_page(html)
    assert open_step(client)["token"] not in html  # type: ignore[index]
    # Reloading does not enroll a second factor.
    assert secret_on_page(client.get(url("mfa-enroll")).content.decode()) == secret
    assert len(get_workos().user_management.list_auth_factors(user["id"]).data) == 1

    code = totp(secret)
    wrong = client.post(url("mfa-enroll"), {"code": _wrong(code)})
    assert wrong.status_code == 400 and "That code is not right" in wrong.content.decode()
    done = client.post(url("mfa-enroll"), {"code": totp(secret)})
    assert done.status_code == 302, done.content[:500]
    assert signed_in_email(client) == "ada@acme.test"


def test_mfa_challenge_for_an_enrolled_user(native: Any, client: Client) -> None:
    user = seed_user(native)
    secret = enroll_factor(native, user["id"])
    response = sign_in_post(client, "ada@acme.test", next="/private/")
    assert response["Location"] == url("mfa-challenge")
    page = client.get(url("mfa-challenge"))
    assert page.status_code == 200
    assert secret not in page.content.decode()
    assert client.post(url("mfa-challenge"), {"code": ""}).status_code == 400
    assert client.post(url("mfa-challenge"), {"code": "abcdef"}).status_code == 400
    done = client.post(url("mfa-challenge"), {"code": totp(secret)})
    assert done.status_code == 302 and done["Location"] == "/private/"
    row = AuthKitSession.objects.get(user__email="ada@acme.test")
    assert row.authentication_method == "Password"
    # The same code again: the step is gone.
    again = client.post(url("mfa-challenge"), {"code": totp(secret)})
    assert again.status_code == 302 and "restart" in again["Location"]


def test_an_expired_mfa_challenge_is_replaced(native: Any, client: Client) -> None:
    user = seed_user(native)
    secret = enroll_factor(native, user["id"])
    sign_in_post(client, "ada@acme.test")
    client.get(url("mfa-challenge"))
    first = open_step(client)["data"]["challenge_id"]  # type: ignore[index]
    native.control.set_clock(advance=301)  # challenges live 5 minutes
    response = client.post(url("mfa-challenge"), {"code": totp(secret, time.time() + 301)})
    assert response.status_code == 400  # the stale challenge is refused ...
    native.control.set_clock(offset=0)
    response = client.post(url("mfa-challenge"), {"code": totp(secret)})
    assert response.status_code == 302, response.content[:500]  # ... and a new one works
    assert signed_in_email(client) == "ada@acme.test"
    challenges = native.control.calls(path=f"/auth/factors/{_factor_id(native, user)}/challenge")
    assert len(challenges) == 2 and first


def _factor_id(emu: Any, user: dict[str, Any]) -> str:
    return str(get_workos().user_management.list_auth_factors(user["id"]).data[0].id)


def test_workos_down_during_mfa_is_not_a_500(native: Any, client: Client) -> None:
    user = seed_user(native)
    enroll_factor(native, user["id"])
    sign_in_post(client, "ada@acme.test")
    native.control.fault("/auth/factors/*", status=500, count=1)
    response = client.get(url("mfa-challenge"))
    assert response.status_code == 503
    assert client.get(url("mfa-challenge")).status_code == 200


# -- organizations ----------------------------------------------------------------------


def test_organization_selection(native: Any, client: Client) -> None:
    seed_user(native, orgs=("Acme", "Globex"))
    response = sign_in_post(client, "ada@acme.test")
    assert response["Location"] == url("select-organization")
    html = client.get(url("select-organization")).content.decode()
    assert "Acme" in html and "Globex" in html and "<legend>" in html
    orgs = {o["name"]: o["id"] for o in open_step(client)["data"]["organizations"]}  # type: ignore[index]
    # An organization that was not offered is a form error, not a request to WorkOS.
    bad = client.post(url("select-organization"), {"organization_id": "org_01NOTOFFERED"})
    assert bad.status_code == 400
    assert client.post(url("select-organization"), {}).status_code == 400
    done = client.post(url("select-organization"), {"organization_id": orgs["Globex"]})
    assert done.status_code == 302
    assert client.get("/").json()["organization_id"] == orgs["Globex"]


def test_mfa_then_organization_asks_for_the_code_once(native: Any, client: Client) -> None:
    user = seed_user(native, orgs=("Acme", "Globex"))
    secret = enroll_factor(native, user["id"])
    sign_in_post(client, "ada@acme.test")
    response = client.post(url("mfa-challenge"), {"code": totp(secret)})
    assert response["Location"] == url("select-organization")
    orgs = {o["name"]: o["id"] for o in open_step(client)["data"]["organizations"]}  # type: ignore[index]
    done = client.post(url("select-organization"), {"organization_id": orgs["Acme"]})
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get("/").json()["organization_id"] == orgs["Acme"]


def test_verification_then_mfa_then_organization(native: Any, client: Client) -> None:
    native.control.configure(email_verification_required=True, mfa_required=True)
    seed_user(native, verified=False, orgs=("Acme", "Globex"))
    sign_in_post(client, "ada@acme.test", next="/org/")
    code = native.control.last_code("ada@acme.test", "email_verification")
    response = client.post(url("verify-email"), {"code": code})
    assert response["Location"] == url("mfa-enroll")
    secret = secret_on_page(client.get(url("mfa-enroll")).content.decode())
    response = client.post(url("mfa-enroll"), {"code": totp(secret)})
    assert response["Location"] == url("select-organization")
    org_id = open_step(client)["data"]["organizations"][0]["id"]  # type: ignore[index]
    done = client.post(url("select-organization"), {"organization_id": org_id})
    assert done["Location"] == "/org/"
    assert client.get("/org/").json() == {"organization_id": org_id}
