"""Widget tokens: ``authkit:widget-token`` (POST, session + CSRF) and the template tag.

Real sign-ins and real ``POST /widgets/token`` calls at the emulator; the token's
claims are read (unverified) to show whose and which organization's it is.
"""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.test import Client
from django.urls import path, reverse

from django_authkit.models import Organization
from tests.urls import urlpatterns as base_urlpatterns

USERS_TABLE = "widgets:users-table:manage"
SSO = "widgets:sso:manage"
TAG = Template('{% load authkit %}{% authkit_widget_token "widgets:users-table:manage" as t %}'
               "[{{ t }}]")


def tag_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(TAG.render(RequestContext(request)))


urlpatterns = [*base_urlpatterns, path("widget-page/", tag_page)]
pytestmark = pytest.mark.urls("tests.test_widgets")


@pytest.fixture
def site(emu: Any, settings: Any) -> Any:
    settings.AUTHKIT = {**settings.AUTHKIT, "WIDGET_SCOPES": [USERS_TABLE, SSO]}
    emu.control.seed({"roles": [{"slug": "admin", "permissions": [USERS_TABLE]},
                                {"slug": "member", "permissions": []}]})
    return emu


def sign_in(authkit_sign_in: Any, email: str, org: str, role: str, **kw: Any) -> Client:
    client = Client(**kw)
    assert authkit_sign_in(client, email=email, organization_name=org,
                           role=role).status_code == 302
    return client


def mint(client: Client, body: Any = None) -> Any:
    return client.post(reverse("authkit:widget-token"),
                       json.dumps(body) if body is not None else "",
                       content_type="application/json")


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_an_admin_gets_the_scopes_the_site_allows_and_the_role_carries(
    site: Any, authkit_sign_in: Any
) -> None:
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin")
    response = mint(ada)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response[
        "Cache-Control"]
    data = response.json()
    acme = Organization.objects.get(name="Acme").workos_id
    assert data["organizationId"] == acme and data["scopes"] == [USERS_TABLE]  # not SSO
    token = claims(data["token"])
    assert token["org_id"] == acme and token["scopes"] == [USERS_TABLE]
    assert token["sub"] == ada.get("/auth/session/").json()["user"]["id"]


def test_a_member_gets_no_admin_widget(site: Any, authkit_sign_in: Any) -> None:
    bob = sign_in(authkit_sign_in, "bob@acme.test", "Acme", "member")
    refused = mint(bob, {"scopes": [USERS_TABLE]})
    assert refused.status_code == 403 and refused.json()["error"] == "scope_not_allowed"
    user_only = mint(bob, {"scopes": []})
    assert user_only.status_code == 200 and claims(user_only.json()["token"])["scopes"] == []


def test_a_scope_the_site_does_not_allow_is_refused(
    site: Any, authkit_sign_in: Any, settings: Any
) -> None:
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin")
    settings.AUTHKIT = {**settings.AUTHKIT, "WIDGET_SCOPES": [SSO]}
    assert mint(ada, {"scopes": [USERS_TABLE]}).status_code == 403
    assert not site.control.calls("/widgets/token")


def test_the_organization_is_the_sessions_never_the_callers(
    site: Any, authkit_sign_in: Any
) -> None:
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin")
    sign_in(authkit_sign_in, "grace@beta.test", "Beta", "admin")
    beta = Organization.objects.get(name="Beta").workos_id
    data = mint(ada, {"scopes": [USERS_TABLE], "organization_id": beta}).json()
    assert claims(data["token"])["org_id"] != beta


def test_csrf_sign_in_and_method_are_required(site: Any, authkit_sign_in: Any) -> None:
    strict = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin", enforce_csrf_checks=True)
    assert mint(strict).status_code == 403
    assert mint(Client()).status_code == 401
    assert Client().get(reverse("authkit:widget-token")).status_code == 405
    assert not site.control.calls("/widgets/token")


def test_bad_input_is_a_400(site: Any, authkit_sign_in: Any) -> None:
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin")
    for body in ([1], {"scopes": "widgets:sso:manage"}, {"scopes": [1]}):
        assert mint(ada, body).status_code == 400, body


def test_an_outage_is_a_503_with_retry_after(site: Any, authkit_sign_in: Any) -> None:
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin")
    site.control.fault("/widgets/token", status=503)
    response = mint(ada)
    assert response.status_code == 503 and response["Retry-After"]


def test_the_tag_mints_for_the_page(site: Any, authkit_sign_in: Any) -> None:
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin")
    html = ada.get("/widget-page/").content.decode()
    token = html.strip("[]")
    assert claims(token)["scopes"] == [USERS_TABLE]
    bob = sign_in(authkit_sign_in, "bob@acme.test", "Acme", "member")
    assert bob.get("/widget-page/").content.decode() == "[]"
    assert Client().get("/widget-page/").content.decode() == "[]"


def test_a_wrong_widget_scope_is_a_system_check_error(settings: Any) -> None:
    from django.core.checks import run_checks

    settings.AUTHKIT = {**getattr(settings, "AUTHKIT", {}), "WIDGET_SCOPES": ["admin", SSO]}
    assert [m.id for m in run_checks() if m.id == "authkit.E260"] == ["authkit.E260"]
    settings.AUTHKIT = {**settings.AUTHKIT, "WIDGET_SCOPES": [SSO]}
    assert not [m for m in run_checks() if m.id == "authkit.E260"]
