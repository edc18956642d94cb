"""Standalone SSO (§9): connections, ``/sso/authorize``, ``/sso/token``, ``/sso/profile``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator import pages
from django_authkit.emulator.authenticate import client_error, pkce_ok
from django_authkit.emulator.authorize import (
    COMPLETERS,
    OAUTH_PROVIDERS,
    REQUEST_TTL,
    _error_redirect,
    checked_redirect,
)
from django_authkit.emulator.crud import get_or_404, named_like, pop_or_404, seeded, stamped, where
from django_authkit.emulator.ids import new_id, token
from django_authkit.emulator.routing import (
    Request,
    Response,
    add_query,
    error,
    html_response,
    json_response,
    list_page,
    oauth_error,
    redirect,
)
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import normalize_email

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

CODE_TTL = 600
TOKEN_TTL = 600


def connections(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.table("connections")


def seed_connection(emu: Emulator, spec: dict[str, Any]) -> dict[str, Any]:
    """A connection from the seed: ``{"organization", "name"?, "connection_type"?, ...}``."""
    org, base = seeded(emu.store, spec, "connection", "conn")
    conn: dict[str, Any] = {
        **base,
        "connection_type": spec.get("connection_type") or "GenericOIDC",
        "name": spec.get("name") or f"{org.name} SSO",
        "state": spec.get("state") or "active",
        "status": "linked",
        "domains": [
            {"object": "connection_domain", "id": new_id("conn_domain"), "domain": d}
            for d in spec.get("domains", [d.domain for d in org.domains])
        ],
    }
    connections(emu)[conn["id"]] = stamped(emu.store, conn, as_text=True)
    return conn


@r.route("GET", "/connections")
def list_connections(emu: Emulator, req: Request) -> Response:
    items = where(req, list(connections(emu).values()), "connection_type", "organization_id")
    if req.arg("domain"):
        items = [c for c in items if any(d["domain"] == req.arg("domain") for d in c["domains"])]
    return list_page(req, named_like(req, items))


def connection(emu: Emulator, connection_id: str) -> dict[str, Any]:
    return get_or_404(connections(emu), connection_id, "Connection")


@r.route("GET", "/connections/{id}")
def get_connection(emu: Emulator, req: Request) -> Response:
    return json_response(connection(emu, req.params["id"]))


@r.route("DELETE", "/connections/{id}")
def delete_connection(emu: Emulator, req: Request) -> Response:
    conn = pop_or_404(connections(emu), req.params["id"], "Connection")
    emu.store.emit("connection.deleted", conn)
    return Response(204)


@r.route("GET", "/sso/authorize", public=True)
def sso_authorize(emu: Emulator, req: Request) -> Response:
    store = emu.store
    redirect_uri = checked_redirect(emu, req, "is not allowed.")
    state = req.arg("state")
    if req.arg("response_type") != "code":
        return _error_redirect(redirect_uri, "unsupported_response_type", "Use 'code'.", state)
    conn_id, org_id, provider = req.arg("connection"), req.arg("organization"), req.arg("provider")
    conn: dict[str, Any] | None = None
    if conn_id:
        conn = connections(emu).get(conn_id)
    elif org_id:
        conn = next(
            (
                c
                for c in connections(emu).values()
                if c["organization_id"] == org_id and c["state"] == "active"
            ),
            None,
        )
    elif provider not in OAUTH_PROVIDERS:
        return _error_redirect(
            redirect_uri,
            "invalid_request",
            "connection, organization or provider is required.",
            state,
        )
    if (conn_id or org_id) and conn is None:
        return _error_redirect(redirect_uri, "invalid_connection", "No such SSO connection.", state)
    request_id = token(18)
    pending: dict[str, Any] = {
        "kind": "sso",
        "client_id": emu.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": req.arg("code_challenge"),
        "connection": conn,
        "provider": provider if conn is None else None,
        "organization_id": None,
        "login_hint": req.arg("login_hint"),
        "screen_hint": None,
        "expires_at": store.now() + REQUEST_TTL,
        "grant": None,
    }
    store.pending[request_id] = pending
    return html_response(pages.sign_in_page(store, emu.client_id, pending, request_id))


def _profile(emu: Emulator, pending: dict[str, Any], email: str, first: Any, last: Any) -> Any:
    """The SSO profile for ``email`` on this connection (stable ids across sign-ins)."""
    conn = pending["connection"]
    conn_id = conn["id"] if conn else f"conn_{pending['provider']}"
    profiles = emu.store.extra.setdefault("sso_profiles", {})
    key = f"{conn_id}:{email}"
    if key not in profiles:
        profiles[key] = {"id": new_id("prof"), "idp_id": token(9)}
    name = " ".join(p for p in (first, last) if p) or None
    return {
        "object": "profile",
        "id": profiles[key]["id"],
        "organization_id": conn["organization_id"] if conn else None,
        "connection_id": conn_id,
        "connection_type": conn["connection_type"] if conn else pending["provider"],
        "idp_id": profiles[key]["idp_id"],
        "email": email,
        "first_name": first,
        "last_name": last,
        "name": name,
        "raw_attributes": {"email": email, "given_name": first, "family_name": last},
    }


def complete_sso(emu: Emulator, req: Request, request_id: str, pending: dict[str, Any]) -> Response:
    """The hosted page's post for an SSO request: a profile, no AuthKit user or session."""
    store = emu.store
    user_id = req.text("user_id")
    if user_id and user_id in store.users:
        user = store.users[user_id]
        email, first, last = user.email, user.first_name, user.last_name
    else:
        email = normalize_email(req.text("email") or "")
        first, last = req.text("first_name"), req.text("last_name")
    if "@" not in email:
        page = pages.sign_in_page(
            store, emu.client_id, pending, request_id, error="Enter the e-mail to sign in with."
        )
        return html_response(page, 400)
    code = token(24)
    store.extra.setdefault("sso_codes", {})[code] = {
        "profile": _profile(emu, pending, email, first, last),
        "expires_at": store.now() + CODE_TTL,
        "code_challenge": pending["code_challenge"],
    }
    store.pending.pop(request_id, None)
    return redirect(add_query(pending["redirect_uri"], {"code": code, "state": pending["state"]}))


