"""One signed-in request per variant, served in process by Django's WSGIHandler.

Each variant is a zero-argument callable that serves ``GET /whoami/`` exactly as
a WSGI server would (no test client in the measured path) and checks the answer:

- ``plain``: plain Django session auth, database sessions (2 queries: session, user);
- ``authkit``: the same view, session and backend signed in through AuthKit (2 queries);
- ``plain_cookie``: plain Django session auth on signed-cookie sessions (1 query: user),
  the baseline at bearer's query count;
- ``bearer``: ``Authorization: Bearer`` with a token seen before (1 query: user);
- ``bearer_first``: the same, the verified-token cache emptied first (RSA verification).

Call :func:`setup` first (after ``DJANGO_SETTINGS_MODULE`` and the emulator URL are
set). Used by ``bench/run.py`` (wall clock) and ``bench/instructions.py`` (Valgrind).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SIGNED_COOKIES = "django.contrib.sessions.backends.signed_cookies"
PATH = "/whoami/"


def configure(emulator_url: str, workdir: Path) -> None:
    """Environment for an in-process benchmark: SQLite file, emulator URL (before setup)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_inprocess"
    os.environ["AUTHKIT_TEST_DB"] = "sqlite"
    os.environ["AUTHKIT_TEST_SQLITE"] = str(workdir / "inprocess.sqlite3")
    os.environ["AUTHKIT_TEST_EMULATOR"] = emulator_url
    os.environ.pop("AUTHKIT_TEST_CACHE", None)


def _wsgi(**overrides: Any) -> Any:
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    with override_settings(**overrides):
        return WSGIHandler()  # the middleware chain is built here, from these settings


def request_fn(handler: Any, headers: dict[str, str], before: Callable[[], None] | None = None
               ) -> Callable[[], None]:
    """A callable serving one ``GET /whoami/`` through ``handler``; raises unless 200."""
    base = {
        "REQUEST_METHOD": "GET", "PATH_INFO": PATH, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "wsgi.version": (1, 0), **headers,
    }
    seen: list[str] = []

    def start_response(status: str, response_headers: Any, exc_info: Any = None) -> None:
        seen.append(status)

    def one() -> None:
        if before is not None:
            before()
        environ = dict(base)
        environ["wsgi.input"] = io.BytesIO(b"")
        body = handler(environ, start_response)
        for _ in body:
            pass
        body.close()
        status = seen.pop()
        if not status.startswith("200"):
            raise RuntimeError(f"{PATH} answered {status}")

    return one


def _api_token(emu: Any, email: str, **choice: Any) -> str:
    """A WorkOS access token the API-mode way: hosted page code POSTed to api-callback."""
    from django.test import Client

    browser = Client()
    start = browser.get("/auth/sign-in/")
    back = parse_qs(urlsplit(emu.control.complete_sign_in(
        start["Location"], email=email, **choice)).query)
    from tests.pending import verifier  # the pending sign-in is the browser's cookie

    answer = Client().post("/auth/api/callback/", json.dumps(
        {"code": back["code"][0], "codeVerifier": verifier(browser, back["state"][0])}),
        content_type="application/json")
    assert answer.status_code == 200, answer.content
    return str(answer.json()["token"])


def plain_session_cookie(username: str, engine: str | None = None) -> str:
    """A plain Django login (ModelBackend) stored in ``engine``; the session cookie value."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.models import update_last_login

    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first() or (
        user_model.objects.create_user(username, f"{username}@example.test", "x"))
    update_last_login(None, user)  # as login() leaves it: the same columns to convert
    store = import_module(engine or settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return str(store.session_key)


def authkit_session_cookie(emu: Any, email: str, **choice: Any) -> str:
    """A browser sign-in through the hosted flow; the Django session cookie value."""
    from django.conf import settings
    from django.test import Client

    from django_authkit.testing.flow import sign_in_through_emulator

    client = Client()
    assert sign_in_through_emulator(client, emu, email=email, **choice).status_code == 302
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


def setup(emu: Any, diagnostics: bool = False) -> dict[str, Callable[[], None]]:
    """Migrate, sign in every kind of client, and return the variants (each checked once).

    ``diagnostics`` adds ``plain_same_session``: the plain middleware chain serving the
    AuthKit-signed-in session, which splits AuthKit's extra cost into the middleware's
    share and the bigger session's share.
    """
    from django.conf import settings
    from django.core.management import call_command

    from django_authkit.sessions import bearer

    call_command("migrate", verbosity=0)
    emu.control.configure(redirect_uris=["http://testserver/auth/callback/"])
    cookie = settings.SESSION_COOKIE_NAME
    plain_mw = [m for m in settings.MIDDLEWARE if "django_authkit" not in m]
    authkit = _wsgi()
    plain = _wsgi(MIDDLEWARE=plain_mw)
    plain_cookie = _wsgi(MIDDLEWARE=plain_mw, SESSION_ENGINE=SIGNED_COOKIES)
    token = _api_token(emu, "bearer@example.test")
    signed_in = f"{cookie}={authkit_session_cookie(emu, 'bench@example.test')}"
    variants = {
        "plain": request_fn(plain, {"HTTP_COOKIE": f"{cookie}={plain_session_cookie('plain')}"}),
        "authkit": request_fn(authkit, {"HTTP_COOKIE": signed_in}),
        "plain_cookie": request_fn(plain_cookie, {
            "HTTP_COOKIE": f"{cookie}={plain_session_cookie('plaincookie', SIGNED_COOKIES)}"}),
        "bearer": request_fn(authkit, {"HTTP_AUTHORIZATION": f"Bearer {token}"}),
        "bearer_first": request_fn(authkit, {"HTTP_AUTHORIZATION": f"Bearer {token}"},
                                   before=bearer.clear_cache),
    }
    if diagnostics:
        variants["plain_same_session"] = request_fn(plain, {"HTTP_COOKIE": signed_in})
    for fn in variants.values():
        fn()
    return variants


def query_counts(variants: dict[str, Callable[[], None]]) -> dict[str, int]:
    """Database queries of one request of each variant."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, fn in variants.items():
        with CaptureQueriesContext(connection) as ctx:
            fn()
        counts[name] = len(ctx.captured_queries)
    return counts
