"""Access-token verification: RS256 only, keys from the WorkOS JWKS, exact claims.

Keys come from :mod:`django_authkit.keyset` (one validated set shared across
processes). Header-supplied keys (``jwk``, ``jku``, ``x5u``, ``x5c``) and ``crit``
are refused outright (RFC 8725 §3.1, §2.5). Whatever the input (deep nesting,
huge numbers, duplicate keys, bytes that are not UTF-8, claims of the wrong
type) the outcome is verified claims or :class:`InvalidAccessToken`, never
another exception.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

import jwt

from django_authkit import keyset
from django_authkit.conf import authkit_settings

logger = logging.getLogger("django_authkit.tokens")

MAX_TOKEN_BYTES = 16 * 1024
REQUIRED_CLAIMS = ("exp", "iat", "iss", "sub", "sid")
FORBIDDEN_HEADERS = ("jwk", "jku", "x5u", "x5c", "crit")
MAX_TIMESTAMP = 253402300799  # 9999-12-31: anything later cannot be a datetime
STRING_CLAIMS = ("iss", "sub", "sid")
OPTIONAL_STRINGS = ("org_id", "role", "jti")
STRING_LISTS = ("roles", "permissions", "entitlements", "feature_flags")


class InvalidAccessToken(Exception):
    """The token must not be trusted; ``reason`` is safe to log (no token data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeysUnavailable(InvalidAccessToken):
    """No usable signing key could be obtained (JWKS unreachable, nothing cached).

    A failure on our side: a session keeps its tokens and verifies again later.
    """


#: Reasons that say nothing bad about the token itself, only about our key set or clock.
OUR_SIDE = frozenset({"jwks_unavailable", "unknown_kid", "expired"})


def signing_key(kid: str, *, from_workos: bool = False) -> Any:
    """The public key for ``kid`` (see :func:`django_authkit.keyset.key_for`)."""
    try:
        return keyset.key_for(kid, from_workos=from_workos)
    except keyset.KeysUnavailable:
        raise KeysUnavailable("jwks_unavailable") from None
    except keyset.UnknownKid:
        raise InvalidAccessToken("unknown_kid") from None


def verify_access_token(token: str, *, from_workos: bool = False) -> dict[str, Any]:
    """Verify a WorkOS access token and return its claims, or raise InvalidAccessToken.

    ``from_workos=True`` for a token WorkOS just returned over the authenticated
    API (code exchange, refresh): an unknown ``kid`` then always allows a key
    fetch. Tokens from requests (bearer headers) share a fetch cool-down.
    """
    header = _header(token)
    if header.get("alg") != "RS256":
        raise InvalidAccessToken("algorithm_not_allowed")
    if any(name in header for name in FORBIDDEN_HEADERS):
        raise InvalidAccessToken("forbidden_header")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid or len(kid) > 256:
        raise InvalidAccessToken("missing_kid")
    key = signing_key(kid, from_workos=from_workos)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            issuer=authkit_settings.issuer,
            leeway=int(authkit_settings.JWT_LEEWAY),
            options={"require": list(REQUIRED_CLAIMS), "verify_aud": False, "strict_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidAccessToken("expired") from None
    except jwt.InvalidIssuerError:
        raise InvalidAccessToken("wrong_issuer") from None
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidAccessToken(f"missing_claim:{exc.claim}") from None
    except jwt.PyJWTError:
        raise InvalidAccessToken("invalid") from None
    except Exception:  # PyJWT lets TypeError/OverflowError/RecursionError out on odd claims
        raise InvalidAccessToken("invalid") from None
    check_claim_types(claims)
    return claims


def check_claim_types(claims: Any) -> None:
    """Every claim the app reads has the type it expects, so nothing downstream can crash."""
    if not isinstance(claims, dict):
        raise InvalidAccessToken("invalid")
    for name in ("exp", "iat"):
        value = claims.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < MAX_TIMESTAMP:
            raise InvalidAccessToken(f"bad_claim:{name}")
    for name in STRING_CLAIMS:
        value = claims.get(name)
        if not isinstance(value, str) or not value or len(value) > 1024:
            raise InvalidAccessToken(f"missing_claim:{name}")
    for name in OPTIONAL_STRINGS:
        value = claims.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 1024):
            raise InvalidAccessToken(f"bad_claim:{name}")
    for name in STRING_LISTS:
        value = claims.get(name)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            raise InvalidAccessToken(f"bad_claim:{name}")
    act = claims.get("act")
    if act is not None and not (isinstance(act, dict) and isinstance(act.get("sub", ""), str)):
        raise InvalidAccessToken("bad_claim:act")


def _header(token: Any) -> dict[str, Any]:
    """The JOSE header, decoded strictly and only once (``jwt.decode`` checks the rest)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_BYTES:
        raise InvalidAccessToken("malformed")
    if not token.isascii():
        raise InvalidAccessToken("malformed")
    if token.count(".") != 2:
        raise InvalidAccessToken("malformed")
    segment = token.partition(".")[0]
    try:
        raw = base64.b64decode(segment + "=" * (-len(segment) % 4), altchars=b"-_", validate=True)
        header = keyset.loads_strict(raw)
    except (ValueError, binascii.Error):
        raise InvalidAccessToken("malformed") from None
    if not isinstance(header, dict):
        raise InvalidAccessToken("malformed")
    return header


def clear_key_cache() -> None:
    """Forget keys in this process (tests and key-rotation tooling)."""
    keyset.clear()


def unverified_expiry(token: Any) -> int | None:
    """The ``exp`` a token claims, unverified (to date a stored pair); None if unreadable."""
    try:
        segment = str(token).split(".")[1]
        raw = base64.b64decode(segment + "=" * (-len(segment) % 4), altchars=b"-_", validate=True)
        exp = keyset.loads_strict(raw).get("exp")
    except Exception:
        return None
    if isinstance(exp, bool) or not isinstance(exp, int) or not 0 < exp < MAX_TIMESTAMP:
        return None
    return exp
