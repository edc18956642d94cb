"""Organization administration: SSO connections through the API, directory syncs, IT contacts.

Connections made here are the ones ``/user_management/authorize?connection_id=`` and
``/sso/authorize`` sign in through. An IT contact's invitation is an e-mail in the
outbox with an Admin Portal link for the intents asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator import outbox
from django_authkit.emulator.ids import iso_now, new_id, token
from django_authkit.emulator.portal import INTENTS, LINK_TTL
from django_authkit.emulator.routing import (
    Request,
    Response,
    error,
    json_response,
)
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.sso import connections, seed_connection
from django_authkit.emulator.state import Conflict, NotFound, normalize_email

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator


@r.route("POST", "/connections")
def create_connection(emu: Emulator, req: Request) -> Response:
    org = emu.store.organization(req.text("organization_id") or "")
    default_type = "GenericOIDC" if "oidc_options" in req.body else "GenericSAML"
    spec = {
        "id": new_id("conn"),
        "organization": org.id,
        "name": req.text("name"),
        "connection_type": req.text("connection_type") or default_type,
    }
    conn = seed_connection(emu, spec)
    if req.text("external_id"):
        conn["external_id"] = req.text("external_id")
    emu.store.emit("connection.activated", conn)
    return json_response(conn, 201)


@r.route("PATCH", "/connections/{id}")
def update_connection(emu: Emulator, req: Request) -> Response:
    conn = connections(emu).get(req.params["id"])
    if conn is None:
        raise NotFound("Connection", req.params["id"])
    for name in ("name", "connection_type"):
        if req.text(name):
            conn[name] = req.text(name)
    if "external_id" in req.body:
        conn["external_id"] = req.text("external_id")
    conn["updated_at"] = iso_now(emu.store.now())
    return json_response(conn)


@r.route("POST", "/directories/{id}/sync")
def sync_directory(emu: Emulator, req: Request) -> Response:
    """The emulator's directories are static: a sync finishes at once."""
    if req.params["id"] not in emu.store.extra.get("directories", {}):
        raise NotFound("Directory", req.params["id"])
    return json_response({"status": "completed"}, 202)


def _contacts(emu: Emulator, org_id: str) -> dict[str, dict[str, Any]]:
    emu.store.organization(org_id)
    by_org: dict[str, dict[str, dict[str, Any]]] = emu.store.extra.setdefault("it_contacts", {})
    return by_org.setdefault(org_id, {})


def _contact(emu: Emulator, org_id: str, contact_id: str) -> dict[str, Any]:
    try:
        return _contacts(emu, org_id)[contact_id]
    except KeyError:
        raise NotFound("IT contact", contact_id) from None


@r.route("GET", "/organizations/{org}/it_contacts")
def list_it_contacts(emu: Emulator, req: Request) -> Response:
    items = list(_contacts(emu, req.params["org"]).values())
    return json_response(
        {"object": "list", "data": items, "list_metadata": {"before": None, "after": None}}
    )


@r.route("POST", "/organizations/{org}/it_contacts")
def create_it_contact(emu: Emulator, req: Request) -> Response:
    contacts = _contacts(emu, req.params["org"])
    email = normalize_email(req.text("email") or "")
    if "@" not in email:
        return error(422, "A valid email is required.", "invalid_request_parameters")
    if any(c["email"] == email for c in contacts.values()):
        raise Conflict("This IT contact already exists.", "conflict")
    now = iso_now(emu.store.now())
    contact = {
        "object": "it_contact",
        "id": new_id("it_contact"),
        "email": email,
        "created_at": now,
        "updated_at": now,
    }
    contacts[contact["id"]] = contact
    return json_response(contact, 201)


@r.route("DELETE", "/organizations/{org}/it_contacts/{id}")
def delete_it_contact(emu: Emulator, req: Request) -> Response:
    contact = _contact(emu, req.params["org"], req.params["id"])
    del _contacts(emu, req.params["org"])[contact["id"]]
    return Response(204)


@r.route("POST", "/organizations/{org}/it_contacts/{id}/invite")
def invite_it_contact(emu: Emulator, req: Request) -> Response:
    org_id = req.params["org"]
    contact = _contact(emu, org_id, req.params["id"])
    intents = req.field("intents")
    if not isinstance(intents, list) or not intents or not set(map(str, intents)) <= INTENTS:
        return error(422, "intents must name Admin Portal intents.", "invalid_request_parameters")
    secret = token(24)
    emu.store.extra.setdefault("portal_links", {})[secret] = {
        "organization_id": org_id,
        "intent": str(intents[0]),
        "return_url": None,
        "success_url": None,
        "external_user_id": contact["id"],
        "expires_at": emu.store.now() + LINK_TTL,
        "revoked": False,
    }
    url = f"{emu.base_url}/portal/launch?secret={secret}"
    outbox.send(emu, "it_contact_invite", contact["email"], url=url)
    return Response(204)


@r.route("POST", "/organizations/{org}/it_contacts/{id}/revoke")
def revoke_it_contact(emu: Emulator, req: Request) -> Response:
    contact = _contact(emu, req.params["org"], req.params["id"])
    for link in emu.store.extra.get("portal_links", {}).values():
        if link["external_user_id"] == contact["id"]:
            link["revoked"] = True
    return Response(204)
