"""Passwordless sessions (legacy Magic Link, ``/passwordless/sessions``).

The link goes through the emulator: opening it finishes an SSO-style sign-in and
redirects to ``redirect_uri`` with a code for ``POST /sso/token`` (connection type
``MagicLink``), as WorkOS's Magic Link did. ``send`` puts the link in the outbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator import outbox
from django_authkit.emulator.crud import get_or_404, valid_email
from django_authkit.emulator.ids import iso_now, new_id, stable_id, token
from django_authkit.emulator.pages import error_page
from django_authkit.emulator.routing import (
    Request,
    Response,
    add_query,
    html_response,
    invalid,
    json_response,
    redirect,
)
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

CODE_TTL = 600


def _sessions(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.table("passwordless")


def _api(emu: Emulator, s: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "passwordless_session",
        "id": s["id"],
        "email": s["email"],
        "expires_at": iso_now(s["expires_at"]),
        "link": f"{emu.base_url}/passwordless/{s['token']}/confirm",
    }


@r.route("POST", "/passwordless/sessions")
def create_session(emu: Emulator, req: Request) -> Response:
    email = valid_email(req)
    if (req.text("type") or "MagicLink") != "MagicLink":
        raise invalid("type must be MagicLink.")
    expires_in = int(req.field("expires_in") or 900)
    if not 900 <= expires_in <= 86400:
        raise invalid("expires_in must be between 900 and 86400.")
    redirect_uri = req.text("redirect_uri")
    if redirect_uri and not redirect_uri.startswith(("http://", "https://")):
        raise invalid("redirect_uri must be an http(s) URL.")
    session: dict[str, Any] = {
        "id": new_id("passwordless_session"),
        "email": email,
        "token": token(24),
        "redirect_uri": redirect_uri,
        "state": req.text("state"),
        "expires_at": emu.store.now() + expires_in,
        "used": False,
    }
    _sessions(emu)[session["id"]] = session
    return json_response(_api(emu, session), 201)


@r.route("POST", "/passwordless/sessions/{id}/send")
def send_session(emu: Emulator, req: Request) -> Response:
    session = get_or_404(_sessions(emu), req.params["id"], "Passwordless session")
    outbox.send(emu, "magic_link", session["email"], url=_api(emu, session)["link"])
    return json_response({"success": True})


@r.route("GET", "/passwordless/{token}/confirm", public=True)
def confirm(emu: Emulator, req: Request) -> Response:
    store = emu.store
    found = [s for s in _sessions(emu).values() if s["token"] == req.params["token"]]
    if not found or found[0]["used"] or found[0]["expires_at"] < store.now():
        page = error_page("Link not valid", "This sign-in link is unknown, used or expired.")
        return html_response(page, 400)
    session = found[0]
    session["used"] = True
    email = session["email"]
    user = store.user_by_email(email)
    profile = {
        "object": "profile",
        "id": stable_id("prof", "MagicLink", email),
        "organization_id": None,
        "connection_id": stable_id("conn", "MagicLink"),
        "connection_type": "MagicLink",
        "idp_id": stable_id("idp", email),
        "email": email,
        "first_name": user.first_name if user else None,
        "last_name": user.last_name if user else None,
        "name": user.name if user else None,
        "raw_attributes": {"email": email},
    }
    code = token(24)
    store.extra.setdefault("sso_codes", {})[code] = {
        "profile": profile,
        "expires_at": store.now() + CODE_TTL,
        "code_challenge": None,
    }
    if not session["redirect_uri"]:
        page = error_page("Signed in", "No redirect_uri was given; the code is " + code)
        return html_response(page)
    return redirect(add_query(session["redirect_uri"], {"code": code, "state": session["state"]}))
