"""Many worker processes, one expiring session: exactly one refresh, nobody signed out.

Runs gunicorn (4 processes x 8 threads) on the suite's database backend: with
PostgreSQL the session row lock coordinates; with SQLite the Redis cache lock
does. The emulator is strict (no replay grace window), so a second use of a
rotated refresh token would fail and sign the user out.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.cluster import (
    Cluster,
    redis_url,
    report,
    running_cluster,
    sign_in,
    strict_emulator,
    wait,
)

pytestmark = pytest.mark.skipif(redis_url() is None, reason="needs the test Redis (make test)")


@pytest.fixture(scope="module")
def cluster(
    authkit_emulator_server: Any, tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any
) -> Iterator[Cluster]:
    with running_cluster(authkit_emulator_server, tmp_path_factory, django_db_blocker) as server:
        yield server


@pytest.fixture
def emu(authkit_emulator_server: Any) -> Iterator[Any]:
    with strict_emulator(authkit_emulator_server) as emu:
        yield emu


def test_burst_on_one_expiring_session_refreshes_once(cluster: Cluster, emu: Any) -> None:
    emu.control.set_clock(offset=-290)  # the token expires in 10 s: inside REFRESH_AHEAD
    browser = sign_in(cluster.url, emu, email="burst@example.test")
    emu.control.set_clock(offset=0)
    emu.control.clear_calls()
    # The one refresh answers slowly, so the other requests surely find it in progress.
    emu.control.fault("/user_management/authenticate", method="POST", status=None,
                      delay=wait(1.0), count=1)

    def hit(_: int) -> tuple[int, str]:
        r = browser.get(cluster.url + "/private/", allow_redirects=False, timeout=30)
        return r.status_code, r.text

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(hit, range(50)))
    statuses = [status for status, _ in results]
    assert statuses.count(200) == 50, report(statuses, cluster, [body for _, body in results])
    if cluster.env["AUTHKIT_TEST_DB"] == "sqlite":  # the cache-lock path (PostgreSQL: row lock)
        log = cluster.log.read_text() if cluster.log else ""
        # Waiters sleep until the winner is done (same process: an Event; others: Redis);
        # none re-checks the lock on a timer.
        assert "Woken by" in log, report(statuses, cluster)
        assert "Polling for another request's refresh" not in log, report(statuses, cluster)
    assert all('"burst@example.test"' in body for _, body in results)
    assert len(emu.control.grants("refresh_token")) == 1


def test_many_sessions_expiring_together_refresh_once_each(cluster: Cluster, emu: Any) -> None:
    emu.control.set_clock(offset=-290)
    browsers = [sign_in(cluster.url, emu, email=f"user{i}@example.test") for i in range(40)]
    emu.control.set_clock(offset=0)
    emu.control.clear_calls()
    jobs = [b for b in browsers for _ in range(3)]  # three concurrent requests per session

    def hit(browser: Any) -> tuple[int, str]:
        r = browser.get(cluster.url + "/private/", allow_redirects=False, timeout=wait(30))
        return int(r.status_code), r.text

    with ThreadPoolExecutor(max_workers=48) as pool:
        results = list(pool.map(hit, jobs))
    statuses = [status for status, _ in results]
    seen = report(statuses, cluster, [body for _, body in results])
    assert statuses.count(200) == len(jobs), seen
    assert len(emu.control.grants("refresh_token")) == len(browsers), seen


def test_revocation_reaches_every_worker(cluster: Cluster, emu: Any) -> None:
    browser = sign_in(cluster.url, emu, email="revoked@example.test")
    assert browser.get(cluster.url + "/private/", timeout=10).status_code == 200
    state = emu.control.state()
    sessions = state.get("sessions", {})
    rows = list(sessions.values()) if isinstance(sessions, dict) else list(sessions)
    sid = next(s["id"] for s in rows if s.get("status") == "active")
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup();"
            "from django_authkit.sessions.revocation import revoke_session_by_id;"
            f"assert revoke_session_by_id({sid!r})",
        ],
        env=cluster.env,
        check=True,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    for _ in range(8):  # whichever worker answers, the session is gone
        r = browser.get(cluster.url + "/private/", allow_redirects=False, timeout=10)
        assert r.status_code == 302


def test_concurrent_first_sign_ins_create_one_user(cluster: Cluster, emu: Any) -> None:
    """Several browsers finish their first sign-in of one new user at the same moment."""
    import requests

    callbacks = []
    browsers = []
    for _ in range(6):
        browser = requests.Session()
        browser.headers["Connection"] = "close"
        start = browser.get(cluster.url + "/auth/sign-in/", allow_redirects=False, timeout=10)
        callbacks.append(emu.control.complete_sign_in(start.headers["Location"],
                                                      email="twin@example.test"))
        browsers.append(browser)
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(lambda pair: pair[0].get(pair[1], allow_redirects=False,
                                                        timeout=30).status_code,
                              zip(browsers, callbacks)))
    assert codes == [302] * 6
    probe = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();"
         "from django.contrib.auth import get_user_model;"
         "print(get_user_model().objects.filter(email='twin@example.test').count())"],
        env=cluster.env, capture_output=True, text=True, check=True,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    assert probe.stdout.strip() == "1"
