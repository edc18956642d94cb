"""The browser-facing endpoints: authorize, the hosted page's form post, and logout."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django_authkit.emulator import invitations, pages
from django_authkit.emulator.ids import token
from django_authkit.emulator.models import AuthCode, Grant
from django_authkit.emulator.routing import (
    Refused,
    Request,
    Response,
    add_query,
    html_response,
    invalid,
    json_response,
    redirect,
)
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import Conflict, NotFound, normalize_email

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
OAUTH_PROVIDERS = {
    "AppleOAuth", "BitbucketOAuth", "GitHubOAuth", "GitLabOAuth", "GoogleOAuth", "IntuitOAuth",
    "LinkedInOAuth", "MicrosoftOAuth", "SalesforceOAuth", "SlackOAuth", "VercelMarketplaceOAuth",
    "VercelOAuth", "XeroOAuth",
}  # fmt: skip
#: WorkOS adds OAuth providers over time; like the API, take any well-formed one.
OAUTH_NAME = re.compile(r"[A-Z][A-Za-z0-9]{0,40}OAuth")
REQUEST_TTL = 600
# Other flows that reuse the hosted page (standalone SSO) finish the form post here.
COMPLETERS: dict[str, Callable[[Emulator, Request, str, dict[str, Any]], Response]] = {}
# Flows that end on the hosted page without a redirect (the device flow): flow ->
# (approve with the grant, deny).
FINISHERS: dict[
    str,
    tuple[
        Callable[[Emulator, str, dict[str, Any], Grant], Response],
        Callable[[Emulator, str, dict[str, Any]], Response],
    ],
] = {}
CODE_TTL = 600


def is_oauth(provider: str | None) -> bool:
    """A known OAuth provider, or any ``<Name>OAuth`` (the SDK passes unknown values through)."""
    return bool(provider) and (
        provider in OAUTH_PROVIDERS or OAUTH_NAME.fullmatch(provider or "") is not None
    )


def redirect_allowed(emu: Emulator, url: str | None) -> bool:
    """Any http(s) URL on a loopback host, or one matching ``config.redirect_uris``."""
    if not url:
        return False
    if any(fnmatch.fnmatchcase(url, allowed) for allowed in emu.store.config.redirect_uris):
        return True
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and host in LOCAL_HOSTS


def _bad_request(heading: str, message: str) -> Response:
    return html_response(pages.error_page(heading, message), 400)


def _error_redirect(uri: str, code: str, description: str, state: str | None) -> Response:
    return redirect(
        add_query(uri, {"error": code, "error_description": description, "state": state})
    )


# Parameters a client may send more than once (Node repeats array keys).
REPEATABLE = frozenset({"provider_scopes", "provider_scopes[]"})


def repeated(req: Request) -> list[str]:
    """Parameters sent twice (RFC 6749 §3.1: they MUST NOT be), which one wins is unknowable."""
    return sorted(
        k
        for k, values in req.query.items()
        if len(values) > 1 and k not in REPEATABLE and not k.startswith("provider_query_params")
    )


def checked_redirect(emu: Emulator, req: Request, not_allowed: str) -> str:
    """An authorize request's ``redirect_uri``, once its client, redirect URI and parameters
    check out (``/user_management/authorize`` and ``/sso/authorize`` alike).

    A bad client or redirect URI is answered on a page (there is nowhere safe to send the
    browser); a parameter sent twice after that goes back to the redirect URI.
    """
    twice = repeated(req)
    repeats = f"Repeated parameter(s): {', '.join(twice)}."
    if {"client_id", "redirect_uri"} & set(twice):
        raise Refused(_bad_request("Invalid request", repeats))
    client_id, redirect_uri = req.arg("client_id"), req.arg("redirect_uri")
    if client_id != emu.client_id:
        raise Refused(_bad_request("Invalid client", f"Unknown client_id '{client_id or ''}'."))
    if redirect_uri is None or not redirect_allowed(emu, redirect_uri):
        message = f"'{redirect_uri or ''}' {not_allowed}"
        raise Refused(_bad_request("Invalid redirect URI", message))
    if twice:
        state = None if "state" in twice else req.arg("state")
        raise Refused(_error_redirect(redirect_uri, "invalid_request", repeats, state))
    return redirect_uri


@r.route("GET", "/user_management/authorize", public=True)
def authorize(emu: Emulator, req: Request) -> Response:
    store = emu.store
    redirect_uri = checked_redirect(emu, req, "is not an allowed redirect URI.")
    client_id, state = req.arg("client_id"), req.arg("state")
    if req.arg("response_type") != "code":
        return _error_redirect(
            redirect_uri, "unsupported_response_type", "response_type must be 'code'.", state
        )
    challenge = req.arg("code_challenge")
    if challenge and req.arg("code_challenge_method") != "S256":
        return _error_redirect(
            redirect_uri, "invalid_request", "code_challenge_method must be S256.", state
        )
    provider, connection_id = req.arg("provider"), req.arg("connection_id")
    org_id = req.arg("organization_id")
    if not (provider or connection_id or org_id):
        return _error_redirect(
            redirect_uri,
            "invalid_request",
            "One of provider, connection_id or organization_id is required.",
            state,
        )
    if provider and provider != "authkit" and not is_oauth(provider):
        return _error_redirect(
            redirect_uri, "invalid_request", f"Unknown provider '{provider}'.", state
        )
    connections = store.extra.get("connections", {})
    if connection_id and connection_id not in connections:
        return _error_redirect(
            redirect_uri, "invalid_connection", f"Connection '{connection_id}' not found.", state
        )
    if connection_id and not org_id:
        org_id = connections[connection_id]["organization_id"]
    if org_id and org_id not in store.organizations:
        return _error_redirect(
            redirect_uri, "organization_invalid", f"Organization '{org_id}' not found.", state
        )
    request_id = token(18)
    pending: dict[str, Any] = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": challenge,
        "provider": provider if is_oauth(provider) else None,
        "connection_id": connection_id,
        "organization_id": org_id,
        "login_hint": req.arg("login_hint")
        or invitations.email_for(emu, req.arg("invitation_token")),
        "invitation_token": req.arg("invitation_token"),
        "screen_hint": req.arg("screen_hint"),
        "expires_at": store.now() + REQUEST_TTL,
        "grant": None,
    }
    store.pending[request_id] = pending
    return html_response(pages.sign_in_page(store, emu.client_id, pending, request_id))


def _finish(emu: Emulator, request_id: str, pending: dict[str, Any], grant: Grant) -> Response:
    """Issue the one-time code and send the browser back to the app."""
    store = emu.store
    if pending.get("flow") in FINISHERS:
        return FINISHERS[pending["flow"]][0](emu, request_id, pending, grant)
    code = token(24)
    store.codes[code] = AuthCode(
        grant=grant,
        client_id=pending["client_id"],
        redirect_uri=pending["redirect_uri"],
        expires_at=store.now() + CODE_TTL,
        code_challenge=pending["code_challenge"],
    )
    store.pending.pop(request_id, None)
    return redirect(add_query(pending["redirect_uri"], {"code": code, "state": pending["state"]}))


def _ensure_member(emu: Emulator, user_id: str, org_id: str, role: str) -> None:
    store = emu.store
    membership = store.membership_for(user_id, org_id)
    if membership is None:
        store.create_membership(user_id, org_id, [role])
    elif membership.status != "active":
        membership.status = "active"
        store.touch_membership(membership)


def _choose_user(emu: Emulator, req: Request) -> str:
    """The chosen user's id, creating the user from the typed e-mail if needed."""
    store = emu.store
    user_id = req.text("user_id")
    if user_id:
        return store.user(user_id).id
    email = normalize_email(req.text("email") or "")
    if not email:
        raise ValueError("Choose a user or enter an e-mail address.")
    existing = store.user_by_email(email)
    if existing is not None:
        return existing.id
    return store.create_user(
        email, first_name=req.text("first_name"), last_name=req.text("last_name")
    ).id


