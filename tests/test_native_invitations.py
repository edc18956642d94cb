"""Invitations accepted through the native forms (issue 26): the accept URL -> the site's
own sign-up or sign-in -> a member of the organization, against the emulator.

The invitation is created at the emulator (WorkOS's API, as an admin would), its
e-mail read from the outbox, and its link (the site's ``accept-invitation`` URL)
followed. The token is kept server-side: it is in no page, no redirect of the site
and no log line.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from django_authkit.models import Membership, Organization
from django_authkit.signin import invitation as accepting
from django_authkit.workos import get_workos
from tests.test_native_helpers import PASSWORD, seed_user, sign_in_post, signed_in_email, url

ACCEPT = "http://testserver" + reverse("authkit:accept-invitation")


@pytest.fixture
def acme(native: Any, settings: Any) -> str:
    """Acme's WorkOS id; invitation e-mails link to the site's accept URL; the site signs
    people in on its own pages (``LOGIN_URL``)."""
    settings.LOGIN_URL = "authkit:native-sign-in"
    seeded = native.control.seed({"organizations": [{"name": "Acme"}]})
    native.control.configure(invitation_url=ACCEPT)
    return str(seeded["organizations"][0]["id"])


def invite(emu: Any, org_id: str, email: str) -> str:
    """An invitation created at WorkOS; returns the path of its e-mailed link."""
    get_workos().user_management.send_invitation(email=email, organization_id=org_id)
    link = urlsplit(emu.control.outbox(email, kind="invitation")[0]["url"])
    return f"{link.path}?{link.query}"


def token_of(emu: Any, email: str) -> str:
    return str(emu.control.outbox(email, kind="invitation")[0]["token"])


def member_of(email: str, org_id: str) -> bool:
    user = get_user_model().objects.filter(workos__email=email).first()
    return Membership.objects.filter(user=user, organization__workos_id=org_id).exists()


def accept(client: Client, link: str, token: str) -> Any:
    """Follow the link: it lands on the native sign-up page, the token out of the URL."""
    response = client.get(link)
    assert response.status_code == 302, response.content[:300]
    assert response["Location"] == url("native-sign-up") and token not in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200 and token not in page.content.decode()
    return page


@pytest.mark.parametrize("required", [False, True], ids=["site-verifies", "workos-verifies"])
def test_a_new_user_signs_up_natively_into_the_organization(
    native: Any, acme: str, client: Client, caplog: Any, required: bool
) -> None:
    caplog.set_level(logging.DEBUG)
    native.control.configure(email_verification_required=required)
    link = invite(native, acme, "newbie@acme.test")
    token = token_of(native, "newbie@acme.test")
    page = accept(client, link, token).content.decode()
    assert 'data-testid="invitation"' in page and 'value="newbie@acme.test"' in page
    response = client.post(url("native-sign-up"),
                           {"email": "newbie@acme.test", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == url("verify-email")
    code = native.control.last_code("newbie@acme.test", "email_verification")
    done = client.post(url("verify-email"), {"code": code})
    assert done.status_code == 302, done.content[:300]
    assert client.get("/").json()["organization_id"] == acme
    assert member_of("newbie@acme.test", acme)
    invitation = get_workos().user_management.find_invitation_by_token(token)
    assert invitation.state == "accepted"
    assert accepting.SESSION_KEY not in client.session  # spent, forgotten
    assert token not in caplog.text
    assert Organization.objects.get(workos_id=acme).name == "Acme"


def test_an_existing_user_signs_in_natively_and_accepts(
    native: Any, acme: str, client: Client, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    seed_user(native, "bob@acme.test")
    link = invite(native, acme, "bob@acme.test")
    token = token_of(native, "bob@acme.test")
    accept(client, link, token)
    sign_in_page = client.get(url("native-sign-in")).content.decode()
    assert 'data-testid="invitation"' in sign_in_page and token not in sign_in_page
    done = sign_in_post(client, "bob@acme.test", next="/private/")
    assert done.status_code == 302 and done["Location"] == "/private/"
    assert client.get("/").json()["organization_id"] == acme
    assert member_of("bob@acme.test", acme)
    assert token not in caplog.text
    assert accepting.SESSION_KEY not in client.session  # spent, forgotten


def test_an_existing_user_on_the_sign_up_form_gets_a_code_and_accepts(
    native: Any, acme: str, client: Client
) -> None:
    seed_user(native, "bob@acme.test")
    link = invite(native, acme, "bob@acme.test")
    accept(client, link, token_of(native, "bob@acme.test"))
    response = client.post(url("native-sign-up"),
                           {"email": "bob@acme.test", "password": "not-his-password"})
    assert response["Location"] == url("verify-email")
    code = native.control.last_code("bob@acme.test", "magic_auth")
    assert client.post(url("verify-email"), {"code": code}).status_code == 302
    assert member_of("bob@acme.test", acme)
    assert native.control.calls("/user_management/magic_auth", "POST")


def test_a_magic_code_sign_in_accepts_too(native: Any, acme: str, client: Client) -> None:
    seed_user(native, "bob@acme.test")
    link = invite(native, acme, "bob@acme.test")
    accept(client, link, token_of(native, "bob@acme.test"))
    assert client.post(url("magic-auth"), {"email": "bob@acme.test"}).status_code == 302
    code = native.control.last_code("bob@acme.test", "magic_auth")
    assert client.post(url("magic-auth-verify"), {"code": code}).status_code == 302
    assert member_of("bob@acme.test", acme)


@pytest.mark.parametrize("how", ["forged", "revoked", "expired", "used"])
def test_a_bad_invitation_is_a_clear_400(native: Any, acme: str, how: str) -> None:
    link = invite(native, acme, "newbie@acme.test")
    token = token_of(native, "newbie@acme.test")
    if how == "forged":
        link = link.replace(token, "F" * len(token))
    elif how == "revoked":
        invitation = get_workos().user_management.find_invitation_by_token(token)
        get_workos().user_management.revoke_invitation(invitation.id)
    elif how == "expired":
        native.control.set_clock(advance=8 * 24 * 3600)
    else:
        first = Client()
        accept(first, link, token)
        first.post(url("native-sign-up"), {"email": "newbie@acme.test", "password": PASSWORD})
        code = native.control.last_code("newbie@acme.test", "email_verification")
        assert first.post(url("verify-email"), {"code": code}).status_code == 302
    response = Client().get(link)
    assert response.status_code == 400
    assert "invitation link is invalid" in response.content.decode()


def test_an_invitation_revoked_during_the_sign_up_is_a_clear_400(
    native: Any, acme: str, client: Client
) -> None:
    seed_user(native, "bob@acme.test")
    link = invite(native, acme, "bob@acme.test")
    token = token_of(native, "bob@acme.test")
    accept(client, link, token)
    invitation = get_workos().user_management.find_invitation_by_token(token)
    get_workos().user_management.revoke_invitation(invitation.id)
    refused = sign_in_post(client, "bob@acme.test")
    assert refused.status_code == 400
    assert "This invitation cannot be used" in refused.content.decode()
    assert signed_in_email(client) is None
    # Forgotten: signing in again works, outside the organization.
    assert sign_in_post(client, "bob@acme.test").status_code == 302
    assert not member_of("bob@acme.test", acme)


def test_another_address_cannot_use_the_invitation(native: Any, acme: str, client: Client) -> None:
    seed_user(native, "mallory@evil.test")
    link = invite(native, acme, "bob@acme.test")
    accept(client, link, token_of(native, "bob@acme.test"))
    refused = sign_in_post(client, "mallory@evil.test")
    assert refused.status_code == 400
    assert "sent to another e-mail address" in refused.content.decode()
    assert not member_of("mallory@evil.test", acme)


def test_without_native_forms_the_link_stays_hosted(emu: Any, client: Client) -> None:
    seeded = emu.control.seed({"organizations": [{"name": "Acme"}]})
    emu.control.configure(invitation_url=ACCEPT)
    link = invite(emu, str(seeded["organizations"][0]["id"]), "newbie@acme.test")
    response = client.get(link)
    assert response.status_code == 302 and "/user_management/authorize" in response["Location"]


def test_a_site_signing_in_on_the_hosted_page_keeps_it_for_invitations(
    acme: str, native: Any, client: Client, settings: Any
) -> None:
    """Native forms on, but ``LOGIN_URL`` is the hosted sign-in (the example project)."""
    settings.LOGIN_URL = "authkit:sign-in"
    response = client.get(invite(native, acme, "hosted@acme.test"))
    assert response.status_code == 302 and "/user_management/authorize" in response["Location"]
