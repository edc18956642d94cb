"""Waitlists (``/user_management/waitlists``) and AuthKit OAuth resources.

Waitlists come from the seed (``"waitlists": [{"id"?, "name"?}]``), as WorkOS makes
them in its dashboard; entries are added, approved (``waitlist_user.approved``),
denied or deleted through the API. OAuth resources (the audiences AuthKit issues
tokens for, e.g. an MCP server) are a list with one default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator.crud import (
    fields,
    get_or_404,
    pop_or_404,
    stamped,
    stamps,
    valid_email,
    where,
)
from django_authkit.emulator.ids import iso, new_id, stable_id
from django_authkit.emulator.routing import (
    Request,
    Response,
    invalid,
    json_response,
    list_page,
    unpaged,
)
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import Conflict

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator


def _waitlists(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.table("waitlists")


def _entries(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.table("waitlist_entries")


def seed(emu: Emulator, spec: dict[str, Any]) -> dict[str, Any]:
    """The ``waitlists`` seed section."""
    wid = spec.get("id") or stable_id("waitlist", str(spec.get("name") or "default"))
    item = stamped(emu.store, {"object": "waitlist", "id": wid}, as_text=True)
    _waitlists(emu)[item["id"]] = item
    return item


def _waitlist(emu: Emulator, waitlist_id: str) -> dict[str, Any]:
    return get_or_404(_waitlists(emu), waitlist_id, "Waitlist")


def _entry_api(e: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "waitlist_entry",
        **fields(e, "id", "waitlist_id", "email", "state"),
        "additional_fields": dict(e["additional_fields"]),
        "approved_at": iso(e["approved_at"]),
        **stamps(e),
    }


@r.route("GET", "/user_management/waitlists")
def list_waitlists(emu: Emulator, req: Request) -> Response:
    return unpaged(list(_waitlists(emu).values()))


@r.route("GET", "/user_management/waitlists/{id}")
def get_waitlist(emu: Emulator, req: Request) -> Response:
    return json_response(_waitlist(emu, req.params["id"]))


@r.route("GET", "/user_management/waitlists/{id}/entries")
def list_entries(emu: Emulator, req: Request) -> Response:
    waitlist = _waitlist(emu, req.params["id"])
    items = [e for e in _entries(emu).values() if e["waitlist_id"] == waitlist["id"]]
    return list_page(req, where(req, items, "state", "email"), _entry_api)


@r.route("POST", "/user_management/waitlists/{id}/entries")
def create_entry(emu: Emulator, req: Request) -> Response:
    waitlist = _waitlist(emu, req.params["id"])
    email = valid_email(req)
    if any(
        e["email"] == email and e["waitlist_id"] == waitlist["id"] for e in _entries(emu).values()
    ):
        raise Conflict("This e-mail is already on the waitlist.", "conflict")
    extra = req.field("additional_fields") or {}
    if not isinstance(extra, dict):
        raise ValueError("additional_fields must be an object")
    entry = {
        "id": new_id("waitlist_entry"),
        "waitlist_id": waitlist["id"],
        "email": email,
        "state": "pending",
        "additional_fields": {str(k): str(v) for k, v in extra.items()},
        "approved_at": None,
    }
    _entries(emu)[entry["id"]] = stamped(emu.store, entry)
    emu.store.emit("waitlist_user.created", _entry_api(entry))
    return json_response(_entry_api(entry), 201)


def _entry(emu: Emulator, entry_id: str) -> dict[str, Any]:
    return get_or_404(_entries(emu), entry_id, "Waitlist entry")


def _decide(emu: Emulator, entry_id: str, state: str) -> Response:
    entry = _entry(emu, entry_id)
    now = emu.store.now()
    entry["state"], entry["updated_at"] = state, now
    if state == "approved":
        entry["approved_at"] = now
    emu.store.emit(f"waitlist_user.{state}", _entry_api(entry))
    return json_response(_entry_api(entry))


@r.route("POST", "/user_management/waitlist_entries/{id}/approve")
def approve(emu: Emulator, req: Request) -> Response:
    return _decide(emu, req.params["id"], "approved")


@r.route("POST", "/user_management/waitlist_entries/{id}/deny")
def deny(emu: Emulator, req: Request) -> Response:
    return _decide(emu, req.params["id"], "denied")


@r.route("DELETE", "/user_management/waitlist_entries/{id}")
def delete_entry(emu: Emulator, req: Request) -> Response:
    del _entries(emu)[_entry(emu, req.params["id"])["id"]]
    return Response(204)


# -- AuthKit OAuth resources ---------------------------------------------------------------


def _resources(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.table("authkit_oauth_resources")


@r.route("GET", "/user_management/authkit_oauth_resources")
def list_oauth_resources(emu: Emulator, req: Request) -> Response:
    return list_page(req, list(_resources(emu).values()))


@r.route("POST", "/user_management/authkit_oauth_resources")
def create_oauth_resource(emu: Emulator, req: Request) -> Response:
    uri = req.text("uri")
    if not uri or "://" not in uri:
        raise invalid("An absolute uri is required.")
    items = _resources(emu)
    if any(x["uri"] == uri for x in items.values()):
        raise Conflict("This resource already exists.", "conflict")
    default = bool(req.field("default")) or not items
    if default:
        for x in items.values():
            x["default"] = False
    item: dict[str, Any] = {
        "object": "authkit_oauth_resource",
        "id": new_id("oauth_resource"),
        "uri": uri,
        "default": default,
    }
    items[item["id"]] = stamped(emu.store, item, as_text=True)
    return json_response(item, 201)


@r.route("DELETE", "/user_management/authkit_oauth_resources/{id}")
def delete_oauth_resource(emu: Emulator, req: Request) -> Response:
    pop_or_404(_resources(emu), req.params["id"], "OAuth resource")
    return Response(204)
