"""Provisioning with custom user models; run by ``tests/test_custom_user_models.py`` under
``tests.settings_email_user`` and ``tests.settings_uuid_user`` (skipped with ``auth.User``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit.identity import rules as identity
from django_authkit.models import WorkOSUser

pytestmark = pytest.mark.skipif(
    django_settings.AUTH_USER_MODEL == "auth.User", reason="needs a custom user model"
)
EMAIL_MODEL = django_settings.AUTH_USER_MODEL == "email_user.EmailUser"
only_email_model = pytest.mark.skipif(not EMAIL_MODEL, reason="e-mail user model only")


def _sign_in(emu: Any, authkit_sign_in: Any, email: str, **profile: Any) -> Any:
    emu.control.seed({"users": [{"email": email, "email_verified": True, **profile}]})
    return authkit_sign_in(Client(), email=email)


def test_sign_in_provisions_and_serves_requests(emu: Any, authkit_sign_in: Any) -> None:
    client = Client()
    emu.control.seed({"users": [{"email": "uma@acme.test", "first_name": "U" * 500}]})
    response = authkit_sign_in(client, email="uma@acme.test")
    assert response.status_code == 302, response.content[:300]
    user = WorkOSUser.objects.select_related("user").get().user
    assert user.email == "uma@acme.test"
    assert len(user.first_name) == type(user)._meta.get_field("first_name").max_length
    assert client.get("/").status_code == 200  # the session works with this pk type
    assert client.post("/auth/sign-out/").status_code == 302


@only_email_model
def test_an_address_in_use_is_refused_with_a_page_naming_it(
    emu: Any, authkit_sign_in: Any
) -> None:
    """Linking off and the address already has an account: no WorkOS id in the e-mail field."""
    get_user_model().objects.create_user("Ada@acme.test", "pw-12345!")
    response = _sign_in(emu, authkit_sign_in, "ada@acme.test")
    assert response.status_code == 409, response.content[:300]
    assert b"email_in_use" in response.content and b"ada@acme.test" in response.content
    assert get_user_model().objects.count() == 1
    assert not WorkOSUser.objects.exists()


@only_email_model
@pytest.mark.parametrize("email", ["a" * 130 + "@acme.test", "b" * 64 + "@" + "c" * 60 + ".test"])
def test_an_address_the_field_cannot_hold_is_refused(
    emu: Any, authkit_sign_in: Any, email: str
) -> None:
    response = _sign_in(emu, authkit_sign_in, email)
    assert response.status_code == 400, response.content[:300]
    assert b"email_invalid" in response.content
    assert not get_user_model().objects.exists()


@only_email_model
def test_an_unverified_address_is_refused(emu: Any, authkit_sign_in: Any) -> None:
    emu.control.seed({"users": [{"email": "new@acme.test", "email_verified": False}]})
    response = authkit_sign_in(Client(), email="new@acme.test")
    assert response.status_code == 403 and b"email_unverified" in response.content
    assert not get_user_model().objects.exists()


@only_email_model
def test_a_workos_id_left_in_the_email_field_is_repaired(
    emu: Any, authkit_sign_in: Any
) -> None:
    """Rows written by older versions (the WorkOS id as the e-mail) get the real address."""
    seeded = emu.control.seed({"users": [{"email": "rae@acme.test"}]})["users"][0]
    user = get_user_model().objects.create_user(seeded["id"], None)
    WorkOSUser.objects.create(user=user, workos_id=seeded["id"])
    assert authkit_sign_in(Client(), email="rae@acme.test").status_code == 302
    user.refresh_from_db()
    assert user.email == "rae@acme.test"


@only_email_model
def test_linking_on_links_the_same_address(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "LINK_BY_EMAIL": True}
    local = get_user_model().objects.create_user("Ada@acme.test", "pw-12345!")
    assert _sign_in(emu, authkit_sign_in, "ada@acme.test").status_code == 302
    assert WorkOSUser.objects.get().user_id == local.pk
    assert identity.same_email(get_user_model().objects.get().email, "ada@acme.test")


@only_email_model
def test_api_mode_answers_the_same_refusal(emu: Any, settings: Any, client: Client) -> None:
    from urllib.parse import parse_qs, urlsplit

    from django_authkit.signin.start import pkce_pair
    from django_authkit.workos import get_workos

    settings.AUTHKIT = {**settings.AUTHKIT, "API_MODE": True}
    get_user_model().objects.create_user("Ada@acme.test", "pw-12345!")
    emu.control.seed({"users": [{"email": "ada@acme.test", "email_verified": True}]})
    verifier, challenge = pkce_pair()
    url = get_workos().user_management.get_authorization_url(
        redirect_uri="http://testserver/auth/callback/", state="s", provider="authkit",
        code_challenge=challenge, code_challenge_method="S256",
    )
    back = parse_qs(urlsplit(emu.control.complete_sign_in(url, email="ada@acme.test")).query)
    response = client.post(
        "/auth/api/callback/", {"code": back["code"][0], "codeVerifier": verifier},
        content_type="application/json",
    )
    assert response.status_code == 409, response.content[:300]
    assert response.json()["error"] == "email_in_use"
    assert not WorkOSUser.objects.exists()
