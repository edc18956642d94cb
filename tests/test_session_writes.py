"""AuthKit writes only what it owns: a refresh never erases what the site keeps in the session.

Issue 24: request A needs a refresh and WorkOS answers after about a second; 0.3 s
later request B of the same browser stores a cart item in ``request.session``.
Before, A (a read-only request) saved the whole Django session after its refresh
and overwrote B's cart. Now AuthKit's own changes are merged into the stored
session (re-read under a row lock where the database has one), so the site's
write survives: 20 of 20 trials on ``runserver`` with SQLite, and on 4 gunicorn
workers with the suite's database (PostgreSQL in CI) and Redis.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.cluster import (
    Cluster,
    redis_url,
    running_cluster,
    sign_in,
    sqlite_runserver,
    strict_emulator,
)

TRIALS = 20


def send(browser: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    """One request; a connection the server closed under a shared client is tried once more
    (a harness race: see ``tests.cluster.sign_in``)."""
    try:
        return browser.request(method, url, allow_redirects=False, timeout=60, **kwargs)
    except requests.ConnectionError:
        return browser.request(method, url, allow_redirects=False, timeout=60, **kwargs)


def race_once(base_url: str, emu: Any, index: int) -> tuple[list[int], list[str], int]:
    """One trial: returns the statuses of A, B and the check, the cart, refreshes at WorkOS."""
    emu.control.set_clock(offset=-290)  # the token expires in 10 s: inside REFRESH_AHEAD
    browser = sign_in(base_url, emu, email=f"cart{index}@example.test")
    emu.control.set_clock(offset=0)
    emu.control.clear_calls()
    emu.control.fault("/user_management/authenticate", method="POST", status=None,
                      delay=1.0, count=1)  # WorkOS answers after 1 s (issue 24)
    statuses: dict[str, int] = {}

    def request_a() -> None:
        r = send(browser, "GET", base_url + "/private/")
        statuses["a"] = r.status_code

    a = threading.Thread(target=request_a)
    a.start()
    time.sleep(0.3)
    b = send(browser, "POST", base_url + "/cart/", data={"item": f"item-{index}"})
    a.join(timeout=120)
    check = send(browser, "GET", base_url + "/cart/")
    cart = check.json().get("cart", []) if check.status_code == 200 else []
    return ([statuses.get("a", 0), b.status_code, check.status_code], cart,
            len(emu.control.grants("refresh_token")))


def run_trials(base_url: str, emu: Any, log: Path | None) -> None:
    kept = 0
    seen: list[str] = []
    for index in range(TRIALS):
        statuses, cart, refreshes = race_once(base_url, emu, index)
        ok = f"item-{index}" in cart
        kept += ok
        seen.append(f"trial {index}: statuses {statuses}, cart {cart}, refreshes {refreshes}")
        assert statuses == [200, 200, 200], "\n".join(seen)
        assert refreshes == 1, "\n".join(seen)
    tail = log.read_text(errors="replace")[-3000:] if log else ""
    assert kept == TRIALS, f"cart kept in {kept} of {TRIALS} trials\n" + "\n".join(seen) + tail


# -- runserver, SQLite, local-memory cache (one process, a thread per request) -------------


@pytest.fixture(scope="module")
def runserver(authkit_emulator_server: Any, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[tuple[str, Path]]:
    workdir = tmp_path_factory.mktemp("runserver-writes")
    with sqlite_runserver(authkit_emulator_server.url, workdir) as served:
        yield served


def test_cart_written_during_a_refresh_survives_on_runserver(
    runserver: tuple[str, Path], authkit_emulator_server: Any
) -> None:
    url, log = runserver
    with strict_emulator(authkit_emulator_server) as emu:
        run_trials(url, emu, log)


# -- 4 gunicorn workers on the suite's database (PostgreSQL in CI) and Redis -------------


@pytest.fixture(scope="module")
def cluster(
    authkit_emulator_server: Any, tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any
) -> Iterator[Cluster]:
    if redis_url() is None:
        pytest.skip("needs the test Redis (make test)")
    with running_cluster(authkit_emulator_server, tmp_path_factory, django_db_blocker) as server:
        yield server


def test_cart_written_during_a_refresh_survives_on_four_workers(
    cluster: Cluster, authkit_emulator_server: Any
) -> None:
    with strict_emulator(authkit_emulator_server) as emu:
        run_trials(cluster.url, emu, cluster.log)


# -- every session backend, interleaved by hand (deterministic) --------------------------


@pytest.mark.parametrize("engine", ["db", "cached_db", "cache", "file"])
def test_claims_are_merged_into_the_stored_session_on_each_backend(
    engine: str, emu: Any, authkit_sign_in: Any, settings: Any, tmp_path: Path
) -> None:
    """Request A loaded the session, B saved a cart item, then A stores refreshed claims."""
    from importlib import import_module

    from django.http import HttpRequest
    from django.test import Client

    from django_authkit.sessions.data import read_hot, store_hot

    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{engine}"
    settings.SESSION_FILE_PATH = str(tmp_path)
    client = Client()
    assert authkit_sign_in(client, email="merge@example.test").status_code == 302
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = import_module(settings.SESSION_ENGINE).SessionStore
    request_a = HttpRequest()
    request_a.session = store(key)
    hot = read_hot(request_a.session)  # A's copy, loaded before B's write
    assert hot
    b = store(key)
    b["cart"] = ["book"]
    b.save()
    store_hot(request_a, {**hot, "exp": hot["exp"] + 300})
    assert not request_a.session.modified  # nothing left for SessionMiddleware to save
    assert (read_hot(request_a.session) or {})["exp"] == hot["exp"] + 300
    stored = store(key)
    assert stored["cart"] == ["book"], dict(stored.items())
    assert (read_hot(stored) or {})["exp"] == hot["exp"] + 300
    assert client.get("/cart/").json() == {"cart": ["book"]}
    assert client.get("/private/").status_code == 200  # still signed in


def test_a_signed_out_session_is_not_brought_back_by_a_late_refresh(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    from importlib import import_module

    from django.http import HttpRequest
    from django.test import Client

    from django_authkit.sessions.data import read_hot, store_hot

    client = Client()
    assert authkit_sign_in(client, email="late@example.test").status_code == 302
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = import_module(settings.SESSION_ENGINE).SessionStore
    request_a = HttpRequest()
    request_a.session = store(key)
    hot = read_hot(request_a.session)
    assert hot
    assert client.post("/auth/sign-out/").status_code == 302  # meanwhile, another tab
    store_hot(request_a, {**hot, "exp": hot["exp"] + 300})
    assert not store(key).exists(key)