COMPLETERS["sso"] = complete_sso


@r.route("POST", "/sso/token", public=True)  # client auth: see client_error
def sso_token(emu: Emulator, req: Request) -> Response:
    store = emu.store
    bad_client = client_error(emu, req)  # secret in the body or header, or a public PKCE client
    if bad_client is not None:
        return bad_client
    if req.text("grant_type") != "authorization_code":
        return oauth_error("unsupported_grant_type", "Only authorization_code is supported.")
    codes = store.extra.setdefault("sso_codes", {})
    peek = codes.get(req.text("code") or "")
    if req.public_client and peek is not None and not peek["code_challenge"]:
        return oauth_error("invalid_client", "client_secret is required for a code without PKCE.")
    item = codes.pop(req.text("code") or "", None)
    if item is None or item["expires_at"] < store.now():
        return oauth_error("invalid_grant", "The code is invalid, expired or already used.")
    if item["code_challenge"] and not pkce_ok(item["code_challenge"], req.text("code_verifier")):
        return oauth_error("invalid_grant", "The code_verifier does not match.")
    if not item["code_challenge"] and req.text("code_verifier"):  # RFC 9700 §4.8.2 downgrade
        return oauth_error(
            "invalid_grant", "code_verifier sent for a code issued without a code_challenge."
        )
    access = token(24)
    store.extra.setdefault("sso_tokens", {})[access] = {
        "profile": item["profile"],
        "expires_at": store.now() + TOKEN_TTL,
    }
    return json_response(
        {
            "token_type": "Bearer",
            "access_token": access,
            "expires_in": TOKEN_TTL,
            "profile": item["profile"],
        }
    )


@r.route("GET", "/sso/profile", public=True)
def sso_profile(emu: Emulator, req: Request) -> Response:
    """Authorized by the SSO access token from ``/sso/token``, not the API key."""
    scheme, _, value = req.headers.get("authorization", "").partition(" ")
    item = emu.store.extra.get("sso_tokens", {}).get(value.strip())
    if scheme.lower() != "bearer" or item is None or item["expires_at"] < emu.store.now():
        return error(401, "Unauthorized", "unauthorized")
    return json_response(item["profile"])
