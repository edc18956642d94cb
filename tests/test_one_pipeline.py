"""Every entry point runs the one sign-in pipeline, once (issue 25, item 2).

Each entry point (hosted callback, ``initiate-login``, native password form, API
mode, its SSO-first path) is driven against the emulator for one sign-in; the
recorders show the pipeline ran exactly once: the backend asked once (through the
pipeline's own ``provision``), the membership mirrored once, ``signed_in`` sent
once with the entry point's name, the ``on_success`` hook called once. API mode's
token rotation runs the pipeline's verification, provisioning and membership steps
(not a copy of them), and an organization switch mirrors the membership once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory

from django_authkit import signals
from django_authkit.decorators import reauthenticate
from django_authkit.identity import provisioning
from django_authkit.models import Membership, Organization
from django_authkit.sessions.data import read_hot
from django_authkit.signin import pipeline
from django_authkit.signin import start as flow
from django_authkit.signin.start import pkce_pair
from django_authkit.workos import get_workos
from tests.test_native_helpers import PASSWORD

APP_REDIRECT = "com.example.app://callback"
EMAIL = "grace@example.test"
HOOK_CALLS: list[str | None] = []


def record_hook(request: Any, user: Any, auth: Any) -> None:
    HOOK_CALLS.append(auth.organization_id)


class Runs:
    """What the pipeline did, step by step, during one test."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.signed_in: list[str] = []  # entry_point of each ``signed_in``
        self.switched: list[str] = []  # organization_id of each ``organization_switched``
        self.provisioned = 0  # the pipeline's provision() calls
        self.verified = 0  # the pipeline's token verifications
        self.memberships: list[str | None] = []  # org_id of each membership sync
        HOOK_CALLS.clear()


def _counting(original: Callable[..., Any], bump: Callable[[tuple[Any, ...]], None]) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bump(args)
        return original(*args, **kwargs)
    return wrapper


