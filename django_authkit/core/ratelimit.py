"""Fixed-window rate limits for the sensitive endpoints, kept in the Django cache.

Limits come from ``AUTHKIT["RATE_LIMITS"]`` (``{"callback": "30/m", ...}``) and
apply per client (the client IP of :mod:`django_authkit.clientip`, which
``TRUSTED_PROXY_COUNT`` makes right behind a proxy, unless ``RATE_LIMIT_CLIENT``
names a function). The counter is a cache key per (scope, client, window), created with
``cache.add`` and bumped with ``cache.incr`` (atomic on Redis and Memcached),
so every worker process shares it. The client's address is hashed into the key.

The cache down fails open: a counter that cannot be read or bumped limits nothing
(sign-in keeps working through a Redis restart; WorkOS's own limits still apply).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.module_loading import import_string

from django_authkit.conf import authkit_settings, default_of
from django_authkit.core.clientip import client_ip
from django_authkit.core.outage import cache_or

logger = logging.getLogger("django_authkit.ratelimit")

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    period: int

    @classmethod
    def parse(cls, value: str) -> Rate:
        """``"30/m"``, ``"100/10m"``, ``"5/s"``."""
        match = _RATE.match(value)
        if not match:
            raise ValueError(f"Invalid rate {value!r}; use '<count>/<s|m|h|d>'.")
        count, mult, unit = match.groups()
        return cls(int(count), int(mult or 1) * _UNITS[unit])


def rate_for(scope: str) -> Rate | None:
    limits = authkit_settings.RATE_LIMITS
    if not limits or not isinstance(limits, dict):
        return None  # None or {}: rate limiting off
    # A scope the site does not name keeps its default (a new scope stays protected).
    value = limits[scope] if scope in limits else default_of("RATE_LIMITS").get(scope)
    if not value:
        return None
    try:
        return Rate.parse(str(value))
    except ValueError:
        # A typo must not turn every sign-in into a 500; say so loudly instead.
        logger.error("AUTHKIT['RATE_LIMITS'][%r] = %r is not a rate; not limiting.", scope, value)
        return None


def client_of(request: HttpRequest) -> str:
    """Who a limit counts: ``RATE_LIMIT_CLIENT``'s answer, else the one client IP."""
    path = authkit_settings.RATE_LIMIT_CLIENT
    if path:
        return str(import_string(str(path))(request))
    return client_ip(request)


def _key(scope: str, request: HttpRequest, rate: Rate, now: float) -> tuple[str, float]:
    window = int(now // rate.period)
    client = hashlib.sha256(client_of(request).encode()).hexdigest()[:32]
    return f"authkit:rl:{scope}:{client}:{window}", (window + 1) * rate.period - now


def retry_after(request: HttpRequest, scope: str) -> int | None:
    """Seconds to wait if ``scope`` is exhausted for this client, else ``None`` (no count)."""
    rate = rate_for(scope)
    if rate is None:
        return None
    key, remaining = _key(scope, request, rate, time.time())
    # Fail open: a counter that cannot be read (the cache down) never blocks a sign-in.
    if int(cache_or(lambda: cache.get(key), 0) or 0) >= rate.count:
        return max(1, math.ceil(remaining))
    return None


def hit(request: HttpRequest, scope: str) -> int | None:
    """Count one attempt; return seconds to wait if that exceeded the limit."""
    rate = rate_for(scope)
    if rate is None:
        return None
    key, remaining = _key(scope, request, rate, time.time())
    timeout = int(remaining) + 2
    return cache_or(lambda: _count(key, timeout, rate, remaining), None)  # fail open


def increment(key: str, timeout: int) -> int:
    """Add one to the shared counter ``key`` (created for ``timeout`` s); the new count.

    ``cache.add`` then ``cache.incr``: atomic on Redis and Memcached, so every worker
    process counts on the same number.
    """
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def _count(key: str, timeout: int, rate: Rate, remaining: float) -> int | None:
    count = increment(key, timeout)
    if count > rate.count:
        return max(1, math.ceil(remaining))
    return None

