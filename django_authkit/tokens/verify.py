"""Access-token verification: RS256 only, keys from the WorkOS JWKS, exact claims.

Keys come from :mod:`django_authkit.keyset` (one validated set shared across
processes). Header-supplied keys (``jwk``, ``jku``, ``x5u``, ``x5c``) and ``crit``
are refused outright (RFC 8725 §3.1, §2.5), and so is every member that would change
how the payload is read (``b64``, RFC 7797 §6; ``zip``; ``cty``, which announces a
nested token): the payload is always the base64url of a JSON claims set. Whatever
the input (deep nesting, huge numbers, duplicate keys, bytes that are not UTF-8,
claims of the wrong type) the outcome is verified claims or :class:`InvalidAccessToken`, never
another exception.

The checks are written out here rather than delegated to ``jwt.decode``: with one
algorithm and one key type there is little to choose, and PyJWT decodes the
header a second time and walks every character of every segment in Python,
which cost a first-seen bearer request more than the RSA verification itself
(see ``bench/RESULTS.md``). Signatures are still verified by ``cryptography``.
"""

from __future__ import annotations

import binascii
import logging
import re
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from django_authkit.conf import authkit_settings
from django_authkit.tokens import keyset
from django_authkit.tokens.errors import InvalidAccessToken, KeysUnavailable

#: The exceptions are re-exported: code that verifies tokens catches them from here.
__all__ = [
    "InvalidAccessToken",
    "KeysUnavailable",
    "check_claim_types",
    "check_registered_claims",
    "clear_key_cache",
    "describe",
    "signed_payload",
    "signing_key",
    "unverified_expiry",
    "verify_access_token",
]

logger = logging.getLogger("django_authkit.tokens")

