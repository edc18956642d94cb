"""``POST /user_management/authenticate``: every grant the emulator supports (§4)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING

from django_authkit.emulator import invitations
from django_authkit.emulator.ids import token
from django_authkit.emulator.models import Grant, check_password
from django_authkit.emulator.routing import Request, Response, error, json_response, oauth_error
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.tokens import create_session, issue

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

ORG_SELECTION = "urn:workos:oauth:grant-type:organization-selection"
PENDING_TTL = 600


def pkce_ok(challenge: str, verifier: str | None) -> bool:
    if not verifier:
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(computed, challenge)


def _bearer(req: Request) -> str | None:
    scheme, _, credential = req.headers.get("authorization", "").partition(" ")
    return (credential.strip() or None) if scheme.lower() == "bearer" else None


def client_error(emu: Emulator, req: Request) -> Response | None:
    """Authenticate the OAuth client as WorkOS does; set ``req.public_client``.

    A confidential client proves itself with the API key, as ``client_secret`` in the
    body (RFC 6749 §2.3.1), as a Bearer header, or both (the Python SDK sends both):
    every credential given must match. A public client (SPA, mobile, CLI) sends none:
    it may redeem a PKCE code and refresh the session that code opened, nothing else.
    A wrong client or credential is ``invalid_client``; ``unauthorized`` is left to the
    REST endpoints, which take only the Bearer key.
    """
    if req.text("client_id") != emu.client_id:
        return oauth_error("invalid_client", "Invalid client ID.")
    given = [c for c in (req.text("client_secret"), _bearer(req)) if c is not None]
    for secret in given:
        if not hmac.compare_digest(secret.encode(), emu.api_key.encode()):
            return oauth_error("invalid_client", "Invalid client secret.")
    req.public_client = not given
    return None


def public_client_refused(emu: Emulator, req: Request, grant_type: str) -> Response | None:
    """What a client without a secret may not do: anything but PKCE codes and their refresh."""
    store = emu.store
    if grant_type == "urn:ietf:params:oauth:grant-type:device_code":
        return None  # device clients are public (RFC 8628)
    if grant_type == "authorization_code":
        record = store.codes.get(req.text("code") or "")
        if record is None or record.code_challenge:
            return None  # unknown codes fail as invalid_grant; PKCE codes are allowed
        return oauth_error(
            "invalid_client", "client_secret is required for an authorization code without PKCE."
        )
    if grant_type == "refresh_token":
        token_record = store.refresh_tokens.get(req.text("refresh_token") or "")
        session = store.sessions.get(token_record.session_id) if token_record else None
        if session is None or session.public_client:
            return None
        return oauth_error(
            "invalid_client", "client_secret is required to refresh a confidential session."
        )
    return oauth_error("invalid_client", "client_secret is required for this grant type.")


def resolve_organization(
    emu: Emulator, grant: Grant, req: Request, *, checked: bool = False
) -> Response | None:
    """§4.4 org resolution for a fresh sign-in; a 403 when the user must choose.

    ``checked`` is remembered with the pending token so that choosing the
    organization does not ask for an MFA code the user already gave.
    """
    store = emu.store
    if grant.organization_id:
        return None
    memberships = store.active_memberships(grant.user_id)
    if len(memberships) == 1:
        grant.organization_id = memberships[0].organization_id
        return None
    if not memberships:
        return None
    pending = token(24)
    store.pending_auth[pending] = {
        "grant": grant,
        "expires_at": store.now() + PENDING_TTL,
        "oauth": grant.provider is not None,
        "checked": checked,
    }
    orgs = [store.organizations[m.organization_id] for m in memberships]
    return error(
        403,
        "The user must choose an organization to finish authenticating.",
        "organization_selection_required",
        pending_authentication_token=pending,
        organizations=[{"id": o.id, "name": o.name} for o in orgs],
        user=store.user(grant.user_id).to_api(),
    )


# Step-up checks for grants that bypass the hosted page (MFA); each may answer a 403.
CHECKS: list[Callable[[Emulator, Grant, Request], Response | None]] = []


def sign_in(emu: Emulator, grant: Grant, req: Request, *, checked: bool = False) -> Response:
    """Resolve the organization, open a session and answer with the token pair.

    ``checked`` skips the step-up ``CHECKS``: the hosted page (and a finished MFA
    challenge) already did them, as AuthKit's own UI does.
    """
    if grant.user_id not in emu.store.users:
        return oauth_error("invalid_grant", "The user no longer exists.")
    # An invitation given with the first grant survives its step-ups (MFA, organization
    # choice): WorkOS keeps it with the pending token and redeems it when the sign-in ends.
    grant.invitation_token = req.text("invitation_token") or grant.invitation_token
    for check in [] if checked else CHECKS:
        stepped = check(emu, grant, req)
        if stepped is not None:
            return stepped
    if grant.invitation_token:
        refused = invitations.redeem(emu, grant.invitation_token, grant)
        if refused is not None:
            return refused
    blocked = resolve_organization(emu, grant, req, checked=checked)
    if blocked is not None:
        return blocked
    session = create_session(emu, grant, req)
    return json_response(issue(emu, session, oauth=grant.provider is not None))


def authorization_code(emu: Emulator, req: Request) -> Response:
    store = emu.store
    code = req.text("code")
    record = store.codes.get(code) if code else None
    if record is None or record.used or record.expires_at < store.now():
        return oauth_error("invalid_grant", "The code is invalid, expired or already used.")
    if record.client_id != req.text("client_id"):
        return oauth_error("invalid_grant", "The code was issued to another client.")
    if record.code_challenge and not pkce_ok(record.code_challenge, req.text("code_verifier")):
        record.used = True
        return oauth_error("invalid_grant", "The code_verifier does not match the code_challenge.")
    if not record.code_challenge and req.text("code_verifier"):
        record.used = True  # RFC 9700 §4.8.2: a verifier for a code without a challenge
        return oauth_error(
            "invalid_grant", "code_verifier sent for a code issued without a code_challenge."
        )
    record.used = True
    return sign_in(emu, record.grant, req, checked=True)


def refresh_token(emu: Emulator, req: Request) -> Response:
    """Rotate: a new pair each time; the old token replays the same pair within the grace."""
    store = emu.store
    value = req.text("refresh_token")
    record = store.refresh_tokens.get(value) if value else None
    if record is None:
        return oauth_error("invalid_grant", "Invalid refresh token.")
    session = store.sessions.get(record.session_id)
    now = store.now()
    if session is None or session.status != "active" or session.expires_at < now:
        return oauth_error("invalid_grant", "Session has already ended.")
    if record.rotated_at is not None:
        grace = float(store.config.refresh_grace_seconds)
        if grace > 0 and now - record.rotated_at <= grace and record.result is not None:
            return json_response(record.result)
        return oauth_error("invalid_grant", "Refresh token already exchanged.")
    org_id = req.text("organization_id")
    if org_id:
        membership = store.membership_for(session.user_id, org_id)
        if membership is None or membership.status != "active":
            return oauth_error(
                "organization_membership_not_found",
                f"The user is not a member of organization '{org_id}'.",
            )
        session.organization_id = org_id
    session.updated_at = now
    result = issue(emu, session)
    record.rotated_at = now
    record.result = result
    return json_response(result)


def password(emu: Emulator, req: Request) -> Response:
    store = emu.store
    email = req.text("email") or ""
    user = store.user_by_email(email)
    if user is None or not check_password(user.password_hash, str(req.field("password") or "")):
        return error(400, f"Invalid credentials for '{email}'.", "invalid_credentials")
    return sign_in(emu, Grant(user.id, None, "Password"), req)


def organization_selection(emu: Emulator, req: Request) -> Response:
    store = emu.store
    pending_token = req.text("pending_authentication_token") or ""
    pending = store.pending_auth.get(pending_token)
    if pending is None or pending["expires_at"] < store.now():
        return error(
            400,
            "The pending authentication token is invalid or expired.",
            "invalid_pending_authentication_token",
        )
    grant: Grant = pending["grant"]
    org_id = req.text("organization_id") or ""
    membership = store.membership_for(grant.user_id, org_id)
    if membership is None or membership.status != "active":
        return oauth_error(
            "organization_membership_not_found",
            f"The user is not a member of organization '{org_id}'.",
        )
    del store.pending_auth[pending_token]
    grant.organization_id = org_id
    return sign_in(emu, grant, req, checked=bool(pending.get("checked")))


GRANTS = {
    "authorization_code": authorization_code,
    "refresh_token": refresh_token,
    "password": password,
    ORG_SELECTION: organization_selection,
}


@r.route("POST", "/user_management/authenticate", public=True)
def authenticate(emu: Emulator, req: Request) -> Response:
    grant_type = req.text("grant_type")
    handler = GRANTS.get(grant_type or "")
    if handler is None:
        return oauth_error("invalid_request", f"Unsupported grant_type '{grant_type}'.")
    bad_client = client_error(emu, req)
    if bad_client is None and req.public_client:
        bad_client = public_client_refused(emu, req, grant_type or "")
    if bad_client is not None:
        return bad_client
    return handler(emu, req)
