"""The official SDK's authorization calls, with state shared with memberships and tokens."""

from __future__ import annotations

import jwt
import pytest

workos = pytest.importorskip("workos")

from workos._errors import ConflictError, NotFoundError  # noqa: E402
from workos.authorization import ResourceTargetByExternalId, ResourceTargetById  # noqa: E402
from workos.organization_membership._resource import RoleSingle  # noqa: E402

from tests.emulator.conftest import API_KEY, CLIENT_ID, sign_in  # noqa: E402


@pytest.fixture
def client(emu):
    return workos.WorkOSClient(
        api_key=API_KEY, client_id=CLIENT_ID, base_url=emu.url, max_retries=0
    )


def test_role_created_through_authorization_reaches_memberships_and_tokens(
    emu, api, client
) -> None:
    authz = client.authorization
    authz.create_permission(slug="reports:export", name="Export reports")
    role = authz.create_environment_role(slug="analyst", name="Analyst")
    assert role.type == "EnvironmentRole" and role.permissions == []
    role = authz.set_environment_role_permissions("analyst", permissions=["reports:export"])
    assert role.permissions == ["reports:export"]
    assert "analyst" in [r.slug for r in authz.list_environment_roles().data]
    org = client.organizations.create_organization(name="Rbac Co")
    user = client.user_management.create_user(email="ana@x.co")
    m = client.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=org.id, role=RoleSingle(role_slug="analyst")
    )
    assert m.role.slug == "analyst"
    auth = sign_in(emu, api, user_id=user.id)
    claims = jwt.decode(auth["access_token"], options={"verify_signature": False})
    assert claims["role"] == "analyst" and claims["permissions"] == ["reports:export"]
    target = ResourceTargetById(resource_id=org.id)
    assert authz.check(m.id, permission_slug="reports:export", resource_target=target).authorized
    assert not authz.check(m.id, permission_slug="widgets:write", resource_target=target).authorized
    perms = authz.list_effective_permissions(m.id, org.id)
    assert [p.slug for p in perms.data] == ["reports:export"]


def test_organization_roles_and_assignments(emu, client) -> None:
    authz = client.authorization
    org = client.organizations.create_organization(name="Org Roles")
    user = client.user_management.create_user(email="o@x.co")
    m = client.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=org.id
    )
    role = authz.create_organization_role(org.id, name="Billing", slug="billing")
    assert role.slug == "org-billing" and role.type == "OrganizationRole"
    authz.add_organization_role_permission(org.id, "org-billing", body_slug="widgets:write")
    assert authz.get_organization_role(org.id, "org-billing").permissions == ["widgets:write"]
    target = ResourceTargetById(resource_id=org.id)
    made = authz.assign_role(m.id, role_slug="org-billing", resource_target=target)
    assert made.role.slug == "org-billing"
    got = client.organization_membership.get_organization_membership(m.id)
    assert "org-billing" in [r.slug for r in got.roles]
    assert authz.check(m.id, permission_slug="widgets:write", resource_target=target).authorized
    # A role on one project only counts there.
    project = ResourceTargetByExternalId(resource_external_id="p1", resource_type_slug="project")
    authz.assign_role(m.id, role_slug="admin", resource_target=project)
    assert authz.check(m.id, permission_slug="members:manage", resource_target=project).authorized
    assert not authz.check(
        m.id, permission_slug="members:manage", resource_target=target
    ).authorized
    listed = authz.list_role_assignments(m.id)
    assert {a.role.slug for a in listed.data} == {"member", "org-billing", "admin"}
    authz.remove_role(m.id, role_slug="admin", resource_target=project)
    authz.remove_role_assignment(m.id, made.id)
    assert [
        r.slug for r in client.organization_membership.get_organization_membership(m.id).roles
    ] == ["member"]
    authz.assign_role(m.id, role_slug="org-billing", resource_target=target)
    with pytest.raises(ConflictError):
        authz.delete_organization_role(org.id, "org-billing")
    authz.remove_role(m.id, role_slug="org-billing", resource_target=target)
    authz.delete_organization_role(org.id, "org-billing")
    with pytest.raises(NotFoundError):
        authz.get_organization_role(org.id, "org-billing")


def test_permission_crud_and_errors(emu, client) -> None:
    authz = client.authorization
    made = authz.create_permission(slug="a:b", name="A B", description="d")
    assert authz.get_permission("a:b").id == made.id
    assert authz.update_permission("a:b", name="AB").name == "AB"
    assert "widgets:read" in [p.slug for p in authz.list_permissions(limit=100).data]
    with pytest.raises(ConflictError):
        authz.create_permission(slug="a:b", name="again")
    with pytest.raises(NotFoundError):
        authz.set_environment_role_permissions("member", permissions=["missing:perm"])
    authz.delete_permission("a:b")
    with pytest.raises(NotFoundError):
        authz.get_permission("a:b")
    with pytest.raises(NotFoundError):
        authz.get_environment_role("ghost")
    assert authz.update_environment_role("member", name="Members").name == "Members"


