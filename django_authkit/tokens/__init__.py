"""WorkOS access tokens: the shared signing-key set, RS256 verification, app tokens.

* :mod:`.keyset`: one validated JWKS shared by every process (fetch, cool-down, backoff).
* :mod:`.errors`: why a token is not trusted (one set of exceptions for both).
* :mod:`.verify`: :func:`verify_access_token`, RS256 only, exact claims and issuers.
* :mod:`.app_tokens`: the app's own bearer token for sign-ins without a WorkOS session.
"""

from __future__ import annotations

from django_authkit.tokens.errors import InvalidAccessToken, KeysUnavailable, UnknownKid
from django_authkit.tokens.verify import (
    clear_key_cache,
    describe,
    unverified_expiry,
    verify_access_token,
)

__all__ = [
    "InvalidAccessToken",
    "KeysUnavailable",
    "UnknownKid",
    "clear_key_cache",
    "describe",
    "unverified_expiry",
    "verify_access_token",
]
