"""Admin Portal (``POST /portal/generate_link``, ``/portal/revoke_link``) and its landing page.

The link opens an emulator page naming the organization and the intent, with the
``success_url``/``return_url`` the link was made with, so a site's "Configure SSO"
button leads somewhere a person can follow back.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from django_authkit.emulator.ids import token
from django_authkit.emulator.pages import _page, site_origin
from django_authkit.emulator.routing import (
    Request,
    Response,
    add_query,
    html_response,
    invalid,
    json_response,
)
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

INTENTS = frozenset(
    {
        "sso",
        "dsync",
        "audit_logs",
        "log_streams",
        "domain_verification",
        "certificate_renewal",
        "bring_your_own_key",
    }
)
LINK_TTL = 5 * 60  # WorkOS portal links are valid for five minutes


def portal_link(
    emu: Emulator,
    org_id: str,
    intent: str,
    return_url: str | None,
    success_url: str | None,
    external_user_id: str | None,
) -> str:
    """A new Admin Portal link (also what an IT contact's invitation carries)."""
    secret = token(24)
    emu.store.table("portal_links")[secret] = {
        "organization_id": org_id,
        "intent": intent,
        "return_url": return_url,
        "success_url": success_url,
        "external_user_id": external_user_id,
        "expires_at": emu.store.now() + LINK_TTL,
        "revoked": False,
    }
    return f"{emu.base_url}/portal/launch?secret={secret}"


def revoke_links(emu: Emulator, matches: Callable[[dict[str, Any]], bool]) -> None:
    for link in emu.store.extra.get("portal_links", {}).values():
        if matches(link):
            link["revoked"] = True


@r.route("POST", "/portal/generate_link")
def generate_link(emu: Emulator, req: Request) -> Response:
    org_id = req.text("organization")
    if not org_id:
        raise invalid("Validation failed.", "organization")
    emu.store.organization(org_id)
    intent = req.text("intent")
    if intent is not None and intent not in INTENTS:
        raise invalid(f"Invalid intent '{intent}'.", "intent", "invalid_intent")
    emails = req.field("it_contact_emails")
    if emails is not None and (not isinstance(emails, list) or len(emails) > 20):
        raise ValueError("it_contact_emails must be a list of at most 20 e-mails")
    link = portal_link(
        emu,
        org_id,
        intent or "sso",
        req.text("return_url"),
        req.text("success_url"),
        req.text("external_user_id"),
    )
    return json_response({"link": link}, 201)


@r.route("POST", "/portal/revoke_link")
def revoke_link(emu: Emulator, req: Request) -> Response:
    org_id, external = req.required_all("organization", "external_user_id")
    emu.store.organization(org_id)
    revoke_links(
        emu, lambda link: link["organization_id"] == org_id and link["external_user_id"] == external
    )
    return Response(204)


@r.route("GET", "/portal/launch", public=True)
def launch(emu: Emulator, req: Request) -> Response:
    link = emu.store.extra.get("portal_links", {}).get(req.arg("secret") or "")
    if link is None or link["revoked"] or link["expires_at"] < emu.store.now():
        body = '<p class="hint">This Admin Portal link is unknown, revoked or expired.</p>'
        return html_response(_page("Admin Portal", f"<h1>Link not valid</h1>{body}"), 404)
    org = emu.store.organizations.get(link["organization_id"])
    name = org.name if org else link["organization_id"]
    done = link["success_url"] or link["return_url"]
    back = (
        f'<p><a class="button" href="{escape(add_query(done, {}))}">Finish setup</a></p>'
        if done
        else '<p class="hint">The link was made without a success_url.</p>'
    )
    content = (
        f"<h1>Admin Portal · {escape(name)}</h1>"
        f'<p class="hint">Emulated setup for <strong>{escape(link["intent"])}</strong>. '
        "Nothing here changes the organization; use the API or the seed to add "
        "connections and directories.</p>"
        f"{back}"
    )
    # The site set these URLs over the API (with its key): its origin is the way back.
    site = site_origin(link["return_url"]) or site_origin(link["success_url"])
    return html_response(_page("Admin Portal", content, site=site))