def test_resources_with_parents_and_who_holds_what(emu, client) -> None:
    from workos.authorization import ParentResourceByExternalId, ParentResourceById

    authz = client.authorization
    org = client.organizations.create_organization(name="Fga Co")
    user = client.user_management.create_user(email="fga@x.co")
    other = client.user_management.create_user(email="fga2@x.co")
    m = client.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=org.id
    )
    client.organization_membership.create_organization_membership(
        user_id=other.id, organization_id=org.id
    )
    folder = authz.create_resource(
        external_id="f1", name="Folder", resource_type_slug="folder", organization_id=org.id
    )
    doc = authz.create_resource(
        external_id="d1",
        name="Doc",
        resource_type_slug="document",
        organization_id=org.id,
        parent_resource=ParentResourceById(parent_resource_id=folder.id),
    )
    assert doc.parent_resource_id == folder.id
    assert authz.get_resource_by_external_id(org.id, "document", "d1").id == doc.id
    assert {r.id for r in authz.list_resources(organization_id=org.id).data} == {folder.id, doc.id}
    # Admin on the folder: members:manage on the document below it, not elsewhere.
    authz.assign_role(
        m.id, role_slug="admin", resource_target=ResourceTargetById(resource_id=folder.id)
    )
    on_doc = ResourceTargetByExternalId(resource_external_id="d1", resource_type_slug="document")
    assert authz.check(m.id, permission_slug="members:manage", resource_target=on_doc).authorized
    assert not authz.check(
        m.id,
        permission_slug="members:manage",
        resource_target=ResourceTargetById(resource_id=org.id),
    ).authorized
    holders = authz.list_memberships_for_resource(doc.id, permission_slug="members:manage")
    assert [h.user_id for h in holders.data] == [user.id]
    direct = authz.list_memberships_for_resource(
        doc.id, permission_slug="members:manage", assignment="direct"
    )
    assert direct.data == []
    assert [a.role.slug for a in authz.list_role_assignments_for_resource(folder.id).data] == [
        "admin"
    ]
    mine = authz.list_resources_for_membership(
        m.id,
        permission_slug="members:manage",
        parent_resource=ParentResourceByExternalId(
            parent_resource_external_id="f1", parent_resource_type_slug="folder"
        ),
    )
    assert [r.id for r in mine.data] == [doc.id]
    assert authz.update_resource(doc.id, name="Renamed").name == "Renamed"
    assert authz.update_resource_by_external_id(org.id, "folder", "f1", name="F").name == "F"
    assert authz.list_role_assignments_for_resource_by_external_id(org.id, "folder", "f1").data
    assert authz.list_memberships_for_resource_by_external_id(
        org.id, "document", "d1", permission_slug="widgets:read"
    ).data
    with pytest.raises(ConflictError):
        authz.delete_resource(folder.id)  # it has a child
    authz.delete_resource_by_external_id(org.id, "document", "d1")
    authz.delete_resource(folder.id)
    with pytest.raises(NotFoundError):
        authz.get_resource(folder.id)


def test_group_roles_reach_checks_assignments_and_tokens(emu, api, client) -> None:
    from workos.authorization.models import ReplaceGroupRoleAssignmentEntry

    authz, groups = client.authorization, client.groups
    org = client.organizations.create_organization(name="Grp Co")
    user = client.user_management.create_user(email="grp@x.co")
    m = client.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=org.id
    )
    g = groups.create_organization_group(org.id, name="Admins")
    assert groups.update_organization_group(org.id, g.id, name="Admins!").name == "Admins!"
    assert [x.id for x in groups.list_organization_groups(org.id).data] == [g.id]
    assert groups.get_organization_group(org.id, g.id).organization_id == org.id
    groups.create_group_organization_membership(org.id, g.id, organization_membership_id=m.id)
    assert [x.id for x in groups.list_group_organization_memberships(org.id, g.id).data] == [m.id]
    assert [
        x.id for x in client.organization_membership.list_organization_membership_groups(m.id).data
    ] == [g.id]
    made = authz.create_group_role_assignment(g.id, role_slug="admin")
    assert authz.get_group_role_assignment(g.id, made.id).role.slug == "admin"
    target = ResourceTargetById(resource_id=org.id)
    assert authz.check(m.id, permission_slug="members:manage", resource_target=target).authorized
    sources = {a.role.slug: a.source.type for a in authz.list_role_assignments(m.id).data}
    assert sources == {"member": "direct", "admin": "group"}
    claims = jwt.decode(
        sign_in(emu, api, user_id=user.id)["access_token"], options={"verify_signature": False}
    )
    assert "members:manage" in claims["permissions"] and "admin" in claims["roles"]
    assert [a.id for a in authz.list_group_role_assignments(g.id).data] == [made.id]
    replaced = authz.update_group_role_assignments(
        g.id, role_assignments=[ReplaceGroupRoleAssignmentEntry(role_slug="member")]
    )
    assert [a.role.slug for a in replaced.data] == ["member"]
    authz.patch_group_role_assignments(
        g.id, add=[ReplaceGroupRoleAssignmentEntry(role_slug="admin")],
        remove=[ReplaceGroupRoleAssignmentEntry(role_slug="member")],
    )  # fmt: skip
    authz.delete_group_role_assignments(g.id, role_slug="admin")
    assert authz.list_group_role_assignments(g.id).data == []
    again = authz.create_group_role_assignment(g.id, role_slug="admin")
    authz.delete_group_role_assignment(g.id, again.id)
    groups.update_group_organization_memberships(org.id, g.id, remove=[m.id])
    groups.update_group_organization_memberships(org.id, g.id, add=[m.id])
    groups.delete_group_organization_membership(org.id, g.id, m.id)
    groups.delete_organization_group(org.id, g.id)
    with pytest.raises(NotFoundError):
        groups.get_organization_group(org.id, g.id)
