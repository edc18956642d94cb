"""Authorization resources (FGA): the registry, and who holds what on a resource.

Resources live in an organization, have a type and an external id, and may have a
parent; roles assigned on a parent count on its children in checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator.authorization_checks import (
    assignment_api,
    assignments_of,
    permissions_on,
)
from django_authkit.emulator.authz_registry import ancestors, ref, resource_id, resources
from django_authkit.emulator.crud import fields, get_or_404, renamed, stamped, stamps, where
from django_authkit.emulator.routing import Request, Response, error, json_response, list_page
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import Conflict, NotFound

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

BY_EXTERNAL = "/authorization/organizations/{org}/resources/{kind}/{external}"


FIELDS = ("id", "external_id", "name", "description", "resource_type_slug", "organization_id",
          "parent_resource_id")  # fmt: skip


def resource_api(item: dict[str, Any]) -> dict[str, Any]:
    return {"object": "authorization_resource", **fields(item, *FIELDS), **stamps(item)}


def _get(emu: Emulator, rid: str) -> dict[str, Any]:
    return get_or_404(resources(emu.store), rid, "Resource")


def _by_id(emu: Emulator, req: Request) -> dict[str, Any]:
    return _get(emu, req.params["id"])


def _by_external(emu: Emulator, req: Request) -> dict[str, Any]:
    emu.store.organization(req.params["org"])
    return _get(emu, resource_id(req.params["org"], req.params["kind"], req.params["external"]))


# Each route on one resource is served by its id and by (organization, type, external id).
RESOURCE = (("/authorization/resources/{id}", _by_id), (BY_EXTERNAL, _by_external))


def _parent(emu: Emulator, org_id: str, data: dict[str, Any]) -> str | None:
    if data.get("parent_resource_id"):
        parent = _get(emu, str(data["parent_resource_id"]))
    elif data.get("parent_resource_external_id"):
        kind = str(data.get("parent_resource_type_slug") or "")
        parent = _get(emu, resource_id(org_id, kind, str(data["parent_resource_external_id"])))
    else:
        return None
    if parent["organization_id"] != org_id:
        raise NotFound("Resource", parent["id"])
    return str(parent["id"])


@r.route("POST", "/authorization/resources")
def create_resource(emu: Emulator, req: Request) -> Response:
    org = emu.store.organization(req.text("organization_id") or "")
    kind, external, name = req.required_all("resource_type_slug", "external_id", "name")
    rid = resource_id(org.id, kind, external)
    if rid in resources(emu.store):
        raise Conflict("A resource with this external_id already exists.", "conflict")
    item = {
        "id": rid,
        "external_id": external,
        "name": name,
        "description": req.text("description"),
        "resource_type_slug": kind,
        "organization_id": org.id,
        "parent_resource_id": _parent(emu, org.id, req.body),
    }
    resources(emu.store)[rid] = stamped(emu.store, item)
    return json_response(resource_api(item), 201)


@r.route("GET", "/authorization/resources")
def list_resources(emu: Emulator, req: Request) -> Response:
    items = list(resources(emu.store).values())
    names = ("organization_id", "resource_type_slug", "parent_resource_id")
    items = where(req, items, *names, resource_external_id="external_id")
    if req.arg("parent_external_id"):  # the SDK's name here (elsewhere: parent_resource_...)
        kinds = req.arg("parent_resource_type_slug")
        items = [
            i
            for i in items
            if i["parent_resource_id"]
            and resources(emu.store)[i["parent_resource_id"]]["external_id"]
            == req.arg("parent_external_id")
            and (
                not kinds
                or resources(emu.store)[i["parent_resource_id"]]["resource_type_slug"] == kinds
            )
        ]
    return list_page(req, items, resource_api)


@r.each("GET", RESOURCE)
def get_resource(emu: Emulator, req: Request, item: dict[str, Any]) -> Response:
    return json_response(resource_api(item))


@r.each("PATCH", RESOURCE)
def update_resource(emu: Emulator, req: Request, item: dict[str, Any]) -> Response:
    item.update(renamed(req))
    parent = _parent(emu, item["organization_id"], req.body)
    if parent is not None:
        if item["id"] in {a["id"] for a in ancestors(emu.store, {"id": parent})}:
            return error(422, "A resource cannot be its own ancestor.", "invalid_parent")
        item["parent_resource_id"] = parent
    item["updated_at"] = emu.store.now()
    return json_response(resource_api(item))


@r.each("DELETE", RESOURCE)
def delete_resource(emu: Emulator, req: Request, item: dict[str, Any]) -> Response:
    children = [i for i in resources(emu.store).values() if i["parent_resource_id"] == item["id"]]
    cascade = (req.arg("cascade_delete") or "").lower() == "true"
    if children and not cascade:
        return error(
            409, "The resource has children; pass cascade_delete.", "resource_has_children"
        )
    for child in children:
        delete_resource(emu, req, child)
    del resources(emu.store)[item["id"]]
    assignments = emu.store.extra.get("role_assignments", {})
    for key in [k for k, a in assignments.items() if a["resource"]["id"] == item["id"]]:
        del assignments[key]
    return Response(204)


@r.each("GET", RESOURCE, "/role_assignments")
def role_assignments_on(emu: Emulator, req: Request, item: dict[str, Any]) -> Response:
    members = [
        m for m in emu.store.memberships.values() if m.organization_id == item["organization_id"]
    ]
    found = [
        a
        for m in members
        for a in assignments_of(emu, m)
        if a["resource"]["id"] == item["id"]
        and (not req.arg("role_slug") or a["role_slug"] == req.arg("role_slug"))
    ]
    return list_page(req, found, assignment_api)


@r.each("GET", RESOURCE, "/organization_memberships")
def members_with(emu: Emulator, req: Request, item: dict[str, Any]) -> Response:
    """Members holding ``permission_slug`` on the resource (``assignment=direct``: on it)."""
    perm = req.required("permission_slug", query=True)
    direct = req.arg("assignment") == "direct"
    store = emu.store
    found = []
    for m in store.memberships.values():
        if m.organization_id != item["organization_id"]:
            continue
        if direct:
            slugs = [
                a["role_slug"] for a in assignments_of(emu, m) if a["resource"]["id"] == item["id"]
            ]
            allowed = m.status == "active" and perm in store.permissions_for(slugs)
        else:
            allowed = perm in permissions_on(emu, m, ref(item))
        if allowed:
            found.append(m)
    return list_page(req, found, store.membership_api)


@r.route("GET", "/authorization/organization_memberships/{id}/resources")
def resources_for_membership(emu: Emulator, req: Request) -> Response:
    """The member's resources (under a parent) on which they hold ``permission_slug``."""
    m = emu.store.membership(req.params["id"])
    perm = req.required("permission_slug", query=True)
    names = ("parent_resource_id", "parent_resource_type_slug", "parent_resource_external_id")
    parent = _parent(emu, m.organization_id, {k: req.arg(k) for k in names})
    items = [
        i
        for i in resources(emu.store).values()
        if i["organization_id"] == m.organization_id
        and (parent is None or i["parent_resource_id"] == parent)
        and perm in permissions_on(emu, m, ref(i))
    ]
    return list_page(req, items, resource_api)
