"""Our own infrastructure down: the cache or the database unreachable for a while.

A Redis or PostgreSQL restart is an outage, not a crash. Every AuthKit use of the
cache and the database names which errors mean "unavailable" from here, and then
either carries on where that is safe (a cache read is a miss, a cache write is
skipped) or answers the documented 503 with ``Retry-After`` (see
:doc:`/sessions`, "When the cache or the database is down"). An outage is logged
once per process per :data:`LOG_EVERY` seconds, never once per request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError

logger = logging.getLogger("django_authkit.outage")

T = TypeVar("T")

#: Seconds a client is told to wait (``Retry-After``) while our infrastructure is down.
RETRY_AFTER = 5
#: One warning per process per this many seconds and per kind of outage.
LOG_EVERY = 30.0


def _cache_errors() -> tuple[type[BaseException], ...]:
    """What the cache backends in use raise when their server cannot be reached."""
    # Sockets (Memcached clients raise these): refused, reset, timed out.
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError]
    try:
        from redis import exceptions as redis_errors  # Django's RedisCache, django-redis
    except ImportError:  # pragma: no cover - redis is optional
        pass
    else:
        errors += [redis_errors.ConnectionError, redis_errors.TimeoutError,
                   redis_errors.BusyLoadingError]
    try:
        from django_redis.exceptions import ConnectionInterrupted  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:  # pragma: no cover - django-redis is optional
        errors.append(ConnectionInterrupted)
    return tuple(errors)


#: A cache server that cannot be reached (Redis down or restarting, a socket timeout).
CACHE_ERRORS: tuple[type[BaseException], ...] = _cache_errors()
#: A database that cannot be reached (a restart, a terminated backend, a dead connection).
DATABASE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
#: Either of the two.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = CACHE_ERRORS + DATABASE_ERRORS

_logged: dict[str, float] = {}
_log_lock = threading.Lock()


def note(what: str, exc: BaseException) -> None:
    """Log an outage of ``what`` (at most once per :data:`LOG_EVERY` s in this process)."""
    now = time.monotonic()
    with _log_lock:
        if now - _logged.get(what, -LOG_EVERY) < LOG_EVERY:
            return
        _logged[what] = now
    logger.warning("The %s is unavailable (%s); carrying on without it where safe.",
                   what, type(exc).__name__)


def kind(exc: BaseException) -> str:
    """``"database"`` or ``"cache"``: which outage ``exc`` is."""
    return "database" if isinstance(exc, DATABASE_ERRORS) else "cache"


def cache_or(action: Callable[[], T], default: T) -> T:
    """``action()`` (a cache call), or ``default`` when the cache cannot be reached."""
    try:
        return action()
    except CACHE_ERRORS as exc:
        note("cache", exc)
        return default


_OURS = ("/django_authkit/", "/django/contrib/auth/", "/django/contrib/sessions/")


def on_auth_path(exc: BaseException) -> bool:
    """Whether ``exc`` was raised inside AuthKit or while Django loaded the signed-in
    user or the session for it (a site view touching ``request.user`` first, say)."""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename.replace("\\", "/")
        if any(part in name for part in _OURS):
            return True
        tb = tb.tb_next
    return False
