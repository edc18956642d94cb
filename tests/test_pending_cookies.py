"""Pending sign-ins live in the browser: one encrypted, single-use cookie per attempt.

Issue 24 item 2: a start stores nothing on the server, several tabs work, and every
state/PKCE property holds (replay, expiry, another browser, tampering, the cap).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.sessions.models import Session
from django.test import Client

from django_authkit.signin import pending
from tests.pending import attempts


def _start(client: Client, path: str = "/auth/sign-in/") -> tuple[Any, str]:
    response = client.get(path)
    assert response.status_code == 302, response.content[:300]
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    return response, state


def _callback(emu: Any, location: str, **choice: Any) -> str:
    parts = urlsplit(emu.control.complete_sign_in(location, **choice))
    return f"{parts.path}?{parts.query}"


def test_a_start_sets_one_hardened_cookie_and_stores_no_row(emu: Any) -> None:
    client = Client()
    response, state = _start(client, "/auth/sign-in/?next=/reports/")
    morsel = response.cookies[pending.cookie_name(state)]
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
    assert morsel["path"] == "/auth/"  # the directory the start and the callback share
    assert int(morsel["max-age"]) == 600  # STATE_TTL
    assert not morsel["secure"]  # plain HTTP here; HTTPS below
    # Opaque to the browser: neither the verifier nor next can be read from it.
    entry = attempts(client)[state]
    assert entry["v"] not in morsel.value and "reports" not in morsel.value
    assert Session.objects.count() == 0


def test_on_https_it_is_a_host_cookie_nobody_else_can_plant(emu: Any) -> None:
    """``__Host-``: only this host, over HTTPS, at ``/`` may set it, so a sibling
    subdomain or a plain-HTTP page cannot toss its own pending sign-in in (login CSRF)."""
    emu.control.configure(redirect_uris=["https://testserver/auth/callback/"])
    client = Client()
    start = client.get("/auth/sign-in/", secure=True)
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    morsel = start.cookies[pending.cookie_name(state, secure=True)]
    assert morsel.key.startswith("__Host-authkit_flow_")
    assert morsel["secure"] and morsel["path"] == "/" and not morsel["domain"]
    url = _callback(emu, start["Location"], email="https@example.test")
    tossed = Client()  # the attacker's own valid attempt, without the prefix
    tossed.cookies[pending.cookie_name(state)] = morsel.value
    assert tossed.get(url, secure=True).status_code == 400
    done = client.get(url, secure=True)
    assert done.status_code == 302, done.content[:300]
    assert done.cookies[morsel.key]["max-age"] == 0  # used up: deleted


def test_several_tabs_each_finish_their_own_sign_in(emu: Any) -> None:
    client = Client()
    first, _ = _start(client, "/auth/sign-in/?next=/one/")
    second, _ = _start(client, "/auth/sign-in/?next=/two/")
    assert len(attempts(client)) == 2
    done = client.get(_callback(emu, second["Location"], email="tabs@example.test"))
    assert done.status_code == 302 and done["Location"] == "/two/"
    done = client.get(_callback(emu, first["Location"], email="tabs@example.test"))
    assert done.status_code == 302 and done["Location"] == "/one/"
    assert attempts(client) == {}  # both cookies deleted by their callbacks


def test_a_replayed_cookie_is_refused_before_workos_is_asked(emu: Any) -> None:
    client = Client()
    start, state = _start(client)
    name = pending.cookie_name(state)
    stolen = client.cookies[name].value
    url = _callback(emu, start["Location"], email="replay@example.test")
    assert client.get(url).status_code == 302
    emu.control.clear_calls()
    thief = Client()
    thief.cookies[name] = stolen  # the cookie and the callback URL, copied
    refused = thief.get(url)
    assert refused.status_code == 400 and b"state_mismatch" in refused.content
    assert emu.control.grants("authorization_code") == []


def test_another_browser_a_tampered_cookie_and_a_swapped_name_are_refused(emu: Any) -> None:
    victim = Client()
    start, state = _start(victim)
    url = _callback(emu, start["Location"], email="csrf@example.test")
    assert Client().get(url).status_code == 400  # login CSRF: the attacker's browser
    name = pending.cookie_name(state)
    value = victim.cookies[name].value
    tampered = Client()
    tampered.cookies[name] = value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB")
    assert tampered.get(url).status_code == 400
    _, other_state = _start(stranger := Client())
    swapped = Client()
    swapped.cookies[name] = stranger.cookies[pending.cookie_name(other_state)].value
    assert swapped.get(url).status_code == 400  # a valid cookie of another attempt
    assert victim.get(url).status_code == 302  # the real browser still signs in


def test_an_expired_cookie_is_refused_whatever_the_browser_sends(
    emu: Any, settings: Any
) -> None:
    client = Client()
    start, _ = _start(client)
    url = _callback(emu, start["Location"], email="late@example.test")
    settings.AUTHKIT = {**settings.AUTHKIT, "STATE_TTL": -1}
    assert client.get(url).status_code == 400


def test_a_secret_key_rotation_keeps_pending_sign_ins(emu: Any, settings: Any) -> None:
    client = Client()
    start, _ = _start(client)
    url = _callback(emu, start["Location"], email="rotate@example.test")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    assert client.get(url).status_code == 302


def test_the_oldest_attempt_is_evicted_at_the_cap(emu: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "MAX_PENDING_SIGN_INS": 2}
    client = Client()
    first, _ = _start(client)
    _start(client)
    _start(client)
    assert len(attempts(client)) == 2
    refused = client.get(_callback(emu, first["Location"], email="cap@example.test"))
    assert refused.status_code == 400 and b"state_mismatch" in refused.content


def test_a_long_next_falls_back_and_a_long_custom_state_is_refused(emu: Any) -> None:
    long_next = "/" + "é" * 2000
    client = Client()
    start = client.get("/auth/sign-in/", {"next": long_next})
    assert start.status_code == 302
    done = client.get(_callback(emu, start["Location"], email="long@example.test"))
    assert done.status_code == 302 and done["Location"] == "/"
    refused = Client().get("/auth/sign-in/", {"state": "€" * 1000, "next": long_next})
    assert refused.status_code == 400 and b"invalid_request" in refused.content


@pytest.mark.django_db(transaction=True)
def test_over_http_the_cookie_reaches_only_the_callback(emu: Any, live_server: Any) -> None:
    """A real cookie jar: scoped to /auth/, sent back to the callback, then deleted."""
    browser = requests.Session()
    start = browser.get(live_server.url + "/auth/sign-in/", allow_redirects=False, timeout=10)
    assert start.status_code == 302
    (cookie,) = [c for c in browser.cookies if c.name.startswith(pending.COOKIE_PREFIX)]
    assert cookie.path == "/auth/" and cookie.has_nonstandard_attr("HttpOnly")
    callback = emu.control.complete_sign_in(start.headers["Location"], email="jar@example.test")
    done = browser.get(callback, allow_redirects=False, timeout=10)
    assert done.status_code == 302, done.text[:300]
    assert not [c for c in browser.cookies if c.name.startswith(pending.COOKIE_PREFIX)]
    assert browser.get(live_server.url + "/private/", timeout=10).status_code == 200


def test_with_the_cache_down_a_sign_in_still_finishes(emu: Any, settings: Any) -> None:
    """The redeemed-state record is skipped (logged): WorkOS's code stays single-use."""
    client = Client()
    start, _ = _start(client)
    url = _callback(emu, start["Location"], email="nocache@example.test")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # nothing listens
    done = client.get(url)
    assert done.status_code == 302, done.content[:300]
    assert attempts(client) == {}
