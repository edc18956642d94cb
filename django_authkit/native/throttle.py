"""Rate limits of the native forms: per client address, per account, per mailbox.

``AUTHKIT["NATIVE_RATE_LIMITS"]`` names three fixed-window limits, counted in
the Django cache (shared by every worker, as :mod:`django_authkit.ratelimit`,
whose :class:`~django_authkit.core.ratelimit.Rate` and client function it reuses):

``client``
    Form submissions from one client address, whatever the account.
``account``
    Failed passwords and codes for one e-mail address from one client address.
    It applies to any address, existing or not, so being limited says nothing
    about whether an account exists. Counted *before* WorkOS is asked (an attempt
    is reserved atomically, and given back when it was not a wrong guess), so
    parallel requests cannot overspend it.
``account_ceiling``
    Failed passwords for one e-mail address from every client together: a higher
    ceiling against guessing from many addresses. Reaching it pauses password
    sign-in for that address only; magic-code sign-in stays open (each code
    allows ``NATIVE_MAX_CODE_ATTEMPTS`` guesses and ``send`` bounds the codes), so
    an attacker cannot lock a victim out of every way in.
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
from django_authkit.core.ratelimit import Rate, client_of, increment

CLIENT = "client"
ACCOUNT = "account"
ACCOUNT_CEILING = "account_ceiling"
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
    """The thing a limit counts: the client address, a normalized account (per client)."""
    if kind == CLIENT:
        return client_of(request)
    account = (who or "").strip().lower()
    if kind == ACCOUNT and account:
        return f"{account}\x00{client_of(request)}"
    return account


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


def reserve(
    request: HttpRequest, kind: str, who: str | None = None
) -> tuple[str | None, int | None]:
    """Count one attempt now, before it is made: ``(key to release, seconds to wait)``.

    ``cache.add``/``cache.incr`` are atomic on Redis and Memcached (and the local
    cache), so of N parallel attempts at most the limit's count get a ``None`` wait.
    An attempt over the limit is given back at once (it is not made).
    """
    limit = rate(kind)
    ident = identity(request, kind, who)
    if limit is None or not ident:
        return None, None
    key, remaining = _key(kind, ident, limit, time.time())
    timeout = int(remaining) + 2
    count = increment(key, timeout)
    if count > limit.count:
        release(key)
        return None, max(1, math.ceil(remaining))
    return key, None


def release(key: str | None) -> None:
    """Give back an attempt :func:`reserve` counted (it was not a wrong guess)."""
    if key is None:
        return
    try:
        cache.decr(key)
    except ValueError:  # the window ended meanwhile: nothing to give back
        pass


def minutes(seconds: int) -> str:
    """``"1 minute"``, ``"15 minutes"``: a wait, for a message."""
    count = max(1, math.ceil(seconds / 60))
    return f"{count} minute{'s' if count != 1 else ''}"
