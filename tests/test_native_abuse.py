"""Native forms under attack, over real HTTP against the live server and the emulator.

Each browser is a ``requests`` session (its own cookies and CSRF token); a client
address is set through ``X-Forwarded-For`` with ``TRUSTED_PROXY_COUNT = 1``, as
behind the site's own load balancer. The emulator's call log counts what reached
WorkOS. Three organizations: the site operator's and two customers'.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.core.cache import cache
from django.test import Client

from django_authkit.conf import default_of
from tests.ratewindow import per_day
from tests.test_native_helpers import PASSWORD, seed_user

VICTIM = "victim@acme.test"


class Browser:
    """One browser: cookies, a CSRF token from the page, a client address."""

    def __init__(self, base: str, ip: str = "203.0.113.10") -> None:
        self.base = base
        self.ip = ip
        self.http = requests.Session()
        self.http.trust_env = False

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=20, allow_redirects=False,
                             headers={"X-Forwarded-For": self.ip})

    def token(self, path: str) -> str:
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code, page.headers.get("Location"),
                                         dict(self.http.cookies))
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, page.text[:300]
        return match.group(1)

    def post(self, path: str, data: dict[str, str], token: str | None = None) -> requests.Response:
        token = token or self.token(path)
        return self.http.post(
            self.base + path, data={"csrfmiddlewaretoken": token, **data}, timeout=20,
            allow_redirects=False,
            headers={"X-Forwarded-For": self.ip, "Referer": self.base + path},
        )

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def site(
    authkit_emulator: Any, transactional_db: Any, live_server: Any, settings: Any
) -> Iterator[Any]:
    emu = authkit_emulator
    emu.control.seed({"organizations": [{"name": "Operator"}, {"name": "Acme"},
                                        {"name": "Globex"}]})
    seed_user(emu, VICTIM, orgs=())
    settings.AUTHKIT = {
        **settings.AUTHKIT, "NATIVE_FORMS": True, "TRUSTED_PROXY_COUNT": 1,
        # The default counts over day-long windows (no window ends mid-test), clients unlimited.
        "NATIVE_RATE_LIMITS": {**per_day(default_of("NATIVE_RATE_LIMITS")), "client": "1000/d"},
    }
    cache.clear()
    browsers: list[Browser] = []

    class Site:
        control = emu.control

        def browser(self, ip: str = "203.0.113.10") -> Browser:
            browsers.append(Browser(live_server.url, ip))
            return browsers[-1]

        def password_calls(self) -> int:
            return len(emu.control.grants("password"))

    yield Site()
    for browser in browsers:
        browser.close()
    cache.clear()


SIGN_IN = "/auth/account/sign-in/"
MAGIC = "/auth/account/magic/"
MAGIC_CODE = "/auth/account/magic/code/"
SIGN_UP = "/auth/account/sign-up/"
RESET = "/auth/account/password-reset/"


def _signed_in(browser: Browser) -> bool:
    return browser.get("/private/").status_code == 200


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_parallel_wrong_passwords_reach_workos_at_most_the_limit(site: Any) -> None:
    browsers = [site.browser() for _ in range(20)]
    tokens = [b.token(SIGN_IN) for b in browsers]
    site.control.clear_calls()
    gate = threading.Barrier(len(browsers))

    def attempt(i: int) -> int:
        gate.wait()
        return browsers[i].post(SIGN_IN, {"email": VICTIM, "password": f"guess-{i}-wrong"},
                                tokens[i]).status_code

    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        statuses = Counter(pool.map(attempt, range(len(browsers))))
    calls = site.password_calls()
    print("statuses:", dict(statuses), "password grants at WorkOS:", calls)
    assert calls <= 10, f"{calls} guesses reached WorkOS against a limit of 10"
    assert statuses[400] == calls and statuses[429] == 20 - calls, statuses


def test_an_attacker_cannot_lock_the_victim_out(site: Any) -> None:
    attacker = site.browser("198.51.100.66")
    for i in range(10):
        assert attacker.post(SIGN_IN, {"email": VICTIM, "password": f"nope-{i}"}).status_code == 400
    assert attacker.post(SIGN_IN, {"email": VICTIM, "password": "nope"}).status_code == 429

    victim = site.browser("203.0.113.20")
    done = victim.post(SIGN_IN, {"email": VICTIM, "password": PASSWORD, "next": "/private/"})
    assert done.status_code == 302 and done.headers["Location"] == "/private/", done.text[:500]
    assert _signed_in(victim)


def test_past_the_account_ceiling_magic_codes_stay_open(site: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT,
                        "NATIVE_RATE_LIMITS": {"client": "1000/d", "account_ceiling": "6/d"}}
    for n in range(3):  # a botnet: many addresses, a few guesses each
        bot = site.browser(f"198.51.100.{n + 1}")
        for i in range(2):
            assert bot.post(SIGN_IN, {"email": VICTIM, "password": f"x{n}{i}"}).status_code == 400
    victim = site.browser("203.0.113.30")
    paused = victim.post(SIGN_IN, {"email": VICTIM, "password": PASSWORD})
    assert paused.status_code == 429 and paused.headers["Retry-After"]
    assert victim.post(MAGIC, {"email": VICTIM, "next": "/private/"}).status_code == 302
    code = site.control.last_code(VICTIM, "magic_auth")
    done = victim.post(MAGIC_CODE, {"code": code})
    assert done.status_code == 302 and done.headers["Location"] == "/private/", done.text[:500]
    assert _signed_in(victim)


def test_a_replayed_cookie_session_does_not_reset_the_code_attempts(
    site: Any, settings: Any
) -> None:
    # The live server's session middleware was built with the database engine, so this
    # one drives the whole stack with Django's test client (a handler built now, with
    # cookie sessions), against the same emulator over HTTP.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_MAX_CODE_ATTEMPTS": 3,
                        "NATIVE_RATE_LIMITS": {"client": "1000/d", "account": "1000/d"}}
    attacker = Client()
    assert attacker.post(MAGIC, {"email": VICTIM}).status_code == 302
    snapshot = attacker.cookies["sessionid"].value  # the signed session, with the open step
    assert "." in snapshot or ":" in snapshot  # a signed cookie, not a database key
    code = site.control.last_code(VICTIM, "magic_auth")
    answers = [attacker.post(MAGIC_CODE, {"code": _wrong(code)}).status_code for _ in range(3)]
    assert answers == [400, 400, 302], answers  # the third used the step up
    site.control.clear_calls()
    for _ in range(3):  # replay the saved session: the count is server-side
        attacker.cookies["sessionid"] = snapshot
        replay = attacker.post(MAGIC_CODE, {"code": code})  # even the right code
        assert replay.status_code == 302 and "restart" in replay["Location"], replay
        assert attacker.get("/private/").status_code != 200
    assert site.control.calls(path="/user_management/authenticate") == []


def _page(response: requests.Response, email: str) -> str:
    html = response.text.replace(email, "X@")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_sign_up_answers_the_same_for_a_taken_address(site: Any) -> None:
    answers = {}
    for email in (VICTIM, "newcomer@acme.test"):
        browser = site.browser()
        response = browser.post(SIGN_UP, {"email": email, "password": "another-password-1"})
        follow = browser.get(response.headers.get("Location", SIGN_UP))
        answers[email] = (response.status_code, response.headers.get("Location"),
                          follow.status_code, _page(follow, email))
    assert answers[VICTIM] == answers["newcomer@acme.test"]
    assert answers[VICTIM][0] == 302
    assert not _signed_in(browser)


def test_a_password_reset_ends_the_thiefs_session(site: Any) -> None:
    thief = site.browser("198.51.100.99")
    signed = thief.post(SIGN_IN, {"email": VICTIM, "password": PASSWORD, "next": "/private/"})
    assert signed.status_code == 302 and _signed_in(thief)

    owner = site.browser("203.0.113.40")
    assert owner.post(RESET, {"email": VICTIM}).status_code == 200
    token = site.control.outbox(VICTIM, "password_reset")[-1]["token"]
    moved = owner.get(f"/auth/account/password-reset/confirm/?token={token}")
    assert moved.status_code == 302
    confirm = moved.headers["Location"]
    site.control.clear_calls()
    done = owner.post(confirm, {"password": "a-brand-new-passphrase", "password_again":
                                "a-brand-new-passphrase"})
    assert done.status_code == 200, done.text[:500]
    assert not _signed_in(thief)  # ended here
    assert site.control.calls(path="/user_management/sessions/revoke")  # ...and at WorkOS
