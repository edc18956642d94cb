"""API keys your customers hold (``/organizations/{id}/api_keys``, ``/api_keys``).

These are keys the *application* hands out and checks with ``POST /api_keys/validations``,
not WorkOS API keys: they never authenticate calls to the emulator itself. The shapes are
the official Python SDK's (``workos.api_keys``): it posts ``{"value"}`` to validate and
reads ``{"api_key": ApiKey | null}`` back (WorkOS's Node emulator posts ``{"key"}`` and
answers ``{"valid"}``; the SDK wins).
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django_authkit.emulator.crud import get_or_404, stamps
from django_authkit.emulator.ids import iso, new_id, token
from django_authkit.emulator.routing import (
    Request,
    Response,
    error,
    invalid,
    json_response,
    list_page,
)
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator


def _keys(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.table("api_keys")


def known_permissions(emu: Emulator) -> set[str]:
    """Every permission slug the environment knows: role permissions and created ones."""
    perms = {p for role in emu.store.roles.values() for p in role.permissions}
    perms.update(emu.store.extra.get("permissions", {}))
    return perms


def _timestamp(value: Any) -> float | None:
    """An ISO-8601 ``expires_at`` as epoch seconds; ValueError (-> 422) when unreadable."""
    if value is None:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


def api_key_api(key: dict[str, Any], *, with_value: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "object": "api_key",
        "id": key["id"],
        "owner": dict(key["owner"]),
        "name": key["name"],
        "obfuscated_value": f"sk_...{key['value'][-4:]}",
        "last_used_at": iso(key["last_used_at"]),
        "expires_at": iso(key["expires_at"]),
        "permissions": list(key["permissions"]),
        **stamps(key),
    }
    if with_value:
        data["value"] = key["value"]
    return data


def _create(emu: Emulator, req: Request, owner: dict[str, Any]) -> Response:
    name = req.text("name")
    if not name:
        raise invalid("Validation failed.", "name")
    perms = req.field("permissions") or []
    if not isinstance(perms, list):
        raise ValueError("permissions must be a list")
    unknown = sorted({str(p) for p in perms} - known_permissions(emu))
    if unknown:
        message = f"Unknown permission(s): {', '.join(unknown)}"
        raise invalid(message, "permissions", "permission_not_found")
    now = emu.store.now()
    expires_at = _timestamp(req.field("expires_at"))
    if expires_at is not None and expires_at <= now:
        raise invalid("expires_at must be in the future.")
    key: dict[str, Any] = {
        "id": new_id("api_key"),
        "owner": owner,
        "name": name,
        "value": f"sk_{token(30)}",
        "permissions": [str(p) for p in perms],
        "last_used_at": None,
        "expires_at": expires_at,
        "created_at": now,
        "updated_at": now,
    }
    _keys(emu)[key["id"]] = key
    emu.store.emit("api_key.created", api_key_api(key))
    return json_response(api_key_api(key, with_value=True), 201)


def _list(emu: Emulator, req: Request, owner: dict[str, Any]) -> Response:
    return list_page(req, [k for k in _keys(emu).values() if k["owner"] == owner], api_key_api)


def _org_owner(emu: Emulator, org_id: str) -> dict[str, Any]:
    emu.store.organization(org_id)
    return {"type": "organization", "id": org_id}


@r.route("GET", "/organizations/{id}/api_keys")
def list_organization_keys(emu: Emulator, req: Request) -> Response:
    return _list(emu, req, _org_owner(emu, req.params["id"]))


@r.route("POST", "/organizations/{id}/api_keys")
def create_organization_key(emu: Emulator, req: Request) -> Response:
    return _create(emu, req, _org_owner(emu, req.params["id"]))


def _user_owner(emu: Emulator, user_id: str, org_id: str | None) -> dict[str, Any]:
    emu.store.user(user_id)
    return {"type": "user", "id": user_id, "organization_id": org_id}


@r.route("GET", "/user_management/users/{id}/api_keys")
def list_user_keys(emu: Emulator, req: Request) -> Response:
    user_id = req.params["id"]
    emu.store.user(user_id)
    items = [k for k in _keys(emu).values() if k["owner"].get("id") == user_id]
    org_id = req.arg("organization_id")
    if org_id:
        items = [k for k in items if k["owner"].get("organization_id") == org_id]
    return list_page(req, items, api_key_api)


@r.route("POST", "/user_management/users/{id}/api_keys")
def create_user_key(emu: Emulator, req: Request) -> Response:
    org_id = req.required("organization_id")
    owner = _user_owner(emu, req.params["id"], org_id)
    membership = emu.store.membership_for(req.params["id"], org_id)
    if membership is None or membership.status != "active":
        return error(
            400,
            "The user has no active membership in this organization.",
            "organization_membership_not_found",
        )
    return _create(emu, req, owner)


def find_valid(emu: Emulator, value: str) -> dict[str, Any] | None:
    """The live key whose secret is ``value`` (constant-time compare), or None."""
    now = emu.store.now()
    found = None
    for key in _keys(emu).values():
        if hmac.compare_digest(key["value"].encode(), value.encode()):
            found = key
    if found is None or (found["expires_at"] is not None and found["expires_at"] <= now):
        return None
    return found


@r.route("POST", "/api_keys/validations")
def validate(emu: Emulator, req: Request) -> Response:
    value = req.text("value") or req.text("key")
    if not value:
        raise invalid("Validation failed.", "value")
    key = find_valid(emu, value)
    if key is None:
        return json_response({"api_key": None})
    key["last_used_at"] = emu.store.now()
    return json_response({"api_key": api_key_api(key)})


def _key(emu: Emulator, key_id: str) -> dict[str, Any]:
    return get_or_404(_keys(emu), key_id, "API key")


@r.route("DELETE", "/api_keys/{id}")
def delete_key(emu: Emulator, req: Request) -> Response:
    key = _key(emu, req.params["id"])
    del _keys(emu)[key["id"]]
    emu.store.emit("api_key.revoked", api_key_api(key))
    return Response(204)


@r.route("POST", "/api_keys/{id}/expire")
def expire_key(emu: Emulator, req: Request) -> Response:
    """Expire now (no ``expires_at`` or a past one), later, or clear a schedule (null)."""
    key = _key(emu, req.params["id"])
    now = emu.store.now()
    if key["expires_at"] is not None and key["expires_at"] <= now:
        return error(409, "The API key has already expired.", "api_key_already_expired")
    if "expires_at" in req.body and req.body["expires_at"] is None:
        key["expires_at"] = None
    else:
        when = _timestamp(req.field("expires_at"))
        key["expires_at"] = now if when is None or when <= now else when
    key["updated_at"] = now
    emu.store.emit("api_key.updated", api_key_api(key))
    return json_response(api_key_api(key))
