"""Users, organizations and memberships against the real emulator: CRUD, paging, errors."""

from __future__ import annotations

from typing import Any

import pytest

from django_authkit.client import (
    ConflictError,
    NotFoundError,
    Organization,
    OrganizationMembership,
    User,
    WorkOSClient,
)


def test_user_crud(emu: Any, workos: WorkOSClient) -> None:
    um = workos.user_management
    user = um.create_user(
        email="grace@acme.test",
        first_name="Grace",
        last_name="Hopper",
        email_verified=True,
        external_id="ext-grace",
        metadata={"team": "navy"},
    )
    assert isinstance(user, User) and user.id.startswith("user_")
    assert (user.first_name, user.email_verified, user.metadata) == (
        "Grace",
        True,
        {"team": "navy"},
    )
    assert um.get_user(user.id) == user
    assert um.get_user_by_external_id("ext-grace").id == user.id
    updated = um.update_user(user.id, first_name="Amazing Grace")
    assert updated.first_name == "Amazing Grace" and updated.last_name == "Hopper"
    assert [u.id for u in um.list_users(email="grace@acme.test")] == [user.id]
    um.delete_user(user.id)
    with pytest.raises(NotFoundError) as info:
        um.get_user(user.id)
    assert info.value.status_code == 404 and info.value.request_id
    assert info.value.request_path == f"/user_management/users/{user.id}"


def test_duplicate_email_is_a_conflict(emu: Any, workos: WorkOSClient) -> None:
    workos.user_management.create_user(email="dup@acme.test")
    with pytest.raises(ConflictError) as info:
        workos.user_management.create_user(email="dup@acme.test")
    assert info.value.status_code == 409 and info.value.request_id and info.value.code
    assert len(emu.control.calls(path="/user_management/users", method="POST")) == 2


def test_organization_crud(emu: Any, workos: WorkOSClient) -> None:
    orgs = workos.organizations
    org = orgs.create_organization(
        name="Acme",
        domain_data=[{"domain": "acme.test", "state": "verified"}],
        external_id="ext-acme",
        metadata={"tier": "gold"},
    )
    assert isinstance(org, Organization) and org.id.startswith("org_")
    assert [d.domain for d in org.domains] == ["acme.test"]
    assert org.metadata == {"tier": "gold"} and org.external_id == "ext-acme"
    assert orgs.get_organization(org.id).name == "Acme"
    assert orgs.get_organization_by_external_id("ext-acme").id == org.id
    assert orgs.update_organization(org.id, name="Acme Corp").name == "Acme Corp"
    orgs.create_organization(
        name="Other", domain_data=[{"domain": "other.test", "state": "pending"}]
    )
    found = orgs.list_organizations(domains=["acme.test"])
    assert [o.id for o in found] == [org.id]
    orgs.delete_organization(org.id)
    with pytest.raises(NotFoundError):
        orgs.get_organization(org.id)


def test_membership_lifecycle(emu: Any, workos: WorkOSClient) -> None:
    um = workos.user_management
    user = um.create_user(email="lin@acme.test")
    org = workos.organizations.create_organization(name="Acme")
    m = um.create_organization_membership(
        user_id=user.id, organization_id=org.id, role_slug="member"
    )
    assert isinstance(m, OrganizationMembership) and m.id.startswith("om_")
    assert (m.user_id, m.organization_id, m.role, m.status) == (user.id, org.id, "member", "active")
    assert um.get_organization_membership(m.id).id == m.id
    assert um.update_organization_membership(m.id, role_slug="admin").role == "admin"
    assert um.deactivate_organization_membership(m.id).status == "inactive"
    assert um.reactivate_organization_membership(m.id).status == "active"
    listed = um.list_organization_memberships(organization_id=org.id)
    assert [x.id for x in listed] == [m.id]
    assert [x.id for x in um.list_organization_memberships(user_id=user.id)] == [m.id]
    um.delete_organization_membership(m.id)
    with pytest.raises(NotFoundError):
        um.get_organization_membership(m.id)


def test_membership_with_several_roles(emu: Any, workos: WorkOSClient) -> None:
    um = workos.user_management
    user = um.create_user(email="multi@acme.test")
    org = workos.organizations.create_organization(name="Multi")
    m = um.create_organization_membership(
        user_id=user.id, organization_id=org.id, role_slugs=["admin", "member"]
    )
    assert sorted(m.roles) == ["admin", "member"]
    with pytest.raises(ValueError):
        um.create_organization_membership(
            user_id=user.id, organization_id=org.id, role_slug="a", role_slugs=["b"]
        )


def test_auto_pagination_walks_every_page(emu: Any, workos: WorkOSClient) -> None:
    um = workos.user_management
    created = {um.create_user(email=f"user{i}@page.test").id for i in range(7)}
    emu.control.clear_calls()
    page = um.list_users(limit=3)
    assert len(page.data) == 3 and page.has_more() and page.after == page.data[-1].id
    seen = [u.id for u in page.auto_paging_iter()]
    assert len(seen) == len(set(seen)) and created <= set(seen)
    calls = emu.control.calls(path="/user_management/users", method="GET")
    assert len(calls) == 3
    assert calls[1]["query"].get("after") == page.after and calls[1]["query"]["limit"] == "3"


def test_auto_pagination_of_organizations(emu: Any, workos: WorkOSClient) -> None:
    for i in range(5):
        workos.organizations.create_organization(name=f"Org {i}")
    names = [o.name for o in workos.organizations.list_organizations(limit=2).auto_paging_iter()]
    assert sorted(n for n in names if n.startswith("Org ")) == [f"Org {i}" for i in range(5)]
