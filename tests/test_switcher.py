"""``{% authkit_organization_switcher %}``: the user's active memberships, the current one
marked, a CSRF-protected POST to ``switch-organization`` that follows re-authentication.

A page of this module's own URLconf renders the tag; everything else is the real flow
against the emulator.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.test import Client
from django.urls import path

from django_authkit.models import Membership, Organization
from tests.urls import urlpatterns as base_urlpatterns

PAGE = Template("{% load authkit %}<main>{% authkit_organization_switcher %}</main>")


def switcher_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.render(RequestContext(request)))


urlpatterns = [*base_urlpatterns, path("switcher/", switcher_page)]

pytestmark = pytest.mark.urls("tests.test_switcher")


@pytest.fixture
def member_of_two(emu: Any, authkit_sign_in: Any) -> tuple[Client, str, str]:
    """Ada, member of Beta and Acme (both mirrored by a sign-in), now in Acme."""
    client = Client()
    assert authkit_sign_in(client, email="ada@acme.test", organization_name="Beta",
                           role="member").status_code == 302
    assert authkit_sign_in(client, email="ada@acme.test", organization_name="Acme",
                           role="admin").status_code == 302
    acme = Organization.objects.get(name="Acme").workos_id
    beta = Organization.objects.get(name="Beta").workos_id
    return client, acme, beta


def test_lists_active_memberships_with_the_current_one_marked(
    member_of_two: tuple[Client, str, str],
) -> None:
    client, acme, beta = member_of_two
    html = client.get("/switcher/?tab=2").content.decode()
    assert 'action="/auth/switch-organization/"' in html and 'method="post"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert re.search(r'<span aria-current="true" class="current">Acme ', html), html
    assert f'<button type="submit" name="organization_id" value="{beta}">' in html
    assert f'value="{acme}"' not in html  # the current one is not a button
    assert 'name="next" value="/switcher/?tab=2"' in html
    assert 'aria-labelledby="authkit-org-switcher-label"' in html


def test_posting_the_form_switches_and_returns(member_of_two: tuple[Client, str, str]) -> None:
    client, _acme, beta = member_of_two
    response = client.post("/auth/switch-organization/",
                           {"organization_id": beta, "next": "/switcher/"})
    assert response.status_code == 302 and response["Location"] == "/switcher/"
    html = client.get("/switcher/").content.decode()
    assert re.search(r'<span aria-current="true" class="current">Beta ', html), html


def test_the_form_needs_its_csrf_token(emu: Any, authkit_sign_in: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    authkit_sign_in(client, email="ada@acme.test", organization_name="Acme")
    assert client.post("/auth/switch-organization/",
                       {"organization_id": "org_123"}).status_code == 403


def test_a_switch_that_needs_sign_in_goes_to_workos_for_that_organization(
    emu: Any, member_of_two: tuple[Client, str, str],
) -> None:
    client, _acme, beta = member_of_two
    emu.control.fault("/user_management/authenticate", status=400, body={
        "error": "sso_required", "error_description": "SSO required."})
    response = client.post("/auth/switch-organization/",
                           {"organization_id": beta, "next": "/switcher/"})
    assert response.status_code == 302
    params = parse_qs(urlsplit(response["Location"]).query)
    assert params["organization_id"] == [beta]


def test_inactive_and_other_users_memberships_are_not_listed(
    emu: Any, authkit_sign_in: Any, member_of_two: tuple[Client, str, str],
) -> None:
    client, _acme, beta = member_of_two
    grace = Client()
    authkit_sign_in(grace, email="grace@gamma.test", organization_name="Gamma")
    Membership.objects.filter(organization__workos_id=beta).update(status="inactive")
    html = client.get("/switcher/").content.decode()
    assert "Gamma" not in html and beta not in html
    assert "Gamma" in grace.get("/switcher/").content.decode()


def test_renders_nothing_without_an_authkit_session(emu: Any, client: Client) -> None:
    assert "<nav" not in client.get("/switcher/").content.decode()
