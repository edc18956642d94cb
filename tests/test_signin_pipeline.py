"""One sign-in pipeline: the same identity through every entry point ends the same way."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit import signals
from django_authkit.models import Membership, WorkOSUser
from django_authkit.signin.start import pkce_pair
from django_authkit.workos import get_workos
from tests.test_native_helpers import PASSWORD

APP_REDIRECT = "com.example.app://callback"
EMAIL = "grace@example.test"
HOOK_CALLS: list[dict[str, Any]] = []


def record_hook(request: Any, user: Any, auth: Any) -> None:
    HOOK_CALLS.append({"email": user.email, "organization_id": auth.organization_id,
                       "workos_user": auth.user.id})


@pytest.fixture
def site(emu: Any, settings: Any) -> Iterator[dict[str, Any]]:
    """A WorkOS user with a password, a site default organization, role mapping, recorders."""
    seeded = emu.control.seed({
        "users": [{"email": EMAIL, "first_name": "Grace", "last_name": "Hopper",
                   "password": PASSWORD, "email_verified": True}],
        "organizations": [{"name": "Everyone", "domains": ["example.test"]}, {"name": "Other"}],
        "connections": [{"id": "conn_everyone", "organization": "Everyone"}],
    })
    org = seeded["organizations"][0]["id"]
    emu.control.configure(redirect_uris=[APP_REDIRECT, "http://testserver/auth/callback/"])
    settings.AUTHKIT = {
        **settings.AUTHKIT, "DEFAULT_ORGANIZATION": org, "DEFAULT_ROLE": "member",
        "ROLE_GROUPS": {"member": ["Readers"]}, "STAFF_ORGANIZATIONS": [org], "NATIVE_FORMS": True,
        "API_REDIRECT_URIS": [APP_REDIRECT], "ON_SUCCESS": "tests.test_signin_pipeline.record_hook",
    }
    received: dict[str, list[dict[str, Any]]] = {"signed_in": [], "user_provisioned": []}

    def on_signed_in(sender: Any, **kw: Any) -> None:
        received["signed_in"].append(kw)

    def on_provisioned(sender: Any, **kw: Any) -> None:
        received["user_provisioned"].append(kw)

    signals.signed_in.connect(on_signed_in)
    signals.user_provisioned.connect(on_provisioned)
    HOOK_CALLS.clear()
    try:
        yield {"emu": emu, "org": org, "settings": settings, "user": seeded["users"][0], "other":
               seeded["organizations"][1]["id"], "signals": received}
    finally:
        signals.signed_in.disconnect(on_signed_in)
        signals.user_provisioned.disconnect(on_provisioned)


def app_code(emu: Any, **choice: Any) -> dict[str, str]:
    """What a mobile app holds after running the hosted sign-in itself."""
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    url = get_workos().user_management.get_authorization_url(
        redirect_uri=APP_REDIRECT, state=state, provider="authkit",
        code_challenge=challenge, code_challenge_method="S256",
    )
    back = parse_qs(urlsplit(emu.control.complete_sign_in(url, **choice)).query)
    return {"code": back["code"][0], "codeVerifier": verifier, "redirect_uri": APP_REDIRECT}


def via_callback(site: dict[str, Any], client: Client) -> Any:
    start = client.get("/auth/sign-in/")
    back = urlsplit(site["emu"].control.complete_sign_in(start["Location"], email=EMAIL))
    return client.get(f"{back.path}?{back.query}")


def via_native(site: dict[str, Any], client: Client) -> Any:
    return client.post("/auth/account/sign-in/", {"email": EMAIL, "password": PASSWORD})


def via_api(site: dict[str, Any], client: Client) -> Any:
    body = app_code(site["emu"], email=EMAIL)
    return client.post("/auth/api/callback/", json.dumps(body), content_type="application/json")


def via_sso(site: dict[str, Any], client: Client) -> Any:
    """API mode's SSO-first path: the app ran ``/sso/authorize`` with a connection."""
    site["settings"].AUTHKIT = {**site["settings"].AUTHKIT, "API_SSO_EXCHANGE_FIRST": True}
    verifier, challenge = pkce_pair()
    url = get_workos().sso.get_authorization_url(
        redirect_uri=APP_REDIRECT, state="s", connection="conn_everyone",
        code_challenge=challenge, code_challenge_method="S256",
    )
    back = parse_qs(urlsplit(site["emu"].control.complete_sign_in(url, email=EMAIL)).query)
    body = {"code": back["code"][0], "codeVerifier": verifier}
    return client.post("/auth/api/callback/", json.dumps(body), content_type="application/json")


ENTRY_POINTS = {"callback": via_callback, "native": via_native, "api": via_api, "sso": via_sso}