MAX_TOKEN_BYTES = 16 * 1024
REQUIRED_CLAIMS = ("exp", "iat", "iss", "sub", "sid")
FORBIDDEN_HEADERS = ("jwk", "jku", "x5u", "x5c", "crit", "b64", "zip", "cty")
MAX_TIMESTAMP = 253402300799  # 9999-12-31: anything later cannot be a datetime
OPTIONAL_TIMES = ("auth_time",)  # read by ``recent_auth_required``: a number or absent
MAX_ISSUER_SHOWN = 200  # characters of a received ``iss`` kept for the log line
STRING_CLAIMS = ("iss", "sub", "sid")
OPTIONAL_STRINGS = ("org_id", "role", "jti")
STRING_LISTS = ("roles", "permissions", "entitlements", "feature_flags")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_BASE64URL_VALUE = {c: i for i, c in enumerate(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}
_UNUSED_BITS = {2: 0b1111, 3: 0b11}  # low bits of the last character that carry no data
_PADDING = {0: b"", 2: b"==", 3: b"="}
_TO_STANDARD_ALPHABET = bytes.maketrans(b"-_", b"+/")
_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


#: Reasons that say nothing bad about the token itself, only about our key set or clock.
OUR_SIDE = frozenset({"jwks_unavailable", "unknown_kid", "expired"})


def signing_key(kid: str, *, from_workos: bool = False) -> Any:
    """The public key for ``kid`` (see :func:`django_authkit.tokens.keyset.key_for`)."""
    return keyset.key_for(kid, from_workos=from_workos)


def verify_access_token(token: str, *, from_workos: bool = False) -> dict[str, Any]:
    """Verify a WorkOS access token and return its claims, or raise InvalidAccessToken.

    ``from_workos=True`` for a token WorkOS just returned over the authenticated
    API (code exchange, refresh): an unknown ``kid`` then always allows a key
    fetch. Tokens from requests (bearer headers) share a fetch cool-down.

    Each segment is decoded once. The algorithm is fixed (RS256, RFC 8725 §3.1):
    the signature is checked with ``cryptography`` (PKCS#1 v1.5, SHA-256) against
    the key the header's ``kid`` names, and only then is the payload read.
    """
    claims = signed_payload(token, from_workos=from_workos)
    check_registered_claims(claims)
    check_claim_types(claims)
    return claims


def signed_payload(token: str, *, from_workos: bool = False) -> dict[str, Any]:
    """The payload of a token whose header and signature check out, claims not yet checked.

    Only for diagnostics (``authkit_doctor`` reads the ``iss`` WorkOS wrote into an
    expired token); anything that grants access uses :func:`verify_access_token`.
    """
    head, payload, signature = _segments(token)
    header = _json_segment(head)
    if header.get("alg") != "RS256":
        raise InvalidAccessToken("algorithm_not_allowed")
    if any(name in header for name in FORBIDDEN_HEADERS):
        raise InvalidAccessToken("forbidden_header")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid or len(kid) > 256:
        raise InvalidAccessToken("missing_kid")
    key = signing_key(kid, from_workos=from_workos)
    if not isinstance(key, RSAPublicKey):
        raise InvalidAccessToken("invalid")
    try:
        key.verify(_decode_segment(signature), f"{head}.{payload}".encode("ascii"),
                   _PKCS1V15, _SHA256)
    except (InvalidSignature, InvalidAccessToken):
        raise InvalidAccessToken("invalid") from None
    return _json_segment(payload, reason="invalid")


def check_registered_claims(claims: dict[str, Any]) -> None:
    """Required claims present, times and issuer exact (RFC 7519 §4.1, RFC 8725 §3.8-3.9).

    The reasons match what callers already rely on: ``expired`` (our side: refresh),
    ``wrong_issuer``, ``missing_claim:<name>``; anything else is ``invalid``.
    """
    for name in REQUIRED_CLAIMS:
        if claims.get(name) is None:
            raise InvalidAccessToken(f"missing_claim:{name}")
    now = time.time()
    leeway = int(authkit_settings.JWT_LEEWAY)
    iat, exp = _timestamp(claims["iat"]), _timestamp(claims["exp"])
    if iat > now + leeway:
        raise InvalidAccessToken("invalid")  # issued in the future
    if "nbf" in claims and _timestamp(claims["nbf"]) > now + leeway:
        raise InvalidAccessToken("invalid")  # not yet valid
    if exp <= now - leeway:
        raise InvalidAccessToken("expired")
    iss = claims["iss"]
    accepted = authkit_settings.issuers
    if not isinstance(iss, str) or iss not in accepted:
        raise InvalidAccessToken(
            "wrong_issuer",
            received_issuer=iss[:MAX_ISSUER_SHOWN] if isinstance(iss, str) else None,
            accepted_issuers=authkit_settings.issuer_list,
        )
    for name in ("sub", "jti"):
        if name in claims and not isinstance(claims[name], str):
            raise InvalidAccessToken("invalid")


def _timestamp(value: Any) -> int:
    """A NumericDate as an integer; a value that is not a finite number is ``invalid``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidAccessToken("invalid")
    try:
        return int(value)
    except (ValueError, OverflowError):
        raise InvalidAccessToken("invalid") from None


def check_claim_types(claims: Any) -> None:
    """Every claim the app reads has the type it expects, so nothing downstream can crash."""
    if not isinstance(claims, dict):
        raise InvalidAccessToken("invalid")
    for name in ("exp", "iat", "auth_time"):
        value = claims.get(name)
        if name in OPTIONAL_TIMES and value is None:
            continue
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


def _segments(token: Any) -> list[str]:
    """The three compact-serialization segments of a bounded, ASCII token (RFC 7515 §7.1)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_BYTES:
        raise InvalidAccessToken("malformed")
    if not token.isascii():  # every segment is base64url: the signing input is ASCII
        raise InvalidAccessToken("malformed")
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidAccessToken("malformed")
    return parts


def _decode_segment(segment: str, reason: str = "malformed") -> bytes:
    """Strict base64url: the URL-safe alphabet, no padding, no stray trailing bits.

    ``binascii`` alone would also take ``+``, ``/`` and ``=`` and ignore the unused
    low bits of the last character, letting many strings stand for one token.
    """
    rest = len(segment) % 4
    if rest == 1 or not _BASE64URL.fullmatch(segment):
        raise InvalidAccessToken(reason)
    if rest and _BASE64URL_VALUE[segment[-1]] & _UNUSED_BITS[rest]:
        raise InvalidAccessToken(reason)
    return binascii.a2b_base64(segment.encode().translate(_TO_STANDARD_ALPHABET) + _PADDING[rest])


def _json_segment(segment: str, reason: str = "malformed") -> dict[str, Any]:
    """A segment holding a JSON object, parsed strictly (no duplicate names, bounded depth)."""
    try:
        value = keyset.loads_strict(_decode_segment(segment, reason))
    except ValueError:
        raise InvalidAccessToken(reason) from None
    if not isinstance(value, dict):
        raise InvalidAccessToken(reason)
    return value


def clear_key_cache() -> None:
    """Forget keys in this process (tests and key-rotation tooling)."""
    keyset.clear()


def unverified_expiry(token: Any) -> int | None:
    """The ``exp`` a token claims, unverified (to date a stored pair); None if unreadable."""
    try:
        exp = _json_segment(str(token).split(".")[1]).get("exp")
    except Exception:
        return None
    if isinstance(exp, bool) or not isinstance(exp, int) or not 0 < exp < MAX_TIMESTAMP:
        return None
    return exp


def describe(exc: InvalidAccessToken) -> str:
    """A one-line, log-safe description of a refusal (no token data beyond the issuer).

    ``wrong_issuer`` names the issuer WorkOS wrote, the issuers this site accepts
    and the setting that fixes it.
    """
    if exc.reason != "wrong_issuer":
        return exc.reason
    received = ("an iss that is not a string" if exc.received_issuer is None
                else repr(exc.received_issuer))
    accepted = ", ".join(repr(i) for i in exc.accepted_issuers) or "nothing"
    return (f"wrong_issuer: received {received} but this site accepts {accepted} "
            "(set AUTHKIT['ISSUER'] or WORKOS_ISSUER to the issuer your WorkOS environment "
            "mints)")