def _page_error(emu: Emulator, req: Request, request_id: str, message: str) -> Response:
    pending = emu.store.pending[request_id]
    values = {k: str(v) for k, v in req.body.items() if isinstance(v, str)}
    page = pages.sign_in_page(
        emu.store, emu.client_id, pending, request_id, error=message, values=values
    )
    return html_response(page, 400)


@r.route("POST", "/user_management/authorize/complete", public=True)
def complete(emu: Emulator, req: Request) -> Response:
    store = emu.store
    request_id = req.text("request_id") or ""
    pending = store.pending.get(request_id)
    if pending is None or pending["expires_at"] < store.now():
        store.pending.pop(request_id, None)
        return _bad_request("Sign-in expired", "This sign-in request is unknown or has expired.")
    if req.text("action") == "deny" and pending.get("flow") in FINISHERS:
        return FINISHERS[pending["flow"]][1](emu, request_id, pending)
    if req.text("action") == "deny":
        store.pending.pop(request_id, None)
        return _error_redirect(
            pending["redirect_uri"],
            "access_denied",
            "The user denied the request.",
            pending["state"],
        )
    completer = COMPLETERS.get(pending.get("kind", ""))
    if completer is not None:
        return completer(emu, req, request_id, pending)
    default_role = "member" if "member" in store.roles else next(iter(store.roles), "member")
    role = req.text("role") or default_role
    if role not in store.roles:
        return _page_error(emu, req, request_id, f"Unknown role '{role}'.")
    grant: Grant | None = pending["grant"]
    if grant is None:
        try:
            user_id = _choose_user(emu, req)
        except (ValueError, Conflict, NotFound) as exc:
            return _page_error(emu, req, request_id, str(exc))
        provider = req.text("provider") or pending["provider"]
        provider = provider if is_oauth(provider) else None
        impersonator = req.text("impersonator_email")
        if impersonator:
            method = "Impersonation"
        elif provider:
            method = provider
        elif pending["connection_id"]:
            method = "SSO"
        else:
            method = "Password"
        grant = Grant(
            user_id,
            None,
            method,
            {"email": normalize_email(impersonator), "reason": req.text("impersonation_reason")}
            if impersonator
            else None,
            provider,
            invitation_token=pending["invitation_token"],
        )
    org_id = req.text("organization_id")
    org_name = req.text("organization_name")
    if org_id:
        if org_id not in store.organizations:
            return _page_error(emu, req, request_id, f"Organization not found: '{org_id}'.")
        _ensure_member(emu, grant.user_id, org_id, role)
    elif org_name:
        org = store.organization_by_name(org_name) or store.create_organization(org_name)
        org_id = org.id
        _ensure_member(emu, grant.user_id, org_id, role)
    elif pending["organization_id"]:
        org_id = pending["organization_id"]
        _ensure_member(emu, grant.user_id, org_id, role)
    else:
        active = store.active_memberships(grant.user_id)
        if len(active) > 1:
            pending["grant"] = grant
            page = pages.choose_org_page(
                store, request_id, grant.user_id, [m.organization_id for m in active]
            )
            return html_response(page)
    grant.organization_id = org_id
    return _finish(emu, request_id, pending, grant)


@r.route("GET", "/user_management/sessions/logout", public=True)
def logout(emu: Emulator, req: Request) -> Response:
    store = emu.store
    session_id = req.arg("session_id")
    if not session_id:
        raise invalid("session_id is required.", "session_id")
    session = store.sessions.get(session_id)
    if session is not None:
        store.end_session(session)
    return_to = req.arg("return_to")
    if return_to and redirect_allowed(emu, return_to):
        return redirect(return_to)
    return json_response({"success": True})
