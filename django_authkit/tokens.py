"""Access-token verification: RS256 only, keys from the WorkOS JWKS, exact claims.

Keys are cached in process and in the Django cache, so a fresh token costs no
network call. An unknown ``kid`` triggers at most one refetch per cool-down
(shared across processes), and a JWKS outage keeps the keys already known.
Header-supplied keys (``jwk``, ``jku``, ``x5u``, ``x5c``) and ``crit`` are
refused outright (RFC 8725 §3.1, §2.5).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from django.core.cache import cache

from django_authkit.conf import authkit_settings

logger = logging.getLogger("django_authkit.tokens")

MAX_TOKEN_BYTES = 16 * 1024
REQUIRED_CLAIMS = ("exp", "iat", "iss", "sub", "sid")
FORBIDDEN_HEADERS = ("jwk", "jku", "x5u", "x5c", "crit")


class InvalidAccessToken(Exception):
    """The token must not be trusted; ``reason`` is safe to log (no token data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeysUnavailable(InvalidAccessToken):
    """No usable signing key could be obtained (JWKS unreachable, nothing cached)."""


@dataclass
class _KeySet:
    fetched_at: float
    keys: dict[str, Any] = field(default_factory=dict)


_local: dict[str, _KeySet] = {}
_lock = threading.Lock()


def _jwks_url() -> str:
    return f"{authkit_settings.api_base_url}/sso/jwks/{authkit_settings.CLIENT_ID}"


def _parse(jwks: dict[str, Any]) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for jwk in jwks.get("keys", []):
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not jwk.get("kid"):
            continue
        if jwk.get("use") not in (None, "sig") or jwk.get("alg") not in (None, "RS256"):
            continue
        try:
            keys[str(jwk["kid"])] = jwt.PyJWK(jwk, algorithm="RS256").key
        except (jwt.PyJWKError, ValueError, TypeError):
            logger.warning("Ignoring an unusable key in the WorkOS JWKS (kid=%s).", jwk.get("kid"))
    return keys


def _fetch(url: str) -> _KeySet:
    from django_authkit.client import get_workos

    raw = get_workos().user_management.get_jwks()
    now = time.time()
    cache.set(f"authkit:jwks:{url}", json.dumps({"t": now, "jwks": raw}), timeout=None)
    return _KeySet(now, _parse(raw))


def _known_keys(url: str) -> _KeySet | None:
    with _lock:
        found = _local.get(url)
    if found is None:
        shared = cache.get(f"authkit:jwks:{url}")
        if shared:
            entry = json.loads(shared)
            found = _KeySet(float(entry["t"]), _parse(entry["jwks"]))
            with _lock:
                _local[url] = found
    return found


def signing_key(kid: str) -> Any:
    """Return the public key for ``kid``, fetching the JWKS only when it must."""
    url = _jwks_url()
    known = _known_keys(url)
    stale = known is None or time.time() - known.fetched_at > authkit_settings.JWKS_CACHE_SECONDS
    if known is not None and kid in known.keys and not stale:
        return known.keys[kid]
    # Refetch: the set is stale, or this kid is new (rotation). Unknown kids are
    # rate-limited across processes so a flood of forged kids cannot hammer WorkOS.
    may_fetch = (
        known is None
        or stale
        or cache.add(
            f"authkit:jwks-cooldown:{url}", 1, timeout=authkit_settings.JWKS_REFETCH_COOLDOWN
        )
    )
    if may_fetch:
        try:
            fresh = _fetch(url)
        except Exception as exc:  # WorkOS down: keep what we had
            logger.warning("Could not fetch the WorkOS JWKS: %s", type(exc).__name__)
        else:
            with _lock:
                _local[url] = fresh
            known = fresh
    if known is None:
        raise KeysUnavailable("jwks_unavailable")
    if kid not in known.keys:
        raise InvalidAccessToken("unknown_kid")
    return known.keys[kid]


def verify_access_token(token: str) -> dict[str, Any]:
    """Verify a WorkOS access token and return its claims, or raise InvalidAccessToken."""
    header = _header(token)
    if header.get("alg") != "RS256":
        raise InvalidAccessToken("algorithm_not_allowed")
    if any(name in header for name in FORBIDDEN_HEADERS):
        raise InvalidAccessToken("forbidden_header")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid or len(kid) > 256:
        raise InvalidAccessToken("missing_kid")
    key = signing_key(kid)
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
    for name in ("sub", "sid", "iss"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise InvalidAccessToken(f"missing_claim:{name}")
    return claims


def _header(token: Any) -> dict[str, Any]:
    """The JOSE header, decoded strictly and only once (``jwt.decode`` checks the rest)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_BYTES:
        raise InvalidAccessToken("malformed")
    if token.count(".") != 2:
        raise InvalidAccessToken("malformed")
    segment = token.partition(".")[0]
    try:
        raw = base64.b64decode(segment + "=" * (-len(segment) % 4), altchars=b"-_", validate=True)
        header = json.loads(raw)
    except (ValueError, binascii.Error):
        raise InvalidAccessToken("malformed") from None
    if not isinstance(header, dict):
        raise InvalidAccessToken("malformed")
    return header


def clear_key_cache() -> None:
    """Forget keys in this process (tests and key-rotation tooling)."""
    with _lock:
        _local.clear()
