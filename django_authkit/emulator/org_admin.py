"""Organization administration: SSO connections through the API, directory syncs, IT contacts.

Connections made here are the ones ``/user_management/authorize?connection_id=`` and
``/sso/authorize`` sign in through. An IT contact's invitation is an e-mail in the
outbox with an Admin Portal link for the intents asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator import outbox
from django_authkit.emulator.crud import get_or_404, stamped, valid_email
from django_authkit.emulator.ids import iso_now, new_id
from django_authkit.emulator.portal import INTENTS, portal_link, revoke_links
from django_authkit.emulator.routing import Request, Response, invalid, json_response, unpaged
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.sso import connection, seed_connection
from django_authkit.emulator.state import Conflict, NotFound

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
    conn = connection(emu, req.params["id"])
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
    return get_or_404(_contacts(emu, org_id), contact_id, "IT contact")


@r.route("GET", "/organizations/{org}/it_contacts")
def list_it_contacts(emu: Emulator, req: Request) -> Response:
    return unpaged(list(_contacts(emu, req.params["org"]).values()))


@r.route("POST", "/organizations/{org}/it_contacts")
def create_it_contact(emu: Emulator, req: Request) -> Response:
    contacts = _contacts(emu, req.params["org"])
    email = valid_email(req)
    if any(c["email"] == email for c in contacts.values()):
        raise Conflict("This IT contact already exists.", "conflict")
    contact = {"object": "it_contact", "id": new_id("it_contact"), "email": email}
    contacts[contact["id"]] = stamped(emu.store, contact, as_text=True)
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
        raise invalid("intents must name Admin Portal intents.")
    url = portal_link(emu, org_id, str(intents[0]), None, None, contact["id"])
    outbox.send(emu, "it_contact_invite", contact["email"], url=url)
    return Response(204)


@r.route("POST", "/organizations/{org}/it_contacts/{id}/revoke")
def revoke_it_contact(emu: Emulator, req: Request) -> Response:
    contact = _contact(emu, req.params["org"], req.params["id"])
    revoke_links(emu, lambda link: link["external_user_id"] == contact["id"])
    return Response(204)
