"""Role assignments of a membership, access checks and effective permissions.

An assignment on the organization itself is one of the membership's roles (what
``organization_memberships`` and the access token show); an assignment on another
resource is kept beside it and counts for that resource only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator.authorization import ORG_TYPE, catalog, permission_api, text_field
from django_authkit.emulator.authz_registry import (
    ancestors,
    group_roles,
    groups_of,
    org_ref,
    ref,
    resource_id,
    resources,
)
from django_authkit.emulator.crud import stamped, stamps
from django_authkit.emulator.ids import new_id, stable_id
from django_authkit.emulator.models import Membership
from django_authkit.emulator.routing import Request, Response, json_response, list_page
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import Conflict, NotFound

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

BASE = "/authorization/organization_memberships/{id}"


def _assignments(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.table("role_assignments")


def _target(emu: Emulator, m: Membership, data: dict[str, Any]) -> dict[str, Any]:
    """The resource a request names: the membership's organization unless told otherwise."""
    rid, ext = data.get("resource_id"), data.get("resource_external_id")
    kind = data.get("resource_type_slug") or ORG_TYPE
    if rid is not None:
        if str(rid) == m.organization_id:
            return org_ref(m.organization_id)
        item = resources(emu.store).get(str(rid))
        if item is None or item["organization_id"] != m.organization_id:
            raise NotFound("Resource", str(rid))
        return ref(item)
    if ext is None or (kind == ORG_TYPE and str(ext) == m.organization_id):
        return org_ref(m.organization_id)
    return {
        "id": resource_id(m.organization_id, str(kind), str(ext)),
        "external_id": str(ext),
        "resource_type_slug": str(kind),
    }


def _org_assignment(m: Membership, slug: str) -> dict[str, Any]:
    return {
        "id": stable_id("role_assignment", m.id, slug),
        "membership_id": m.id,
        "role_slug": slug,
        "resource": {
            "id": m.organization_id,
            "external_id": m.organization_id,
            "resource_type_slug": ORG_TYPE,
        },
        "created_at": m.created_at,
        "updated_at": m.updated_at,
    }


def assignments_of(emu: Emulator, m: Membership) -> list[dict[str, Any]]:
    """Direct assignments (the membership's roles, then others), then those via groups."""
    extra = [a for a in _assignments(emu).values() if a["membership_id"] == m.id]
    names = {g["id"]: g["name"] for g in groups_of(emu.store, m.id)}
    via_groups = [
        {**a, "membership_id": m.id, "group": {"id": a["group_id"], "name": names[a["group_id"]]}}
        for a in group_roles(emu.store, m.id)
    ]
    return [_org_assignment(m, slug) for slug in m.roles] + extra + via_groups


def assignment_api(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "role_assignment",
        "id": a["id"],
        "organization_membership_id": a["membership_id"],
        "role": {"slug": a["role_slug"]},
        "resource": dict(a["resource"]),
        "source": (
            {"type": "group", "group_role_assignment_id": a["id"], "group": a["group"]}
            if "group" in a
            else {"type": "direct", "group_role_assignment_id": None, "group": None}
        ),
        **stamps(a),
    }


def permissions_on(emu: Emulator, m: Membership, resource: dict[str, Any]) -> list[str]:
    """What the member may do on ``resource``: organization roles apply everywhere."""
    if m.status != "active":
        return []
    above = {r["id"] for r in ancestors(emu.store, resource)}
    slugs = [
        a["role_slug"]
        for a in assignments_of(emu, m)
        if a["resource"]["resource_type_slug"] == ORG_TYPE or a["resource"]["id"] in above
    ]
    return emu.store.permissions_for(slugs)


