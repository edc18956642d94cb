"""``Authorization: Bearer <WorkOS API key>``: machine clients (authkit-nextjs ``validateApiKey``).

With ``AUTHKIT["API_KEYS"]`` on, a bearer value that is not a JWT is validated
through the WorkOS API (``POST /api_keys/validations``). The answer (valid or
not) is kept in the Django cache for ``API_KEY_CACHE_SECONDS`` under the key's
SHA-256, so every worker shares it and the key itself is never stored or logged;
a revoked key therefore works at most that long; a refused value is remembered
for ``API_KEY_NEGATIVE_CACHE_SECONDS`` only. ``request.authkit`` then carries the
key (``api_key``), its organization and its permissions.

Validation has a budget: a value not in the cache is validated only after it is
counted, atomically, against the client's ``api-key-validation`` rate limit
(``RATE_LIMITS``; the client as :mod:`~django_authkit.core.ratelimit` names it).
Past the budget the request is refused (429 with ``Retry-After``) without calling
WorkOS or storing anything, so random values cost a bounded number of WorkOS calls
and cache entries per client and window.

A key owned by a user acts as that user's Django account (one never provisioned
here is refused); a key owned by an organization acts as an
:class:`ApiKeyUser`: authenticated, not in the database, whose ``has_perm``
answers the key's WorkOS permissions.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest

from django_authkit.client.errors import WorkOSError
from django_authkit.conf import authkit_settings
from django_authkit.core import ratelimit
from django_authkit.core.outage import cache_or
from django_authkit.models import WorkOSUser
from django_authkit.workos import get_workos

logger = logging.getLogger("django_authkit.api_keys")

PREFIX = "authkit:api-key:"
SCOPE = "api-key-validation"


class OverBudget(Exception):
    """The client spent its ``api-key-validation`` budget; retry after ``retry_after`` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class ApiKeyUser(AnonymousUser):
    """``request.user`` of a request authenticated by an organization's API key."""

    is_active = True  # type: ignore[assignment]
    email = first_name = last_name = ""

    def __init__(self, key: dict[str, Any]) -> None:
        self.key = key
        self.username = f"api_key:{key['id']}"  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.username

    @property
    def is_anonymous(self) -> bool:  # type: ignore[override]
        return False

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True

    def get_username(self) -> str:
        return self.username

    def get_full_name(self) -> str:
        return str(self.key.get("name") or self.username)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return obj is None and perm in self.key.get("permissions", [])

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return all(self.has_perm(p, obj) for p in perm_list)


def looks_like_api_key(token: str) -> bool:
    """JWTs have three dot-separated parts; WorkOS API keys have none."""
    return "." not in token and not token.startswith("akt_") and 16 <= len(token) <= 512


def validated(token: str, request: HttpRequest | None = None) -> dict[str, Any] | None:
    """The key's data (``id``, ``owner``, ``organization_id``, ``permissions``) or None.

    A value not in the cache first counts against ``request``'s client budget
    (:class:`OverBudget` past it). Raises
    :class:`~django_authkit.client.errors.WorkOSError` when WorkOS does not answer.
    """
    name = PREFIX + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
    cached = cache_or(lambda: cache.get(name), None)  # the cache down: ask WorkOS
    now = time.time()
    if isinstance(cached, dict):
        expires = cached.get("expires_at")
        if cached.get("invalid") or expires is None or expires > now:
            return None if cached.get("invalid") else cached
    if request is not None:  # reserved before the call: parallel requests cannot overspend
        wait = ratelimit.hit(request, SCOPE)
        if wait is not None:
            raise OverBudget(wait)
    key = get_workos().api_keys.validate_api_key(value=token)
    ttl = max(1, int(authkit_settings.API_KEY_CACHE_SECONDS))
    if key is None:
        negative = max(1, min(ttl, int(authkit_settings.API_KEY_NEGATIVE_CACHE_SECONDS)))
        cache_or(lambda: cache.set(name, {"invalid": True}, negative), None)
        return None
    expires_at = key.expires_at.timestamp() if key.expires_at else None
    data = {
        "id": key.id,
        "name": key.name,
        "owner_type": key.owner.type,
        "owner_id": key.owner.id,
        "organization_id": key.organization_id,
        "permissions": list(key.permissions),
        "expires_at": expires_at,
    }
    if expires_at is not None:
        ttl = max(1, min(ttl, int(expires_at - now)))
    cache_or(lambda: cache.set(name, data, ttl), None)
    return data


def principal(key: dict[str, Any]) -> Any | None:
    """The Django user a key acts as; ``None`` for a user key whose user is unknown here."""
    if key["owner_type"] != "user":
        return ApiKeyUser(key)
    link = WorkOSUser.objects.select_related("user").filter(workos_id=key["owner_id"]).first()
    return link.user if link is not None else None


def claims_for(key: dict[str, Any]) -> dict[str, Any]:
    """The hot claims of a key-authenticated request (no session, no expiry of its own)."""
    claims: dict[str, Any] = {
        "org_id": key.get("organization_id"),
        "permissions": list(key.get("permissions") or []),
        "api_key": {"id": key["id"], "name": key.get("name", ""), "owner_type": key["owner_type"]},
    }
    if key["owner_type"] == "user":
        claims["sub"] = key["owner_id"]
    return claims


__all__ = ["ApiKeyUser", "OverBudget", "WorkOSError", "claims_for", "looks_like_api_key",
           "principal", "validated"]
