"""Refresh waiters are woken by the winner, in its process and in others (through Redis).

The primitive under :mod:`django_authkit.sessions.refresh`'s cache-lock path (SQLite). The
cluster test ``test_multiprocess`` checks the whole flow: on SQLite every waiter of a
50-request burst is woken, none polls.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from django.test import override_settings

from django_authkit.sessions import wakeup as refresh_wakeup
from tests.cluster import ROOT, redis_url, wait


def _waiting(key: str, timeout: float) -> tuple[threading.Thread, list[Any]]:
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(refresh_wakeup.wait(key, timeout)))
    thread.start()
    return thread, result


def test_a_waiter_in_the_winners_process_is_woken_by_done() -> None:
    key = "authkit:refresh-lock:session_local"
    refresh_wakeup.begin(key)
    thread, result = _waiting(key, wait(30.0))
    refresh_wakeup.done(key)
    thread.join(wait(30.0))
    assert result == [True]  # woken, not timed out


def test_a_waiter_times_out_when_the_winner_never_finishes() -> None:
    key = "authkit:refresh-lock:session_stuck"
    refresh_wakeup.begin(key)
    try:
        assert refresh_wakeup.wait(key, 0.05) is False
    finally:
        refresh_wakeup.done(key)


def test_without_redis_a_waiter_in_another_process_polls() -> None:
    """No event here and a local-memory cache: nothing can wake it (None: poll)."""
    assert refresh_wakeup.wait("authkit:refresh-lock:session_elsewhere", 1.0) is None


@pytest.mark.skipif(redis_url() is None, reason="needs the test Redis (make test)")
@pytest.mark.parametrize("finishes", [True, False])
def test_a_waiter_in_another_process_is_woken_through_redis(finishes: bool) -> None:
    url = redis_url()
    key = f"authkit:refresh-lock:session_remote_{finishes}_{os.getpid()}"
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": url}}
    script = (
        "import sys, django; django.setup()\n"
        "from django_authkit.sessions import wakeup as refresh_wakeup\n"
        "print('ready', flush=True)\n"
        f"print(refresh_wakeup.wait({key!r}, float(sys.argv[1])), flush=True)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT),
           "AUTHKIT_TEST_CACHE": str(url)}
    timeout = wait(30.0) if finishes else 0.5
    with override_settings(CACHES=caches):
        assert refresh_wakeup.redis_client() is not None
        refresh_wakeup.begin(key)
        child = subprocess.Popen([sys.executable, "-c", script, str(timeout)], env=env,
                                 cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
            if finishes:
                refresh_wakeup.done(key)
            answer = child.stdout.readline().strip()
        finally:
            child.wait(wait(30.0))
            if not finishes:
                refresh_wakeup.done(key)
    assert answer == ("True" if finishes else "False")
