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
    """Accumulates the wall time spent in the WorkOS ``authenticate`` call (measurement only)."""

    def __init__(self) -> None:
        from django_authkit.client.authentication import AuthenticationMixin

        self.spent = 0.0
        self._cls = AuthenticationMixin
        self._original = AuthenticationMixin._authenticate
        timer = self

        def timed(inner_self: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return timer._original(inner_self, *args, **kwargs)
            finally:
                timer.spent += time.perf_counter() - start

        AuthenticationMixin._authenticate = timed  # type: ignore[method-assign]

    def close(self) -> None:
        self._cls._authenticate = self._original  # type: ignore[method-assign]


def one_callback(emu: Any, timer: ExchangeTimer, around: Any = None, **choice: Any
                 ) -> dict[str, Any]:
    """Sign a fresh client in; the callback's queries, total and app-side milliseconds.

    ``around`` (start, stop) callables bracket the callback request alone (Valgrind).
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    start = client.get("/auth/sign-in/")
    location = emu.control.complete_sign_in(start["Location"], **choice)
    parts = urlsplit(location)
    timer.spent = 0.0
    with CaptureQueriesContext(connection) as ctx:
        if around is not None:
            around[0]()
        t0 = time.perf_counter()
        cpu0 = time.thread_time()
        response = client.get(f"{parts.path}?{parts.query}")
        cpu = time.thread_time() - cpu0
        total = time.perf_counter() - t0
        if around is not None:
            around[1]()
    assert response.status_code == 302, response.content[:300]
    return {"queries": [q["sql"] for q in ctx.captured_queries], "total_ms": total * 1e3,
            "app_ms": (total - timer.spent) * 1e3, "exchange_ms": timer.spent * 1e3,
            "cpu_ms": cpu * 1e3}


def plain_login_queries() -> list[str]:
    """Queries of a plain Django login (ModelBackend.authenticate + login) of an existing user."""
    from django.contrib.auth import authenticate, get_user_model, login
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    user_model = get_user_model()
    if not user_model.objects.filter(username="plainlogin").exists():
        user_model.objects.create_user("plainlogin", "pl@example.test", "pw")
    request = RequestFactory().post("/login/")
    request.session = SessionStore()
    with CaptureQueriesContext(connection) as ctx:
        user = authenticate(request, username="plainlogin", password="pw")
        login(request, user)
        request.session.save()
    return [q["sql"] for q in ctx.captured_queries]


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

    return {"new": summary(new), "returning": summary(back), "plain": plain_login_queries(),
            "repeats": repeats}