@pytest.fixture
def site(emu: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A WorkOS user with a password, a default organization, SSO, and the recorders."""
    seeded = emu.control.seed({
        "users": [{"email": EMAIL, "first_name": "Grace", "last_name": "Hopper",
                   "password": PASSWORD, "email_verified": True}],
        "organizations": [{"name": "Everyone", "domains": ["example.test"]}, {"name": "Other"}],
        "connections": [{"id": "conn_everyone", "organization": "Everyone"}],
    })
    emu.control.configure(redirect_uris=[APP_REDIRECT, "http://testserver/auth/callback/"])
    org, other = (o["id"] for o in seeded["organizations"])
    settings.AUTHKIT = {
        **settings.AUTHKIT, "DEFAULT_ORGANIZATION": org, "DEFAULT_ROLE": "member",
        "NATIVE_FORMS": True, "API_MODE": True, "API_REDIRECT_URIS": [APP_REDIRECT],
        "ON_SUCCESS": "tests.test_one_pipeline.record_hook",
    }
    runs = Runs()

    def bump_provisioned(args: tuple[Any, ...]) -> None:
        runs.provisioned += 1

    def bump_verified(args: tuple[Any, ...]) -> None:
        runs.verified += 1

    def bump_membership(args: tuple[Any, ...]) -> None:
        runs.memberships.append(args[1].get("org_id"))

    # The pipeline's own bindings: an entry point with its own copy of a step is not counted.
    monkeypatch.setattr(pipeline, "provision", _counting(pipeline.provision, bump_provisioned))
    monkeypatch.setattr(pipeline, "verify_access_token",
                        _counting(pipeline.verify_access_token, bump_verified))
    monkeypatch.setattr(provisioning, "sync_membership",
                        _counting(provisioning.sync_membership, bump_membership))

    def on_signed_in(sender: Any, entry_point: str, **kw: Any) -> None:
        runs.signed_in.append(entry_point)

    def on_switched(sender: Any, organization_id: str, **kw: Any) -> None:
        runs.switched.append(organization_id)

    signals.signed_in.connect(on_signed_in)
    signals.organization_switched.connect(on_switched)
    HOOK_CALLS.clear()
    try:
        yield {"emu": emu, "org": org, "other": other, "runs": runs}
    finally:
        signals.signed_in.disconnect(on_signed_in)
        signals.organization_switched.disconnect(on_switched)


# -- the entry points ----------------------------------------------------------------------


def app_code(emu: Any) -> dict[str, str]:
    """What a mobile app holds after running the hosted sign-in itself (its own PKCE)."""
    verifier, challenge = pkce_pair()
    url = get_workos().user_management.get_authorization_url(
        redirect_uri=APP_REDIRECT, state=secrets.token_urlsafe(16), provider="authkit",
        code_challenge=challenge, code_challenge_method="S256",
    )
    back = parse_qs(urlsplit(emu.control.complete_sign_in(url, email=EMAIL)).query)
    return {"code": back["code"][0], "codeVerifier": verifier, "redirect_uri": APP_REDIRECT}


def _back(site: dict[str, Any], client: Client, start: Any) -> Any:
    assert start.status_code == 302, start.content[:300]
    back = urlsplit(site["emu"].control.complete_sign_in(start["Location"], email=EMAIL))
    return client.get(f"{back.path}?{back.query}")


def via_callback(site: dict[str, Any], client: Client) -> Any:
    return _back(site, client, client.get("/auth/sign-in/"))


def via_initiate_login(site: dict[str, Any], client: Client) -> Any:
    return _back(site, client, client.get("/auth/initiate-login/"))


def via_native(site: dict[str, Any], client: Client) -> Any:
    return client.post("/auth/account/sign-in/", {"email": EMAIL, "password": PASSWORD})


def via_api(site: dict[str, Any], client: Client) -> Any:
    return client.post("/auth/api/callback/", json.dumps(app_code(site["emu"])),
                       content_type="application/json")


def via_sso(site: dict[str, Any], client: Client, settings: Any) -> Any:
    """API mode's SSO-first path: the app ran ``/sso/authorize`` with a connection."""
    settings.AUTHKIT = {**settings.AUTHKIT, "API_SSO_EXCHANGE_FIRST": True}
    verifier, challenge = pkce_pair()
    url = get_workos().sso.get_authorization_url(
        redirect_uri=APP_REDIRECT, state="s", connection="conn_everyone",
        code_challenge=challenge, code_challenge_method="S256",
    )
    back = parse_qs(urlsplit(site["emu"].control.complete_sign_in(url, email=EMAIL)).query)
    return client.post("/auth/api/callback/",
                       json.dumps({"code": back["code"][0], "codeVerifier": verifier}),
                       content_type="application/json")


#: entry point -> (how to drive it, the ``entry_point`` the pipeline names)
ENTRY_POINTS: dict[str, tuple[Callable[..., Any], str]] = {
    "hosted callback": (via_callback, "callback"),
    "initiate-login": (via_initiate_login, "callback"),
    "native password form": (via_native, "native"),
    "API mode": (via_api, "api"),
    "SSO first": (via_sso, "sso"),
}


@pytest.mark.parametrize("name", list(ENTRY_POINTS))
def test_each_entry_point_runs_the_pipeline_once(
    site: dict[str, Any], client: Client, settings: Any, name: str
) -> None:
    drive, entry_point = ENTRY_POINTS[name]
    response = drive(site, client, settings) if drive is via_sso else drive(site, client)
    assert response.status_code in (200, 302), response.content[:500]
    runs = site["runs"]
    assert runs.signed_in == [entry_point]
    assert HOOK_CALLS == [site["org"]]
    assert runs.provisioned == 1  # the backend asked once, by the pipeline
    assert runs.memberships == [site["org"]]  # mirrored once, in the organization assigned
    # The SSO-first identity comes from WorkOS's own SSO exchange (no token to verify);
    # every other entry point's token is verified by the pipeline (and again once moved
    # into the default organization).
    assert runs.verified == (0 if entry_point == "sso" else 2)
    membership = Membership.objects.get()
    assert (membership.organization.workos_id, membership.role) == (site["org"], "member")
    assert get_user_model().objects.get().email == EMAIL
    if entry_point in ("api", "sso"):
        assert response.json()["user"]["organizationId"] == site["org"]
        assert "sessionid" not in response.cookies
    else:
        assert client.get("/").json()["organization_id"] == site["org"]


def test_api_mode_rotation_verifies_and_provisions_through_the_pipeline(
    site: dict[str, Any], client: Client
) -> None:
    """``api-refresh`` runs the pipeline's steps: verify, provision, membership, once each.

    A rotation is not a sign-in: no ``signed_in``, no hook.
    """
    first = via_api(site, client).json()
    runs = site["runs"]
    runs.clear()
    response = client.post("/auth/api/refresh/",
                           json.dumps({"refreshToken": first["refreshToken"]}),
                           content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["organizationId"] == site["org"]
    assert (runs.verified, runs.provisioned, runs.memberships) == (1, 1, [site["org"]])
    assert runs.signed_in == [] and HOOK_CALLS == []


def test_api_mode_rotation_refused_by_the_backend_answers_the_pipelines_refusal(
    site: dict[str, Any], client: Client
) -> None:
    first = via_api(site, client).json()
    get_user_model().objects.update(is_active=False)
    site["runs"].clear()
    response = client.post("/auth/api/refresh/",
                           json.dumps({"refreshToken": first["refreshToken"]}),
                           content_type="application/json")
    assert response.status_code == 403, response.content
    assert site["runs"].provisioned == 1 and site["runs"].memberships == []


# -- an organization switch -----------------------------------------------------------------


def _member_of_both(site: dict[str, Any], client: Client) -> None:
    assert via_callback(site, client).status_code == 302
    site["emu"].control.seed({"memberships": [
        {"user": EMAIL, "organization": "Other", "role": "admin"}]})
    site["runs"].clear()


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_a_switch_mirrors_the_membership_once(
    site: dict[str, Any], client: Client, accept: str
) -> None:
    _member_of_both(site, client)
    response = client.post("/auth/switch-organization/",
                           {"organization_id": site["other"], "next": "/private/"},
                           HTTP_ACCEPT=accept)
    assert response.status_code in (200, 302), response.content[:300]
    runs = site["runs"]
    assert runs.memberships == [site["other"]]  # once: not by the receiver and the view
    assert runs.switched == [site["other"]]
    assert runs.signed_in == [] and HOOK_CALLS == [] and runs.provisioned == 0
    if accept == "application/json":
        assert response.json()["organization_id"] == site["other"]
        assert response.json()["role"] == "admin"
    else:
        assert response["Location"] == "/private/"
    assert Membership.objects.get(organization__workos_id=site["other"]).role == "admin"
    assert client.get("/").json()["organization_id"] == site["other"]


def test_a_switch_applies_the_new_organizations_session_policy(
    site: dict[str, Any], client: Client
) -> None:
    _member_of_both(site, client)
    provisioning.ensure_organization(site["other"])
    Organization.objects.filter(workos_id=site["other"]).update(idle_timeout=600)
    client.post("/auth/switch-organization/", {"organization_id": site["other"]})
    assert (read_hot(client.session) or {})["policy"] == {"idle": 600}
    assert site["runs"].memberships == [site["other"]]


# -- one authorization-URL builder for every starter -----------------------------------------


def _start_step_up(site: dict[str, Any], client: Client) -> Callable[[], Any]:
    request = RequestFactory().get("/sensitive/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    return lambda: reauthenticate(request, max_age=0)


def _start_reauthentication(site: dict[str, Any], client: Client) -> Callable[[], Any]:
    _member_of_both(site, client)  # signed in to one organization, a member of the other
    site["emu"].control.fault("/user_management/authenticate", status=400, body={
        "error": "sso_required", "error_description": "SSO required."})
    return lambda: client.post("/auth/switch-organization/", {"organization_id": site["other"]})


def _get(path: str, **params: str) -> Callable[[dict[str, Any], Client], Callable[[], Any]]:
    return lambda site, client: lambda: client.get(path, params)


#: starter -> (setup, returning the call that starts the sign-in)
STARTERS: dict[str, Callable[[dict[str, Any], Client], Callable[[], Any]]] = {
    "sign-in": _get("/auth/sign-in/", next="/private/"),
    "sign-up": _get("/auth/sign-up/"),
    "initiate-login": _get("/auth/initiate-login/"),
    "provider route": _get("/auth/sign-in/google/"),
    "step-up": _start_step_up,
    "organization re-authentication": _start_reauthentication,
}


@pytest.mark.parametrize("name", list(STARTERS))
def test_every_starter_builds_its_url_with_the_one_builder(
    site: dict[str, Any], client: Client, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    started: list[str] = []
    begin = flow.begin

    def recording_begin(*args: Any, **kwargs: Any) -> Any:
        pending, challenge = begin(*args, **kwargs)
        started.append(pending.state)
        return pending, challenge

    start = STARTERS[name](site, client)
    monkeypatch.setattr(flow, "begin", recording_begin)
    response = start()
    assert response.status_code == 302, response.content[:300]
    params = parse_qs(urlsplit(response["Location"]).query)
    assert params["state"] == started  # one pending sign-in, the one the URL carries
    assert params["code_challenge_method"] == ["S256"] and params["code_challenge"]
    assert params["redirect_uri"] == ["http://testserver/auth/callback/"]
    assert params.keys() & {"provider", "organization_id", "connection_id"}
