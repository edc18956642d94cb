"""Wake the requests waiting for another request's refresh the moment it is done.

Where the database cannot lock rows (SQLite), concurrent requests of one session
wait on a cache lock while one of them spends the refresh token (see
:mod:`django_authkit.refreshing`). Instead of re-reading the lock on a timer,
a waiter sleeps until the winner says it is done:

- in the winner's own process, on a :class:`threading.Event`;
- in other processes, when the cache is Redis (Django's ``RedisCache`` or
  django-redis), on a Redis list: the winner pushes one token, each waiter takes
  it with ``BLPOP`` and pushes it back for the next one; the list expires by itself.

With any other cache a waiter in another process falls back to polling. A wake-up
is only a hint: the waiter always re-checks the lock and the session row.

The lock itself is a lease (:func:`lease`): it lives ``REFRESH_WAIT`` seconds and a
thread of the holder's process renews it while the refresh runs, so a process that
dies holding it (SIGKILL, OOM) frees it within ``REFRESH_WAIT``, while a slow but
live refresh keeps it. A cache that cannot be reached renews nothing: the lease
then lapses, which is what the lock's absence means anyway.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches

from django_authkit.conf import authkit_settings

logger = logging.getLogger("django_authkit.refreshing")

#: How long the "done" token outlives a refresh at most (late waiters find it at once);
#: never longer than ``REFRESH_WAIT``, which is as long as anyone waits for it.
TOKEN_SECONDS = 30

_events: dict[str, threading.Event] = {}
_lock = threading.Lock()


_leases: dict[str, tuple[int, float]] = {}  # key -> (seconds, next renewal, monotonic)
_leases_changed = threading.Condition(_lock)
_renewer: list[threading.Thread] = []


def lease_seconds(wait: float) -> int:
    """A lock's lifetime without renewal: ``wait`` rounded down, at least 1 s."""
    return max(1, math.floor(wait))


def lease(key: str, seconds: int) -> None:
    """Renew the lock ``key`` every ``seconds / 3`` until :func:`unlease`."""
    with _leases_changed:
        _leases[key] = (seconds, time.monotonic() + seconds / 3)
        if not _renewer or not _renewer[0].is_alive():
            _renewer[:] = [threading.Thread(target=_renew, name="authkit-lease", daemon=True)]
            _renewer[0].start()
        _leases_changed.notify()


def unlease(key: str) -> None:
    with _leases_changed:
        _leases.pop(key, None)


def _renew() -> None:
    """The one thread per process that keeps the leases it holds alive."""
    while True:
        with _leases_changed:
            while not _leases:
                _leases_changed.wait()
            now = time.monotonic()
            due = [(k, s) for k, (s, at) in _leases.items() if at <= now]
            for key, seconds in due:
                _leases[key] = (seconds, now + seconds / 3)
            soonest = min(at for _, at in _leases.values())
        for key, seconds in due:
            try:
                cache.touch(key, seconds)
            except Exception:  # the cache is down: the lease lapses, as the lock would
                logger.debug("Could not renew the refresh lock.", exc_info=True)
        with _leases_changed:
            _leases_changed.wait(max(0.0, soonest - time.monotonic()))


def _done_key(key: str) -> str:
    return cache.make_key(f"{key}:done")


def redis_client() -> Any | None:
    """The raw Redis client behind Django's cache, or None for any other cache."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    # Django's RedisCache keeps it behind ``_cache``, django-redis behind ``client``.
    for holder in (getattr(backend, "_cache", None), getattr(backend, "client", None)):
        if holder is not None and hasattr(holder, "get_client"):
            try:
                return holder.get_client(write=True)
            except Exception:  # an unusable connection: fall back to polling
                return None
    return None


def _push_token(client: Any, key: str) -> None:
    """Leave one wake-up token on ``key``'s list (it expires by itself)."""
    done_key = _done_key(key)
    client.rpush(done_key, 1)
    client.expire(done_key, min(TOKEN_SECONDS,
                                lease_seconds(float(authkit_settings.REFRESH_WAIT))))


def begin(key: str) -> None:
    """The lock ``key`` was just taken: later waiters here wait for :func:`done`."""
    with _lock:
        _events[key] = threading.Event()
    client = redis_client()
    if client is not None:
        try:
            client.delete(_done_key(key))  # no token left from this session's last refresh
        except Exception:
            logger.debug("Could not clear the refresh wake-up list.", exc_info=True)


def done(key: str) -> None:
    """The refresh under lock ``key`` is over (stored, or given up): wake every waiter."""
    with _lock:
        event = _events.pop(key, None)
    if event is not None:
        event.set()
    client = redis_client()
    if client is not None:
        try:
            _push_token(client, key)
        except Exception:
            logger.debug("Could not push the refresh wake-up token.", exc_info=True)


def wait(key: str, timeout: float) -> bool | None:
    """Sleep until the lock ``key`` is released (True) or ``timeout`` passes (False).

    None: nothing here can wake this waiter (the holder is another process and the
    cache is not Redis); the caller polls.
    """
    if timeout <= 0:
        return False
    with _lock:
        event = _events.get(key)
    if event is not None:
        woken = event.wait(timeout)
        if woken:
            logger.debug("Woken by this process's refresh of the session.")
        return woken
    client = redis_client()
    if client is None:
        return None
    try:
        if client.blpop([_done_key(key)], timeout=timeout) is None:
            return False
        _push_token(client, key)  # for the next waiter
    except Exception:
        logger.debug("Could not wait on the refresh wake-up list.", exc_info=True)
        return None
    logger.debug("Woken by another process's refresh of the session.")
    return True
