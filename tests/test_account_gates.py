"""Template gates: ``has_permission``, ``has_role``, ``has_feature``, ``has_entitlement``.

The claims come from a real sign-in (the emulator's token); a page of this module's
URLconf renders each gate for the signed-in browser.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.test import Client
from django.urls import path

from tests.urls import urlpatterns as base_urlpatterns

GATES = Template(
    "{% load authkit %}"
    '{% if request.authkit|has_permission:"posts:write" %}[perm]{% endif %}'
    '{% if request.authkit|has_permission:"posts:delete" %}[other-perm]{% endif %}'
    '{% if request.authkit|has_role:"admin" %}[admin]{% endif %}'
    '{% if request.authkit|has_role:"member" %}[member]{% endif %}'
    '{% if request.authkit|has_feature:"beta-dashboard" %}[feature]{% endif %}'
    '{% if request.authkit|has_entitlement:"audit-logs" %}[entitlement]{% endif %}'
    '{% if request|has_role:"admin" %}[request-admin]{% endif %}'
    '{% if perms.auth.view_user %}[django-perm]{% endif %}'
)


def gates_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(GATES.render(RequestContext(request)))


urlpatterns = [*base_urlpatterns, path("gates/", gates_page)]
pytestmark = pytest.mark.urls("tests.test_account_gates")


def test_gates_read_the_sessions_claims(emu: Any, authkit_sign_in: Any) -> None:
    emu.control.seed({
        "roles": [{"slug": "admin", "permissions": ["posts:write"]}],
        "organizations": [{"name": "Acme", "entitlements": ["audit-logs"],
                           "feature_flags": ["beta-dashboard"]}],
    })
    client = Client()
    response = authkit_sign_in(client, email="ada@acme.test", organization_name="Acme",
                               role="admin")
    assert response.status_code == 302
    html = client.get("/gates/").content.decode()
    assert "[perm]" in html and "[admin]" in html and "[request-admin]" in html
    assert "[other-perm]" not in html and "[member]" not in html
    assert "[feature]" in html and "[entitlement]" in html
    assert "[django-perm]" not in html  # Django's perms are unchanged beside them


def test_gates_are_false_without_an_authkit_session(emu: Any, client: Client) -> None:
    assert client.get("/gates/").content.decode() == ""