@r.route("GET", f"{BASE}/role_assignments")
def list_role_assignments(emu: Emulator, req: Request) -> Response:
    m = emu.store.membership(req.params["id"])
    items = assignments_of(emu, m)
    if req.arg("resource_id") or req.arg("resource_external_id"):
        wanted = _target(
            emu,
            m,
            {k: req.arg(k) for k in ("resource_id", "resource_external_id", "resource_type_slug")},
        )
        items = [a for a in items if a["resource"]["id"] == wanted["id"]]
    return list_page(req, items, assignment_api)


@r.route("POST", f"{BASE}/role_assignments")
def assign_role(emu: Emulator, req: Request) -> Response:
    store = emu.store
    m = store.membership(req.params["id"])
    slug = req.text("role_slug") or ""
    role = store.roles.get(slug)
    if role is None or role.organization_id not in (None, m.organization_id):
        raise NotFound("Role", slug)
    resource = _target(emu, m, req.body)
    if resource["resource_type_slug"] == ORG_TYPE:
        if slug not in m.roles:
            m.roles.append(slug)
            store.touch_membership(m)
        return json_response(assignment_api(_org_assignment(m, slug)), 201)
    for a in assignments_of(emu, m):
        if a["role_slug"] == slug and a["resource"]["id"] == resource["id"]:
            return json_response(assignment_api(a), 201)
    a = {"id": new_id("role_assignment"), "membership_id": m.id, "role_slug": slug,
         "resource": resource}  # fmt: skip
    _assignments(emu)[a["id"]] = stamped(store, a)
    return json_response(assignment_api(a), 201)


def _remove(emu: Emulator, m: Membership, a: dict[str, Any]) -> Response:
    if "group" in a:
        raise Conflict("The role comes from a group: change the group instead.", "conflict")
    if a["id"] in _assignments(emu):
        del _assignments(emu)[a["id"]]
    else:
        m.roles.remove(a["role_slug"])
        emu.store.touch_membership(m)
    return Response(204)


@r.route("DELETE", f"{BASE}/role_assignments")
def remove_role(emu: Emulator, req: Request) -> Response:
    m = emu.store.membership(req.params["id"])
    resource = _target(emu, m, req.body)
    for a in assignments_of(emu, m):
        if a["role_slug"] == req.text("role_slug") and a["resource"]["id"] == resource["id"]:
            return _remove(emu, m, a)
    raise NotFound("Role assignment", str(req.text("role_slug")))


@r.route("DELETE", f"{BASE}/role_assignments/{{assignment}}")
def remove_role_assignment(emu: Emulator, req: Request) -> Response:
    m = emu.store.membership(req.params["id"])
    for a in assignments_of(emu, m):
        if a["id"] == req.params["assignment"]:
            return _remove(emu, m, a)
    raise NotFound("Role assignment", req.params["assignment"])


@r.route("POST", f"{BASE}/check")
def check(emu: Emulator, req: Request) -> Response:
    m = emu.store.membership(req.params["id"])
    slug = text_field(req, "permission_slug")
    allowed = slug in permissions_on(emu, m, _target(emu, m, req.body))
    return json_response({"authorized": allowed})


def _effective(emu: Emulator, req: Request, m: Membership, target: dict[str, Any]) -> Response:
    perms = catalog(emu)
    items = [perms[s] for s in permissions_on(emu, m, target) if s in perms]
    return list_page(req, items, permission_api)


@r.route("GET", f"{BASE}/resources/{{resource}}/permissions")
def effective_permissions(emu: Emulator, req: Request) -> Response:
    m = emu.store.membership(req.params["id"])
    return _effective(emu, req, m, _target(emu, m, {"resource_id": req.params["resource"]}))


@r.route("GET", f"{BASE}/resources/{{kind}}/{{external}}/permissions")
def effective_permissions_by_external_id(emu: Emulator, req: Request) -> Response:
    m = emu.store.membership(req.params["id"])
    target = {
        "resource_type_slug": req.params["kind"],
        "resource_external_id": req.params["external"],
    }
    return _effective(emu, req, m, _target(emu, m, target))
