"""The sign-in callback: queries and the app's own time beside the code exchange.

In process (Django test client) against the emulator in its own process. The time
spent inside the code exchange (``POST /user_management/authenticate``, the
emulator's work plus the HTTP round trip) is measured separately and subtracted,
so ``app_ms`` is what django-authkit and Django do themselves. Beside it, a plain
Django login (``django.contrib.auth.login`` in a view) of the same user model.
"""

from __future__ import annotations

import statistics
import time
from typing import Any
from urllib.parse import urlsplit


class ExchangeTimer:
    """Accumulates the wall and CPU time spent in the WorkOS ``authenticate`` call.

    Measurement only: the CPU the HTTP client spends on the exchange (building the
    request, parsing the answer) belongs to the exchange, not to the app beside it.
    """

    def __init__(self) -> None:
        from django_authkit.client.authentication import AuthenticationMixin

        self.spent = 0.0
        self.cpu = 0.0
        self._cls = AuthenticationMixin
        self._original = AuthenticationMixin._authenticate
        timer = self

        def timed(inner_self: Any, *args: Any, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return timer._original(inner_self, *args, **kwargs)
            finally:
                timer.spent += time.perf_counter() - start
                timer.cpu += time.thread_time() - cpu

        AuthenticationMixin._authenticate = timed  # type: ignore[method-assign]

    def close(self) -> None:
        self._cls._authenticate = self._original  # type: ignore[method-assign]


def _timed_get(client: Any, path: str, around: Any, timer: ExchangeTimer | None,
               data: dict[str, str] | None = None) -> dict[str, Any]:
    """One GET that must redirect: its statements, total, app-side and CPU milliseconds.

    ``timer``'s wall and CPU time inside the code exchange are taken out of "app";
    ``around`` (start, stop) callables bracket the request alone (Valgrind).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if timer is not None:
        timer.spent = timer.cpu = 0.0
    with CaptureQueriesContext(connection) as ctx:
        if around is not None:
            around[0]()
        t0, cpu0 = time.perf_counter(), time.thread_time()
        response = client.get(path, data)
        cpu, total = time.thread_time() - cpu0, time.perf_counter() - t0
        if around is not None:
            around[1]()
    assert response.status_code == 302, response.content[:300]
    spent, spent_cpu = (timer.spent, timer.cpu) if timer is not None else (0.0, 0.0)
    return {"queries": [q["sql"] for q in ctx.captured_queries], "total_ms": total * 1e3,
            "app_ms": (total - spent) * 1e3, "exchange_ms": spent * 1e3,
            "cpu_ms": (cpu - spent_cpu) * 1e3}


def one_callback(emu: Any, timer: ExchangeTimer, around: Any = None, **choice: Any
                 ) -> dict[str, Any]:
    """Sign a fresh client in; the callback's queries, total and app-side milliseconds."""
    from django.test import Client

    client = Client()
    start = client.get("/auth/sign-in/")
    parts = urlsplit(emu.control.complete_sign_in(start["Location"], **choice))
    return _timed_get(client, f"{parts.path}?{parts.query}", around, timer)


def plain_login(username: str, around: Any = None) -> dict[str, Any]:
    """A plain Django sign-in from an anonymous session (``bench/urls.py``), measured alike."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    user_model = get_user_model()
    if not user_model._default_manager.filter(username=username).exists():
        user_model._default_manager.create_user(username, f"{username}@example.test", None)
    client = Client()
    client.get("/bench/plain-start/")
    return _timed_get(client, "/bench/plain-login/", around, None, {"username": username})


def measure(emu: Any, repeats: int = 9, prefix: str = "cb") -> dict[str, Any]:
    """Median figures over ``repeats`` callbacks each: new users, then one returning user."""
    timer = ExchangeTimer()
    try:
        emu.control.configure(redirect_uris=["http://testserver/auth/callback/"])
        new = [one_callback(emu, timer, email=f"{prefix}-new{i}@example.test")
               for i in range(repeats)]
        one_callback(emu, timer, email=f"{prefix}-back@example.test")
        back = [one_callback(emu, timer, email=f"{prefix}-back@example.test")
                for _ in range(repeats)]
    finally:
        timer.close()

    def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
        return {"queries": len(runs[-1]["queries"]), "sql": runs[-1]["queries"],
                "app_ms": statistics.median(r["app_ms"] for r in runs),
                "exchange_ms": statistics.median(r["exchange_ms"] for r in runs),
                "cpu_ms": statistics.median(r["cpu_ms"] for r in runs),
                "total_ms": statistics.median(r["total_ms"] for r in runs)}

    plain_login("plainlogin")
    plain = [plain_login("plainlogin") for _ in range(repeats)]
    return {"new": summary(new), "returning": summary(back), "plain": summary(plain),
            "repeats": repeats}
