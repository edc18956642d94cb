"""Run a rate-limit test inside one fixed window.

AuthKit's limits count per fixed window of wall-clock time (``30/m``: one counter per
minute of the clock). A test that expects the Nth attempt to be refused fails when a
window ends between its attempts, as the counter starts again: a flake on a loaded
machine, not a defect. Tests whose window length does not matter use a ``/d`` rate
(no rollover in practice); the few that check a minute's own figures (the default
limits, ``Retry-After`` within a minute) run through :func:`in_one_window`, which runs
the block again, on an emptied cache, when a window ended during it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from django_authkit.core.ratelimit import Rate

T = TypeVar("T")


def per_day(limits: dict[str, str | None]) -> dict[str, str | None]:
    """``limits`` with each rate's count kept and its window made a day (``None`` stays off)."""
    return {scope: rate and f"{Rate.parse(rate).count}/d" for scope, rate in limits.items()}


def in_one_window(period: int, block: Callable[[], T], attempts: int = 3) -> T:
    """``block()``, run again (cache emptied) when it failed across a window's end.

    A failure inside one window is the test's real answer and is raised at once.
    """
    for _ in range(attempts - 1):
        window = int(time.time() // period)
        try:
            return block()
        except AssertionError:
            if int(time.time() // period) == window:
                raise
        cache.clear()  # the counters of the window that ended, and of the new one
    return block()
