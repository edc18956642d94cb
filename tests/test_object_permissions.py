"""``user.has_perm(perm, obj)`` asks WorkOS authorization for objects the adapter maps.

Real requests through the middleware (a page of this module's URLconf calls
``has_perm``), real checks over HTTP at the emulator; role assignments on a
resource are made through the emulator's API, as a site's admin would at WorkOS.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client
from django.urls import path
from django.views import View

from django_authkit.identity.adapter import DefaultAdapter
from django_authkit.models import Organization
from django_authkit.workos import get_workos
from tests.urls import urlpatterns as base_urlpatterns


@dataclass
class Document:
    id: str
    organization_id: str | None = None


class DocumentAdapter(DefaultAdapter):
    def resource_for(self, obj: Any) -> tuple[str, ...] | None:  # type: ignore[override]
        if isinstance(obj, Document):
            if obj.organization_id:
                return ("document", obj.id, obj.organization_id)
            return ("document", obj.id)
        return None


def checks(request: HttpRequest) -> JsonResponse:
    """has_perm for each ``doc`` (``id`` or ``id@org``), three times each, plus unmapped."""
    answers = {}
    for spec in request.GET.getlist("doc"):
        doc_id, _, org = spec.partition("@")
        doc = Document(doc_id, org or None)
        answers[spec] = [request.user.has_perm("documents:edit", doc) for _ in range(3)]
    answers["unmapped"] = [request.user.has_perm("documents:edit", object())]
    return JsonResponse(answers)


class EditDocument(PermissionRequiredMixin, View):
    """Django's mixin with an object: has_permission passes the document."""

    permission_required = "documents:edit"

    def has_permission(self) -> bool:
        return self.request.user.has_perm("documents:edit", Document(self.kwargs["doc"]))

    def get(self, request: HttpRequest, doc: str) -> HttpResponse:
        return HttpResponse("editing " + doc)


urlpatterns = [
    *base_urlpatterns,
    path("checks/", checks),
    path("documents/<str:doc>/edit/", EditDocument.as_view()),
]
pytestmark = pytest.mark.urls("tests.test_object_permissions")


@pytest.fixture
def site(emu: Any, settings: Any) -> Any:
    adapter = "tests.test_object_permissions.DocumentAdapter"
    settings.AUTHKIT = {**settings.AUTHKIT, "ADAPTER": adapter}
    emu.control.seed({"roles": [{"slug": "editor", "permissions": ["documents:edit"]},
                                {"slug": "member", "permissions": []}]})
    return emu


def sign_in(authkit_sign_in: Any, email: str, org: str, role: str = "member") -> Client:
    client = Client()
    response = authkit_sign_in(client, email=email, organization_name=org, role=role)
    assert response.status_code == 302, response.content[:300]
    return client


def make_editor(emu: Any, email: str, org: str, doc: str) -> None:
    """Give ``email`` the editor role on ``doc`` in ``org`` at WorkOS (the emulator)."""
    org_id = Organization.objects.get(name=org).workos_id
    user_id = get_user_model().objects.get(email=email).workos.workos_id
    membership = get_workos().user_management.list_organization_memberships(
        user_id=user_id, organization_id=org_id).data[0]
    answer = requests.post(
        f"{emu.url}/authorization/organization_memberships/{membership.id}/role_assignments",
        json={"role_slug": "editor", "resource_type_slug": "document",
              "resource_external_id": doc},
        headers={"Authorization": f"Bearer {emu.api_key}"}, timeout=10,
    )
    assert answer.status_code == 201, answer.text


def check_calls(emu: Any) -> int:
    return sum(1 for c in emu.control.calls() if c["path"].endswith("/check"))


def test_workos_decides_for_mapped_objects_once_per_request(
    site: Any, authkit_sign_in: Any
) -> None:
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme")
    make_editor(site, "ada@acme.test", "Acme", "doc-1")
    site.control.clear_calls()
    answers = ada.get("/checks/", {"doc": ["doc-1", "doc-2"]}).json()
    assert answers == {"doc-1": [True] * 3, "doc-2": [False] * 3, "unmapped": [False]}
    assert check_calls(site) == 2, site.control.calls()  # one per object, not per call
    ada.get("/checks/", {"doc": ["doc-1"]})
    assert check_calls(site) == 3  # a new request asks again: nothing stale across requests


def test_permission_required_mixin_keeps_working(site: Any, authkit_sign_in: Any) -> None:
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme")
    make_editor(site, "ada@acme.test", "Acme", "doc-1")
    assert ada.get("/documents/doc-1/edit/").status_code == 200
    assert ada.get("/documents/doc-2/edit/").status_code == 403
    # Without an object, WorkOS slugs from the token work as before.
    assert ada.get("/members/").status_code == 403


def test_another_organizations_object_is_denied_without_asking(
    site: Any, authkit_sign_in: Any
) -> None:
    sign_in(authkit_sign_in, "ada@acme.test", "Acme")
    grace = sign_in(authkit_sign_in, "grace@beta.test", "Beta", role="editor")  # editor of Beta
    acme = Organization.objects.get(name="Acme").workos_id
    beta = Organization.objects.get(name="Beta").workos_id
    site.control.clear_calls()
    answers = grace.get("/checks/", {"doc": [f"doc-1@{acme}", f"doc-1@{beta}"]}).json()
    assert answers[f"doc-1@{acme}"] == [False] * 3  # Acme's document: never Beta's editor's
    assert answers[f"doc-1@{beta}"] == [True] * 3  # her own organization's: WorkOS says yes
    assert check_calls(site) == 1


def test_an_outage_is_a_logged_denial_not_a_500(
    site: Any, authkit_sign_in: Any, caplog: pytest.LogCaptureFixture
) -> None:
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme")
    make_editor(site, "ada@acme.test", "Acme", "doc-1")
    site.control.fault("/authorization/*", status=503, count=None)
    with caplog.at_level(logging.WARNING, logger="django_authkit.authorization"):
        response = ada.get("/checks/", {"doc": ["doc-1"]})
    assert response.status_code == 200
    assert response.json()["doc-1"] == [False] * 3
    assert "did not answer" in caplog.text
    assert ada.get("/documents/doc-1/edit/").status_code == 403
    site.control.clear_faults()
    assert ada.get("/documents/doc-1/edit/").status_code == 200


def test_without_an_authkit_session_mapped_objects_are_denied(site: Any, staff: Client) -> None:
    user = get_user_model().objects.create_user("local", "local@example.test", "pw-12345!")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    answers = client.get("/checks/", {"doc": ["doc-1"]}).json()
    assert answers["doc-1"] == [False] * 3
    assert check_calls(site) == 0
    assert json.loads(staff.get("/checks/", {"doc": ["doc-1"]}).content)["doc-1"] == [True] * 3
