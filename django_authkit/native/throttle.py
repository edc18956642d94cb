"""Rate limits of the native forms: per client address, per account, per mailbox.

``AUTHKIT["NATIVE_RATE_LIMITS"]`` names three fixed-window limits, counted in
the Django cache (shared by every worker, as :mod:`django_authkit.ratelimit`,
whose :class:`~django_authkit.core.ratelimit.Rate` and client function it reuses):

``client``
    Form submissions from one client address, whatever the account.
``account``
    Failed passwords and codes for one e-mail address (or WorkOS user), from
    anywhere. It applies to any address, existing or not, so being limited
    says nothing about whether an account exists.
``send``
    E-mails (sign-in codes, reset links) sent to one address.

Identities are hashed into the cache keys; no address is stored in the clear.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.core.cache import cache
from django.http import HttpRequest

from django_authkit.conf import SETTINGS, authkit_settings
from django_authkit.core.ratelimit import Rate, client_of

CLIENT = "client"
ACCOUNT = "account"
SEND = "send"


DEFAULTS: dict[str, str] = next(s.default for s in SETTINGS if s.name == "NATIVE_RATE_LIMITS")


def rate(kind: str) -> Rate | None:
    """The limit of ``kind``: the setting's value, its default when not named, ``None``: off."""
    limits = authkit_settings.NATIVE_RATE_LIMITS
    if limits is None:
        return None
    value = {**DEFAULTS, **limits}.get(kind)
    return Rate.parse(str(value)) if value else None


def identity(request: HttpRequest, kind: str, who: str | None = None) -> str:
    """The thing a limit counts: the client address, or a normalized account."""
    return client_of(request) if kind == CLIENT else (who or "").strip().lower()


def _key(kind: str, ident: str, limit: Rate, now: float) -> tuple[str, float]:
    window = int(now // limit.period)
    digest = hashlib.sha256(f"{kind}:{ident}".encode()).hexdigest()[:32]
    return f"authkit:native:{kind}:{digest}:{window}", (window + 1) * limit.period - now


def retry_after(request: HttpRequest, kind: str, who: str | None = None) -> int | None:
    """Seconds to wait when ``kind`` is used up for this client/account, else ``None``."""
    limit = rate(kind)
    ident = identity(request, kind, who)
    if limit is None or not ident:
        return None
    key, remaining = _key(kind, ident, limit, time.time())
    if int(cache.get(key) or 0) >= limit.count:
        return max(1, math.ceil(remaining))
    return None


def hit(request: HttpRequest, kind: str, who: str | None = None) -> None:
    """Count one event against ``kind`` for this client/account."""
    limit = rate(kind)
    ident = identity(request, kind, who)
    if limit is None or not ident:
        return
    key, remaining = _key(kind, ident, limit, time.time())
    timeout = int(remaining) + 2
    if not cache.add(key, 1, timeout=timeout):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=timeout)


def minutes(seconds: int) -> str:
    """``"1 minute"``, ``"15 minutes"``: a wait, for a message."""
    count = max(1, math.ceil(seconds / 60))
    return f"{count} minute{'s' if count != 1 else ''}"
