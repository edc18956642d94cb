"""Directory Sync (§10), read-only: directories, their users and groups, from the seed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator.crud import get_or_404, named_like, pop_or_404, seeded, where
from django_authkit.emulator.ids import iso_now, stable_id, token
from django_authkit.emulator.routing import Request, Response, json_response, list_page
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import normalize_email

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator


DIR = "directory_id"


def _table(emu: Emulator, name: str) -> dict[str, dict[str, Any]]:
    return emu.store.table(name)


def _group_api(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group.items() if not k.startswith("_")}


def _user_api(emu: Emulator, user: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in user.items() if not k.startswith("_")}
    groups = _table(emu, "directory_groups")
    data["groups"] = [_group_api(groups[g]) for g in user["_groups"] if g in groups]
    return data


def seed_directory(emu: Emulator, spec: dict[str, Any]) -> dict[str, Any]:
    """Create a directory with its groups and users from a seed entry."""
    store = emu.store
    org, base = seeded(store, spec, "directory", "directory")
    now = iso_now(store.now())
    directory: dict[str, Any] = {
        **base,
        "external_key": token(12),
        "type": spec.get("type") or "generic scim v2.0",
        "state": spec.get("state") or "linked",
        "name": spec.get("name") or f"{org.name} directory",
        "domain": spec.get("domain") or (org.domains[0].domain if org.domains else None),
        "created_at": now,
        "updated_at": now,
    }
    _table(emu, "directories")[directory["id"]] = directory
    by_name: dict[str, str] = {}
    for g in spec.get("groups", []):
        group = {
            "object": "directory_group",
            "id": g.get("id") or stable_id("directory_group", directory["id"], g["name"]),
            "idp_id": stable_id("idp", directory["id"], g["name"])[4:16].lower(),
            "directory_id": directory["id"],
            "organization_id": org.id,
            "name": g["name"],
            "raw_attributes": {},
            "created_at": now,
            "updated_at": now,
        }
        _table(emu, "directory_groups")[group["id"]] = group
        by_name[group["name"]] = group["id"]
    for u in spec.get("users", []):
        email = normalize_email(u["email"])
        user: dict[str, Any] = {
            "object": "directory_user",
            "id": u.get("id") or stable_id("directory_user", directory["id"], email),
            "directory_id": directory["id"],
            "organization_id": org.id,
            "idp_id": stable_id("idp", directory["id"], email)[4:16].lower(),
            "email": email,
            "emails": [{"primary": True, "type": "work", "value": email}],
            "first_name": u.get("first_name"),
            "last_name": u.get("last_name"),
            "username": email,
            "state": u.get("state") or "active",
            "custom_attributes": dict(u.get("custom_attributes") or {}),
            "raw_attributes": {},
            "created_at": now,
            "updated_at": now,
            "_groups": [by_name.get(n, n) for n in u.get("groups", [])],
        }
        if u.get("role"):
            user["role"] = {"slug": u["role"]}
        _table(emu, "directory_users")[user["id"]] = user
    return directory


@r.route("GET", "/directories")
def list_directories(emu: Emulator, req: Request) -> Response:
    items = where(req, list(_table(emu, "directories").values()), "organization_id", "domain")
    return list_page(req, named_like(req, items))


@r.route("GET", "/directories/{id}")
def get_directory(emu: Emulator, req: Request) -> Response:
    return json_response(get_or_404(_table(emu, "directories"), req.params["id"], "Directory"))


@r.route("DELETE", "/directories/{id}")
def delete_directory(emu: Emulator, req: Request) -> Response:
    directory = pop_or_404(_table(emu, "directories"), req.params["id"], "Directory")
    for name in ("directory_users", "directory_groups"):
        table = _table(emu, name)
        for key in [k for k, v in table.items() if v["directory_id"] == directory["id"]]:
            del table[key]
    emu.store.emit("dsync.deleted", {**directory, "state": "deleting"})
    return Response(204)


@r.route("GET", "/directory_users")
def list_directory_users(emu: Emulator, req: Request) -> Response:
    items = where(req, list(_table(emu, "directory_users").values()), "email", directory=DIR)
    if req.arg("group"):
        items = [u for u in items if req.arg("group") in u["_groups"]]
    return list_page(req, items, lambda u: _user_api(emu, u))


@r.route("GET", "/directory_users/{id}")
def get_directory_user(emu: Emulator, req: Request) -> Response:
    user = get_or_404(_table(emu, "directory_users"), req.params["id"], "Directory user")
    return json_response(_user_api(emu, user))


@r.route("GET", "/directory_groups")
def list_directory_groups(emu: Emulator, req: Request) -> Response:
    items = where(req, list(_table(emu, "directory_groups").values()), directory=DIR)
    if req.arg("user"):
        user = _table(emu, "directory_users").get(req.arg("user") or "")
        items = [g for g in items if user is not None and g["id"] in user["_groups"]]
    return list_page(req, items, _group_api)


@r.route("GET", "/directory_groups/{id}")
def get_directory_group(emu: Emulator, req: Request) -> Response:
    group = get_or_404(_table(emu, "directory_groups"), req.params["id"], "Directory group")
    return json_response(_group_api(group))
