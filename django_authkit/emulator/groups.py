"""Groups of an organization's members, and the roles given to a group.

A group's role assignments count for every member of the group: in access checks,
in the member's listed role assignments (``source: group``) and in the access
token's ``permissions`` claim (organization-wide roles).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator.authz_registry import (
    ORG_TYPE,
    group_assignments,
    groups,
    org_ref,
    ref,
    resource_id,
    resources,
)
from django_authkit.emulator.crud import fields, first_or_404, named_like, renamed, stamped, stamps
from django_authkit.emulator.ids import new_id
from django_authkit.emulator.routing import Request, Response, json_response, list_page, unpaged
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import NotFound

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

BASE = "/organizations/{org}/groups"


def group_api(g: dict[str, Any]) -> dict[str, Any]:
    return {"object": "group", **fields(g, "id", "organization_id", "name", "description"),
            **stamps(g)}  # fmt: skip


def _group(emu: Emulator, group_id: str, org_id: str | None = None) -> dict[str, Any]:
    g = groups(emu.store).get(group_id)
    if g is None or (org_id is not None and g["organization_id"] != org_id):
        raise NotFound("Group", group_id)
    return g


@r.route("GET", BASE)
def list_groups(emu: Emulator, req: Request) -> Response:
    org = emu.store.organization(req.params["org"])
    items = [g for g in groups(emu.store).values() if g["organization_id"] == org.id]
    return list_page(req, named_like(req, items), group_api)


@r.route("POST", BASE)
def create_group(emu: Emulator, req: Request) -> Response:
    org = emu.store.organization(req.params["org"])
    name = req.required("name")
    g: dict[str, Any] = {
        "id": new_id("group"),
        "organization_id": org.id,
        "name": name,
        "description": req.text("description"),
        "members": [],
    }
    groups(emu.store)[g["id"]] = stamped(emu.store, g)
    emu.store.emit("group.created", group_api(g))
    return json_response(group_api(g), 201)


@r.route("GET", f"{BASE}/{{id}}")
def get_group(emu: Emulator, req: Request) -> Response:
    return json_response(group_api(_group(emu, req.params["id"], req.params["org"])))


@r.route("PATCH", f"{BASE}/{{id}}")
def update_group(emu: Emulator, req: Request) -> Response:
    g = _group(emu, req.params["id"], req.params["org"])
    g.update(renamed(req))
    g["updated_at"] = emu.store.now()
    emu.store.emit("group.updated", group_api(g))
    return json_response(group_api(g))


@r.route("DELETE", f"{BASE}/{{id}}")
def delete_group(emu: Emulator, req: Request) -> Response:
    g = _group(emu, req.params["id"], req.params["org"])
    del groups(emu.store)[g["id"]]
    for key in [k for k, a in group_assignments(emu.store).items() if a["group_id"] == g["id"]]:
        del group_assignments(emu.store)[key]
    emu.store.emit("group.deleted", group_api(g))
    return Response(204)


def _member(emu: Emulator, g: dict[str, Any], om_id: str) -> str:
    m = emu.store.membership(om_id)
    if m.organization_id != g["organization_id"]:
        raise NotFound("Organization membership", om_id)
    return m.id


@r.route("GET", f"{BASE}/{{id}}/organization-memberships")
def list_members(emu: Emulator, req: Request) -> Response:
    g = _group(emu, req.params["id"], req.params["org"])
    members = [emu.store.memberships[i] for i in g["members"] if i in emu.store.memberships]
    return list_page(req, members, emu.store.membership_api)


@r.route("POST", f"{BASE}/{{id}}/organization-memberships")
def add_member(emu: Emulator, req: Request) -> Response:
    g = _group(emu, req.params["id"], req.params["org"])
    om_id = _member(emu, g, req.text("organization_membership_id") or "")
    if om_id not in g["members"]:
        g["members"].append(om_id)
        emu.store.emit(
            "group.member_added", {"group_id": g["id"], "organization_membership_id": om_id}
        )
    return json_response(group_api(g), 201)


@r.route("PATCH", f"{BASE}/{{id}}/organization-memberships")
def change_members(emu: Emulator, req: Request) -> Response:
    g = _group(emu, req.params["id"], req.params["org"])
    for om_id in req.field("add") or []:
        member = _member(emu, g, str(om_id))
        if member not in g["members"]:
            g["members"].append(member)
    for om_id in req.field("remove") or []:
        if str(om_id) in g["members"]:
            g["members"].remove(str(om_id))
    return Response(204)


@r.route("DELETE", f"{BASE}/{{id}}/organization-memberships/{{om}}")
def remove_member(emu: Emulator, req: Request) -> Response:
    g = _group(emu, req.params["id"], req.params["org"])
    if req.params["om"] not in g["members"]:
        raise NotFound("Organization membership", req.params["om"])
    g["members"].remove(req.params["om"])
    emu.store.emit(
        "group.member_removed",
        {"group_id": g["id"], "organization_membership_id": req.params["om"]},
    )
    return Response(204)


@r.route("GET", "/user_management/organization_memberships/{id}/groups")
def groups_of_membership(emu: Emulator, req: Request) -> Response:
    m = emu.store.membership(req.params["id"])
    items = [g for g in groups(emu.store).values() if m.id in g["members"]]
    return list_page(req, items, group_api)


# -- group role assignments -----------------------------------------------------------------

ROLES = "/authorization/groups/{id}/role_assignments"


def _resource(emu: Emulator, g: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    org_id = g["organization_id"]
    rid, ext = data.get("resource_id"), data.get("resource_external_id")
    kind = data.get("resource_type_slug") or ORG_TYPE
    if rid is not None and str(rid) != org_id:
        item = resources(emu.store).get(str(rid))
        if item is None or item["organization_id"] != org_id:
            raise NotFound("Resource", str(rid))
        return ref(item)
    if ext is not None and not (kind == ORG_TYPE and str(ext) == org_id):
        return {"id": resource_id(org_id, str(kind), str(ext)), "external_id": str(ext),
                "resource_type_slug": str(kind)}  # fmt: skip
    return org_ref(org_id)


def assignment_api(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "group_role_assignment",
        **fields(a, "id", "group_id"),
        "role": {"slug": a["role_slug"]},
        "resource": dict(a["resource"]),
        **stamps(a),
    }


def _assign(emu: Emulator, g: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    slug = str(data.get("role_slug") or "")
    role = emu.store.roles.get(slug)
    if role is None or role.organization_id not in (None, g["organization_id"]):
        raise NotFound("Role", slug)
    resource = _resource(emu, g, data)
    for a in group_assignments(emu.store).values():
        if (
            a["group_id"] == g["id"]
            and a["role_slug"] == slug
            and a["resource"]["id"] == resource["id"]
        ):
            return a
    a = {"id": new_id("group_role_assignment"), "group_id": g["id"], "role_slug": slug,
         "resource": resource}  # fmt: skip
    group_assignments(emu.store)[a["id"]] = stamped(emu.store, a)
    return a


def _unassign(emu: Emulator, g: dict[str, Any], data: dict[str, Any]) -> bool:
    resource = _resource(emu, g, data)
    for key, a in list(group_assignments(emu.store).items()):
        if (
            a["group_id"] == g["id"]
            and a["role_slug"] == data.get("role_slug")
            and a["resource"]["id"] == resource["id"]
        ):
            del group_assignments(emu.store)[key]
            return True
    return False


def _of(emu: Emulator, g: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in group_assignments(emu.store).values() if a["group_id"] == g["id"]]


@r.route("GET", ROLES)
def list_group_roles(emu: Emulator, req: Request) -> Response:
    return list_page(req, _of(emu, _group(emu, req.params["id"])), assignment_api)


@r.route("POST", ROLES)
def create_group_role(emu: Emulator, req: Request) -> Response:
    return json_response(assignment_api(_assign(emu, _group(emu, req.params["id"]), req.body)), 201)


@r.route("PUT", ROLES)
def replace_group_roles(emu: Emulator, req: Request) -> Response:
    g = _group(emu, req.params["id"])
    entries = req.field("role_assignments")
    if not isinstance(entries, list):
        raise ValueError("role_assignments must be a list")
    for a in _of(emu, g):
        del group_assignments(emu.store)[a["id"]]
    return unpaged([assignment_api(_assign(emu, g, dict(e))) for e in entries])


@r.route("PATCH", ROLES)
def patch_group_roles(emu: Emulator, req: Request) -> Response:
    g = _group(emu, req.params["id"])
    for entry in req.field("add") or []:
        _assign(emu, g, dict(entry))
    for entry in req.field("remove") or []:
        _unassign(emu, g, dict(entry))
    return Response(204)


@r.route("DELETE", ROLES)
def delete_group_roles(emu: Emulator, req: Request) -> Response:
    g = _group(emu, req.params["id"])
    if not _unassign(emu, g, req.body):
        raise NotFound("Group role assignment", str(req.text("role_slug")))
    return Response(204)


def _one(emu: Emulator, req: Request) -> dict[str, Any]:
    """The group's role assignment named in the path."""
    wanted = req.params["assignment"]
    found = (a for a in _of(emu, _group(emu, req.params["id"])) if a["id"] == wanted)
    return first_or_404(found, "Group role assignment", wanted)


@r.route("GET", f"{ROLES}/{{assignment}}")
def get_group_role(emu: Emulator, req: Request) -> Response:
    return json_response(assignment_api(_one(emu, req)))


@r.route("DELETE", f"{ROLES}/{{assignment}}")
def delete_group_role(emu: Emulator, req: Request) -> Response:
    del group_assignments(emu.store)[_one(emu, req)["id"]]
    return Response(204)
