"""The app's own bearer token, for sign-ins where WorkOS gives no session (SSO first).

The SSO API's code exchange (``/sso/token``) returns a profile and an opaque
WorkOS token that this app cannot verify, and no refresh token. API mode then
answers an app token instead: ``akt_`` + a value signed by Django's
:mod:`django.core.signing` (HMAC-SHA256 with ``SECRET_KEY`` and a purpose salt),
carrying the WorkOS user id, organization, role and an expiry
(``API_SSO_TOKEN_LIFETIME``). It is not a JWT: there is no header to choose an
algorithm from, so nothing to confuse (RFC 8725). It cannot be refreshed; the
client signs in again when it expires. Deactivating the Django user, or
rotating ``SECRET_KEY``, ends it at once.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.core import signing

from django_authkit.conf import authkit_settings
from django_authkit.tokens.verify import InvalidAccessToken

PREFIX = "akt_"
SALT = "django_authkit.tokens.app_tokens.v1"
KEPT = ("sub", "org_id", "role", "roles", "permissions")


def is_app_token(token: str) -> bool:
    return token.startswith(PREFIX)


def issue(claims: dict[str, Any]) -> tuple[str, int]:
    """A signed token for ``claims`` (``sub`` required) and its expiry (Unix seconds)."""
    now = int(time.time())
    exp = now + max(60, int(authkit_settings.API_SSO_TOKEN_LIFETIME))
    body = {k: claims[k] for k in KEPT if claims.get(k) not in (None, "", [])}
    body.update(
        {"sid": "app_" + secrets.token_urlsafe(12), "iat": now, "exp": exp, "auth_time": now}
    )
    return PREFIX + signing.dumps(body, salt=SALT, compress=False), exp


def verify(token: str) -> dict[str, Any]:
    """The claims of a valid, unexpired app token; else :class:`InvalidAccessToken`."""
    if not is_app_token(token) or len(token) > 4096:
        raise InvalidAccessToken("malformed")
    try:
        claims = signing.loads(token[len(PREFIX):], salt=SALT)
    except signing.BadSignature:
        raise InvalidAccessToken("signature") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str):
        raise InvalidAccessToken("claims")
    if int(claims.get("exp", 0)) <= time.time():
        raise InvalidAccessToken("expired")
    return claims
