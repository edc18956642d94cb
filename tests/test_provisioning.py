"""Roles, permissions, guards and organizations follow WorkOS."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from django_authkit.models import Membership, Organization

ROLE_SETTINGS = {
    "ROLE_GROUPS": {"admin": ["Editors"], "member": ["Readers"]},
    "STAFF_ROLES": ["admin"],
    "SUPERUSER_ROLES": ["owner"],
}


def _api(emu: Any, method: str, path: str, **body: Any) -> Any:
    response = requests.request(
        method,
        emu.url + path,
        json=body or None,
        timeout=5,
        headers={"Authorization": f"Bearer {emu.api_key}"},
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@pytest.fixture
def roles(emu: Any, settings: Any) -> None:
    """The role mapping, with Acme named as the organization whose roles grant power."""
    emu.control.seed({"organizations": [{"id": "org_acme", "name": "Acme"}]})
    settings.AUTHKIT = {**settings.AUTHKIT, **ROLE_SETTINGS, "STAFF_ORGANIZATIONS": ["org_acme"]}


def test_role_mapping_on_sign_in(emu: Any, authkit_sign_in: Any, roles: None) -> None:
    client = Client()
    authkit_sign_in(client, email="ada@acme.test", organization_name="Acme", role="admin")
    user = get_user_model().objects.get(email="ada@acme.test")
    assert set(user.groups.values_list("name", flat=True)) == {"Editors"}
    assert user.is_staff and not user.is_superuser


def test_role_change_at_workos_follows_on_refresh(
    emu: Any, authkit_sign_in: Any, roles: None
) -> None:
    client = Client()
    emu.control.set_clock(offset=-290)  # the token expires soon: the next request refreshes
    authkit_sign_in(client, email="ada@acme.test", organization_name="Acme", role="admin")
    emu.control.set_clock(offset=0)
    user = get_user_model().objects.get(email="ada@acme.test")
    user.groups.add(Group.objects.create(name="Newsletter"))  # not managed: must stay
    membership = Membership.objects.get(user=user)
    remote = _api(
        emu,
        "GET",
        f"/user_management/organization_memberships?organization_id="
        f"{membership.organization.workos_id}",
    )["data"][0]
    _api(
        emu, "PUT", f"/user_management/organization_memberships/{remote['id']}", role_slug="member"
    )
    assert client.get("/").json()["role"] == "member"
    user.refresh_from_db()
    assert set(user.groups.values_list("name", flat=True)) == {"Readers", "Newsletter"}
    assert not user.is_staff
    membership.refresh_from_db()
    assert membership.role == "member" and membership.permissions == ["widgets:read"]


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("member", 403)])
def test_workos_permissions_answer_has_perm(
    emu: Any, authkit_sign_in: Any, role: str, status: int
) -> None:
    client = Client()
    authkit_sign_in(client, email=f"{role}@acme.test", organization_name="Acme", role=role)
    assert client.get("/members/").status_code == status


def test_permissions_belong_to_the_request_only(emu: Any, authkit_sign_in: Any) -> None:
    client = Client()
    authkit_sign_in(client, email="ada@acme.test", organization_name="Acme", role="admin")
    user = get_user_model().objects.get(email="ada@acme.test")
    assert client.get("/members/").status_code == 200
    assert not user.has_perm("members:manage")  # outside a request: no active organization


@pytest.mark.parametrize(
    ("path", "choice", "status", "code"),
    [
        ("/org/", {"email": "solo@example.test"}, 403, "organization_required"),
        (
            "/org/",
            {"email": "m@acme.test", "organization_name": "Acme", "role": "member"},
            200,
            None,
        ),
        (
            "/admin-only/",
            {"email": "m@acme.test", "organization_name": "Acme", "role": "member"},
            403,
            "role_required",
        ),
        (
            "/admin-only/",
            {"email": "a@acme.test", "organization_name": "Acme", "role": "admin"},
            200,
            None,
        ),
    ],
)
def test_guards(
    emu: Any, authkit_sign_in: Any, path: str, choice: dict[str, str], status: int, code: str | None
) -> None:
    client = Client()
    authkit_sign_in(client, **choice)
    response = client.get(path)
    assert response.status_code == status
    if code:
        assert f"<code>{code}</code>".encode() in response.content


def test_guards_send_anonymous_users_to_sign_in(emu: Any, client: Client) -> None:
    for path in ("/org/", "/admin-only/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/auth/sign-in/?next=")


def test_new_users_join_the_default_organization(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    org = emu.control.seed({"organizations": [{"name": "Everyone"}]})["organizations"][0]
    settings.AUTHKIT = {
        **settings.AUTHKIT,
        "DEFAULT_ORGANIZATION": org["id"],
        "DEFAULT_ROLE": "member",
    }
    client = Client()
    authkit_sign_in(client, email="newbie@example.test")
    home = client.get("/").json()
    assert (home["organization_id"], home["role"]) == (org["id"], "member")
    assert Membership.objects.get().organization.name == "Everyone"
    remote = _api(
        emu, "GET", f"/user_management/organization_memberships?organization_id={org['id']}"
    )
    assert len(remote["data"]) == 1


def test_default_organization_is_only_for_brand_new_users(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    authkit_sign_in(Client(), email="old@example.test")
    org = emu.control.seed({"organizations": [{"name": "Everyone"}]})["organizations"][0]
    settings.AUTHKIT = {**settings.AUTHKIT, "DEFAULT_ORGANIZATION": org["id"]}
    client = Client()
    authkit_sign_in(client, email="old@example.test")
    assert client.get("/").json()["organization_id"] is None


def test_organization_idle_timeout_overrides_the_site(emu: Any, authkit_sign_in: Any) -> None:
    authkit_sign_in(Client(), email="ada@acme.test", organization_name="Acme", role="admin")
    Organization.objects.update(idle_timeout=1)
    client = Client()
    authkit_sign_in(client, email="ada@acme.test", organization_name="Acme", role="admin")
    assert client.get("/private/").status_code == 200
    time.sleep(2.1)
    assert client.get("/private/").status_code == 302


def test_adapter_can_close_sign_up(emu: Any, authkit_sign_in: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ADAPTER": "tests.adapters.ClosedSignUpAdapter"}
    response = authkit_sign_in(Client(), email="stranger@example.test")
    assert response.status_code == 403
    assert get_user_model().objects.count() == 0
