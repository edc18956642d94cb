"""Anonymous state stays bounded: sign-in starts are limited, stray callbacks store nothing."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.models import Session
from django.test import Client

from tests.pending import attempts
from tests.ratewindow import in_one_window


def test_cookieless_sign_in_loop_is_limited_by_default(emu: Any) -> None:
    def loop() -> Any:  # the default is 60 a minute: one minute of the clock
        statuses = [Client().get("/auth/sign-in/").status_code for _ in range(200)]
        assert statuses.count(302) == 60 and statuses.count(429) == 140, statuses
        limited = Client().get("/auth/sign-in/", HTTP_ACCEPT="text/html")
        assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
        return limited

    limited = in_one_window(60, loop)
    assert Session.objects.count() == 0  # the pending sign-in is in the browser's cookie
    assert b"<code>rate_limited</code>" in limited.content


def test_a_browser_keeping_its_cookie_is_not_limited_and_stays_bounded(emu: Any) -> None:
    browser = Client()
    statuses = [browser.get("/auth/sign-in/").status_code for _ in range(100)]
    assert statuses == [302] * 100
    assert Session.objects.count() == 0
    assert len(attempts(browser)) == 5  # MAX_PENDING_SIGN_INS: the oldest cookies deleted


def test_sign_in_limit_is_a_documented_scope(emu: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMITS": {"sign-in": "2/d"}}
    assert [Client().get("/auth/sign-up/").status_code for _ in range(3)] == [302, 302, 429]
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMITS": {"sign-in": None}}
    assert all(Client().get("/auth/sign-in/").status_code == 302 for _ in range(70))


def test_callback_without_a_session_cookie_creates_no_session(emu: Any) -> None:
    for query in ({"code": "x", "state": "y" * 43}, {"state": "y"}, {"error": "access_denied",
                                                                   "state": "z"}):
        response = Client().get("/auth/callback/", query)
        assert response.status_code == 400
    assert Session.objects.count() == 0
