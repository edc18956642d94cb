"""The app's own bearer token, for sign-ins where WorkOS gives no session (SSO first).

The SSO API's code exchange (``/sso/token``) returns a profile and an opaque
WorkOS token that this app cannot verify, and no refresh token. API mode then
answers an app token instead: ``akt_`` + a value signed by Django's
:mod:`django.core.signing` (HMAC-SHA256 with ``SECRET_KEY`` and a purpose salt),
carrying the WorkOS user id, the organization, a session id (``app_…``) and an
expiry (``API_SSO_TOKEN_LIFETIME``). It is not a JWT: there is no header to choose
an algorithm from, so nothing to confuse (RFC 8725). It cannot be refreshed; the
client signs in again when it expires.

An app token is one of the user's AuthKit sessions: issuing it stores an
:class:`~django_authkit.models.AuthKitSession` row under its ``app_…`` id, and every
use reads that row (one indexed query, which also brings the user and the role of
its organization membership). So whatever ends a user's sessions ends it at once:
:func:`~django_authkit.sessions.revocation.revoke_user_sessions`, ``api-sign-out``,
deleting the user (the row goes with it), deactivating the user (refused on use).
Roles and permissions are read fresh from the membership, never frozen in the
token. It is signed and verified with the current ``SECRET_KEY`` only:
``SECRET_KEY_FALLBACKS`` does not keep tokens of a rotated-out key alive.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone
from typing import Any

from django.core import signing
from django.db.models import CharField, JSONField, OuterRef, Subquery

from django_authkit.conf import authkit_settings
from django_authkit.core import crypto
from django_authkit.models import AuthKitSession, Membership
from django_authkit.tokens.verify import InvalidAccessToken

PREFIX = "akt_"
SESSION_PREFIX = "app_"
SALT = "django_authkit.tokens.app_tokens.v2"
FRESH = ("role", "roles", "permissions")


def is_app_token(token: str) -> bool:
    return token.startswith(PREFIX)


def is_app_session(session_id: str) -> bool:
    """Whether a session id is an app token's (it has no WorkOS session to revoke)."""
    return session_id.startswith(SESSION_PREFIX)


def issue(claims: dict[str, Any], user: Any) -> tuple[str, int]:
    """A signed token for ``user`` (``claims``: ``sub``, ``org_id``) and its expiry.

    Stores the token's session row first, so the token exists only while it does.
    """
    now = int(time.time())
    exp = now + max(60, int(authkit_settings.API_SSO_TOKEN_LIFETIME))
    sid = SESSION_PREFIX + secrets.token_urlsafe(18)
    AuthKitSession.objects.create(
        session_id=sid,
        user=user,
        organization_id=claims.get("org_id") or "",
        access_token=crypto.encrypt(""),
        refresh_token=crypto.encrypt(""),
        access_token_expires_at=datetime.fromtimestamp(exp, tz=timezone.utc),
        authentication_method="SSO",
    )
    body: dict[str, Any] = {"sub": claims["sub"], "sid": sid, "iat": now, "exp": exp}
    if claims.get("org_id"):
        body["org_id"] = claims["org_id"]
    body["auth_time"] = now
    return PREFIX + signing.dumps(body, salt=SALT, compress=False), exp


def signed_claims(token: str) -> dict[str, Any]:
    """The signed body of an unexpired token (current ``SECRET_KEY`` only); no query."""
    if not is_app_token(token) or len(token) > 4096:
        raise InvalidAccessToken("malformed")
    try:
        # fallback_keys=[]: a SECRET_KEY rotation ends every token signed with the old key.
        claims = signing.loads(token[len(PREFIX):], salt=SALT, fallback_keys=[])
    except signing.BadSignature:
        raise InvalidAccessToken("signature") from None
    if (
        not isinstance(claims, dict)
        or not isinstance(claims.get("sub"), str)
        or not isinstance(claims.get("sid"), str)
        or not is_app_session(claims["sid"])
    ):
        raise InvalidAccessToken("claims")
    if int(claims.get("exp", 0)) <= time.time():
        raise InvalidAccessToken("expired")
    return claims


def authenticate(token: str) -> tuple[Any, dict[str, Any]]:
    """``(django user, claims)`` of a live token; else :class:`InvalidAccessToken`.

    One query: the token's session row (by its unique id), its user, and the role,
    roles and permissions of the user's active membership in the token's organization.
    """
    claims = signed_claims(token)
    membership = Membership.objects.filter(
        user=OuterRef("user"),
        organization__workos_id=OuterRef("organization_id"),
        status="active",
    )
    row = (
        AuthKitSession.objects.filter(session_id=claims["sid"], ended_at__isnull=True)
        .select_related("user")
        .annotate(**{
            f"m_{name}": Subquery(
                membership.values(name)[:1],
                output_field=CharField() if name == "role" else JSONField(),
            )
            for name in FRESH
        })
        .first()
    )
    if row is None:
        raise InvalidAccessToken("revoked")
    fresh = {name: getattr(row, f"m_{name}") for name in FRESH}
    claims = {k: v for k, v in claims.items() if k not in FRESH}
    if claims.get("org_id") and fresh["role"]:
        claims.update({k: v for k, v in fresh.items() if v not in (None, "", [])})
    return row.user, claims


def verify(token: str) -> dict[str, Any]:
    """The claims of a live app token (fresh roles); else :class:`InvalidAccessToken`."""
    return authenticate(token)[1]