@pytest.mark.parametrize("entry_point", sorted(ENTRY_POINTS))
def test_same_identity_same_outcome(site: dict[str, Any], client: Client, entry_point: str) -> None:
    response = ENTRY_POINTS[entry_point](site, client)
    assert response.status_code in (200, 302), response.content[:500]
    user = get_user_model().objects.get()
    assert user.email == EMAIL and (user.first_name, user.last_name) == ("Grace", "Hopper")
    assert WorkOSUser.objects.get().workos_id == site["user"]["id"]
    membership = Membership.objects.get()
    assert (membership.organization.workos_id, membership.role) == (site["org"], "member")
    assert sorted(g.name for g in user.groups.all()) == ["Readers"]
    sent = site["signals"]
    assert len(sent["user_provisioned"]) == 1
    assert [(s["user"], s["entry_point"]) for s in sent["signed_in"]] == [(user, entry_point)]
    assert sent["signed_in"][0]["auth"].organization_id == site["org"]
    assert HOOK_CALLS == [{"email": EMAIL, "organization_id": site["org"],
                           "workos_user": site["user"]["id"]}]
    if entry_point in ("api", "sso"):
        body = response.json()
        assert body["user"]["organizationId"] == site["org"]
        assert body["user"]["id"] == site["user"]["id"]
        assert "sessionid" not in response.cookies  # API mode starts no Django session
        assert bool(body["refreshToken"]) is (entry_point == "api")
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {body['token']}"}
        assert Client().get("/whoami/", **bearer).json() == {"email": EMAIL}
        assert Client().get("/org/", **bearer).json() == {"organization_id": site["org"]}
    else:
        assert client.get("/").json()["organization_id"] == site["org"]


def test_api_mode_assigns_a_new_user_to_an_assignable_organization(
    site: dict[str, Any], client: Client, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ASSIGNABLE_ORGANIZATIONS": [site["other"]]}
    body = {**app_code(site["emu"], email=EMAIL), "organizationId": site["other"]}
    response = client.post("/auth/api/callback/", json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["organizationId"] == site["other"]
    assert Membership.objects.get().organization.workos_id == site["other"]
    assert len(HOOK_CALLS) == 1 and len(site["signals"]["signed_in"]) == 1


def test_api_mode_never_joins_an_organization_on_the_clients_say_so(
    site: dict[str, Any], client: Client
) -> None:
    body = {**app_code(site["emu"], email=EMAIL), "organizationId": site["other"]}
    response = client.post("/auth/api/callback/", json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"] == "organization_not_allowed"
    assert not Membership.objects.exists() and HOOK_CALLS == []
    assert site["signals"]["signed_in"] == []


def test_no_organization_is_guessed_for_an_existing_user(
    site: dict[str, Any], client: Client, settings: Any
) -> None:
    """An existing user without an organization stays without one: no 'oldest' pick."""
    settings.AUTHKIT = {**settings.AUTHKIT, "DEFAULT_ORGANIZATION": None}
    via_callback(site, client)
    site["emu"].control.seed({"memberships": [
        {"user": EMAIL, "organization": "Other", "role": "member"}]})
    settings.AUTHKIT = {**settings.AUTHKIT, "DEFAULT_ORGANIZATION": site["org"]}
    fresh = Client()
    assert via_native(site, fresh).status_code == 302
    assert fresh.get("/").json()["organization_id"] in (None, site["other"])
    assert not Membership.objects.filter(organization__workos_id=site["org"]).exists()


def test_sso_first_never_takes_over_an_account_on_an_unverified_domain(
    site: dict[str, Any], client: Client, settings: Any
) -> None:
    """A profile whose e-mail domain its organization has not verified gets no existing user."""
    site["emu"].control.seed({"connections": [{"id": "conn_other", "organization": "Other"}]})
    settings.AUTHKIT = {**settings.AUTHKIT, "API_SSO_EXCHANGE_FIRST": True}
    verifier, challenge = pkce_pair()
    url = get_workos().sso.get_authorization_url(
        redirect_uri=APP_REDIRECT, state="s", connection="conn_other",
        code_challenge=challenge, code_challenge_method="S256",
    )
    back = parse_qs(urlsplit(site["emu"].control.complete_sign_in(url, email=EMAIL)).query)
    response = client.post("/auth/api/callback/",
                           json.dumps({"code": back["code"][0], "codeVerifier": verifier}),
                           content_type="application/json")
    assert response.status_code == 403 and response.json()["error"] == "account_not_allowed"
    assert not get_user_model().objects.exists() and HOOK_CALLS == []


def test_app_tokens_are_checked(site: dict[str, Any], client: Client) -> None:
    body = via_sso(site, client).json()
    token = body["token"]
    assert token.startswith("akt_") and body["expiresAt"] > 0
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = Client().get("/whoami/", HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    get_user_model().objects.update(is_active=False)
    refused = Client().get("/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert refused.status_code == 401
