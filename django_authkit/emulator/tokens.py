"""Sessions, access tokens (RS256 JWTs) and the ``authenticate`` success reply."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import jwt

from django_authkit.emulator.authz_registry import organization_roles
from django_authkit.emulator.flags import flags_for
from django_authkit.emulator.ids import new_id, token, ulid
from django_authkit.emulator.jwt_template import custom_claims
from django_authkit.emulator.models import Grant, RefreshToken, Session

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator
    from django_authkit.emulator.routing import Request

OAUTH_SCOPES = {
    "GoogleOAuth": ["openid", "profile", "email"],
    "MicrosoftOAuth": ["openid", "profile", "email", "offline_access"],
    "GitHubOAuth": ["read:user", "user:email"],
}


def claims(emu: Emulator, session: Session) -> dict[str, Any]:
    """The access-token claims for ``session`` as it stands now.

    ``iat`` never runs ahead of the real clock (PyJWT rejects that), while ``exp``
    follows the emulated clock, so a negative offset mints soon-to-expire tokens.
    """
    store = emu.store
    now = store.now()
    data: dict[str, Any] = {
        "iss": emu.issuer,
        "sub": session.user_id,
        "sid": session.id,
        "jti": ulid(),
        "iat": int(min(now, time.time())),
        # The SDK's _is_user_access_token() requires auth_time (the sign-in time).
        "auth_time": int(min(session.created_at, time.time())),
        "exp": int(now + store.config.access_token_ttl),
    }
    org_id = session.organization_id
    membership = store.membership_for(session.user_id, org_id) if org_id else None
    if org_id and membership is not None and membership.status == "active":
        data["org_id"] = org_id
        data["role"] = membership.role
        # Organization-wide roles: the membership's own, then those of its groups.
        data["roles"] = organization_roles(store, membership.id, membership.roles)
        data["permissions"] = store.permissions_for(data["roles"])
        org = store.organizations.get(org_id)
        if org is not None and org.entitlements is not None:
            data["entitlements"] = list(org.entitlements)
    # Flags on for this user (and organization), from the registry the Feature Flags
    # API changes; an organization seeded with a flag list always carries the claim.
    flags = flags_for(store, data.get("org_id"), session.user_id)
    org_of = store.organizations.get(org_id or "")
    seeded = "org_id" in data and org_of is not None and org_of.feature_flags is not None
    if flags or seeded:
        data["feature_flags"] = flags
    if session.impersonator:
        data["act"] = {"sub": session.impersonator["email"]}
    for name, value in custom_claims(store, session.user_id, data.get("org_id")).items():
        data.setdefault(name, value)  # the JWT template never overrides a standard claim
    return data


def mint(emu: Emulator, session: Session) -> tuple[str, dict[str, Any]]:
    """A signed access token for ``session`` and its claims."""
    data = claims(emu, session)
    # The key object, not its PEM: PyJWT would parse (and check) the PEM on every token,
    # ~40 ms each, most of the emulator's time in a refresh burst.
    encoded = jwt.encode(
        data, emu.key.private_key, algorithm="RS256", headers={"kid": emu.key.kid, "typ": "JWT"}
    )
    return encoded, data


def create_session(emu: Emulator, grant: Grant, req: Request) -> Session:
    """A fresh sign-in: a new active session, and ``last_sign_in_at`` bumped."""
    store = emu.store
    now = store.now()
    session = Session(
        id=new_id("session"),
        user_id=grant.user_id,
        organization_id=grant.organization_id,
        authentication_method=grant.authentication_method,
        impersonator=dict(grant.impersonator) if grant.impersonator else None,
        provider=grant.provider,
        created_at=now,
        updated_at=now,
        expires_at=now + store.config.session_ttl,
        ip_address=req.text("ip_address") or req.client_ip,
        user_agent=req.text("user_agent") or req.headers.get("user-agent"),
        public_client=req.public_client,
    )
    store.sessions[session.id] = session
    if grant.provider:
        identities = store.extra.setdefault("identities", {}).setdefault(grant.user_id, [])
        if not any(i["provider"] == grant.provider for i in identities):
            identities.append({"idp_id": token(9), "type": "OAuth", "provider": grant.provider})
    user = store.user(grant.user_id)
    user.last_sign_in_at = now
    store.emit("session.created", session.to_api())
    return session


def issue(emu: Emulator, session: Session, *, oauth: bool = False) -> dict[str, Any]:
    """Mint a token pair for ``session`` and build the ``authenticate`` reply."""
    store = emu.store
    refresh = token(24)
    store.refresh_tokens[refresh] = RefreshToken(session.id, session.organization_id)
    access, access_claims = mint(emu, session)
    data: dict[str, Any] = {"user": store.user(session.user_id).to_api()}
    if "org_id" in access_claims:
        data["organization_id"] = session.organization_id
    data["access_token"] = access
    data["refresh_token"] = refresh
    data["authentication_method"] = session.authentication_method
    if session.impersonator:
        data["impersonator"] = {
            "email": session.impersonator["email"],
            "reason": session.impersonator.get("reason"),
        }
    if oauth and session.provider in OAUTH_SCOPES:
        data["oauth_tokens"] = {
            "provider": session.provider,
            "access_token": f"emu_oauth_{token(18)}",
            "refresh_token": f"emu_oauth_refresh_{token(18)}",
            "expires_at": int(store.now()) + 3600,
            "scopes": list(OAUTH_SCOPES[session.provider]),
        }
    return data
