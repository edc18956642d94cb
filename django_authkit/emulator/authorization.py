"""Authorization (RBAC): roles, permissions, role assignments and access checks.

The roles are the store's own catalog, so a role created here can be given to a
membership (``/user_management/organization_memberships``) and its permissions
appear in the access token's ``permissions`` claim. Role assignments on the
organization itself *are* the membership's roles; assignments on other resources
(named by ``resource_external_id`` + ``resource_type_slug``) are kept beside them
and count for checks on that resource only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator.crud import fields, get_or_404, renamed, stamped, stamps
from django_authkit.emulator.ids import iso_now, new_id, stable_id
from django_authkit.emulator.models import Role
from django_authkit.emulator.routing import Request, Response, error, json_response, list_page
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import Conflict, NotFound

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

ORG_TYPE = "organization"
ORG_ROLE = "/authorization/organizations/{org}/roles/{slug}"


# -- permissions -----------------------------------------------------------------------------


def catalog(emu: Emulator) -> dict[str, dict[str, Any]]:
    """Every permission: created ones, and those roles name (made on first sight)."""
    perms = emu.store.table("permissions")
    for role in emu.store.roles.values():
        for slug in role.permissions:
            if slug not in perms:
                made = dict(id=stable_id("perm", slug), slug=slug, name=slug, description=None)
                perms[slug] = stamped(emu.store, made)
    return perms


def permission_api(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "permission",
        **fields(p, "id", "slug", "name", "description"),
        "system": False,
        "resource_type_slug": ORG_TYPE,
        **stamps(p),
    }


def _permission(emu: Emulator, slug: str) -> dict[str, Any]:
    return get_or_404(catalog(emu), slug, "Permission")


def text_field(req: Request, name: str = "slug") -> str:
    """A required body field, refused as ``Invalid request: <name> is required`` (422)."""
    value = req.text(name)
    if not value:
        raise ValueError(f"{name} is required")
    return value


@r.route("GET", "/authorization/permissions")
def list_permissions(emu: Emulator, req: Request) -> Response:
    items = sorted(catalog(emu).values(), key=lambda p: (p["created_at"], p["slug"]))
    return list_page(req, items, permission_api)


@r.route("POST", "/authorization/permissions")
def create_permission(emu: Emulator, req: Request) -> Response:
    slug = text_field(req)
    if slug in catalog(emu):
        raise Conflict(f"A permission with slug '{slug}' already exists.", "conflict")
    perm = {
        "id": new_id("perm"),
        "slug": slug,
        "name": req.text("name") or slug,
        "description": req.text("description"),
    }
    catalog(emu)[slug] = stamped(emu.store, perm)
    emu.store.emit("permission.created", permission_api(perm))
    return json_response(permission_api(perm), 201)


@r.route("GET", "/authorization/permissions/{slug}")
def get_permission(emu: Emulator, req: Request) -> Response:
    return json_response(permission_api(_permission(emu, req.params["slug"])))


@r.route("PATCH", "/authorization/permissions/{slug}")
def update_permission(emu: Emulator, req: Request) -> Response:
    perm = _permission(emu, req.params["slug"])
    perm.update(renamed(req))
    perm["updated_at"] = emu.store.now()
    emu.store.emit("permission.updated", permission_api(perm))
    return json_response(permission_api(perm))


@r.route("DELETE", "/authorization/permissions/{slug}")
def delete_permission(emu: Emulator, req: Request) -> Response:
    perm = _permission(emu, req.params["slug"])
    del catalog(emu)[perm["slug"]]
    for role in emu.store.roles.values():
        if perm["slug"] in role.permissions:
            role.permissions.remove(perm["slug"])
    emu.store.emit("permission.deleted", permission_api(perm))
    return Response(204)


# -- roles -----------------------------------------------------------------------------------


def role_api(role: Role) -> dict[str, Any]:
    return {
        "object": "role",
        "id": stable_id("role", role.organization_id or "", role.slug),
        "slug": role.slug,
        "name": role.name,
        "description": role.description,
        "type": "OrganizationRole" if role.organization_id else "EnvironmentRole",
        "resource_type_slug": ORG_TYPE,
        "permissions": list(role.permissions),
        "created_at": iso_now(role.created_at),
        "updated_at": iso_now(role.updated_at),
    }


def _role(emu: Emulator, slug: str, org_id: str | None = None) -> Role:
    role = emu.store.roles.get(slug)
    if role is None or role.organization_id != org_id:
        raise NotFound("Role", slug)
    return role


def _checked_permissions(emu: Emulator, slugs: Any) -> list[str]:
    if not isinstance(slugs, list):
        raise ValueError("permissions must be a list of slugs")
    unknown = sorted({str(s) for s in slugs} - set(catalog(emu)))
    if unknown:
        raise NotFound("Permission", ", ".join(unknown))
    return list(dict.fromkeys(str(s) for s in slugs))


def _new_role(emu: Emulator, req: Request, org_id: str | None) -> Response:
    name = text_field(req, "name")
    slug = req.text("slug") or name.strip().lower().replace(" ", "-")
    if org_id is not None:
        emu.store.organization(org_id)
        if not slug.startswith("org-"):
            slug = f"org-{slug}"  # WorkOS prefixes organization role slugs
    if slug in emu.store.roles:
        raise Conflict(f"A role with slug '{slug}' already exists.", "conflict")
    now = emu.store.now()
    role = Role(slug, name, [], req.text("description"), org_id, now, now)
    emu.store.roles[slug] = role
    emu.store.custom_roles = True
    emu.store.emit("organization_role.created" if org_id else "role.created", role_api(role))
    return json_response(role_api(role), 201)


def _touch(emu: Emulator, role: Role) -> Response:
    role.updated_at = emu.store.now()
    kind = "organization_role" if role.organization_id else "role"
    emu.store.emit(f"{kind}.updated", role_api(role))
    return json_response(role_api(role))


def _roles_of(emu: Emulator, org_id: str | None) -> Response:
    roles = [
        role
        for role in emu.store.roles.values()
        if role.organization_id is None or role.organization_id == org_id
    ]
    return json_response({"object": "list", "data": [role_api(role) for role in roles]})


@r.route("GET", "/authorization/roles")
def list_environment_roles(emu: Emulator, req: Request) -> Response:
    return _roles_of(emu, None)


@r.route("POST", "/authorization/roles")
def create_environment_role(emu: Emulator, req: Request) -> Response:
    return _new_role(emu, req, None)


@r.route("GET", "/authorization/organizations/{org}/roles")
def list_organization_roles(emu: Emulator, req: Request) -> Response:
    emu.store.organization(req.params["org"])
    return _roles_of(emu, req.params["org"])


@r.route("POST", "/authorization/organizations/{org}/roles")
def create_organization_role(emu: Emulator, req: Request) -> Response:
    return _new_role(emu, req, req.params["org"])


# An environment role and an organization's own role are read and changed alike.
ROLE = (
    ("/authorization/roles/{slug}", lambda emu, req: _role(emu, req.params["slug"])),
    (ORG_ROLE, lambda emu, req: _role(emu, req.params["slug"], req.params["org"])),
)


@r.each("GET", ROLE)
def get_role(emu: Emulator, req: Request, role: Role) -> Response:
    return json_response(role_api(role))


@r.each("PATCH", ROLE)
def update_role(emu: Emulator, req: Request, role: Role) -> Response:
    for key, value in renamed(req).items():
        setattr(role, key, value)
    return _touch(emu, role)


@r.each("PUT", ROLE, "/permissions")
def set_role_permissions(emu: Emulator, req: Request, role: Role) -> Response:
    role.permissions = _checked_permissions(emu, req.field("permissions"))
    return _touch(emu, role)


@r.each("POST", ROLE, "/permissions")
def add_role_permission(emu: Emulator, req: Request, role: Role) -> Response:
    slug = text_field(req)
    _permission(emu, slug)
    if slug not in role.permissions:
        role.permissions.append(slug)
    return _touch(emu, role)


@r.route("DELETE", ORG_ROLE)
def delete_organization_role(emu: Emulator, req: Request) -> Response:
    role = _role(emu, req.params["slug"], req.params["org"])
    if any(role.slug in m.roles for m in emu.store.memberships.values()):
        return error(409, "The role is assigned to members of the organization.", "role_in_use")
    del emu.store.roles[role.slug]
    emu.store.emit("organization_role.deleted", role_api(role))
    return Response(204)


@r.route("DELETE", f"{ORG_ROLE}/permissions/{{perm}}")
def remove_organization_role_permission(emu: Emulator, req: Request) -> Response:
    role = _role(emu, req.params["slug"], req.params["org"])
    if req.params["perm"] not in role.permissions:
        raise NotFound("Permission", req.params["perm"])
    role.permissions.remove(req.params["perm"])
    _touch(emu, role)
    return Response(204)
