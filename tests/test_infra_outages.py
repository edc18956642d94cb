"""Redis and PostgreSQL restarts are outages, not crashes (4 gunicorn workers).

Redis (a dedicated ``redis-server`` started here, so the shared one is left alone)
stops for about two seconds during a refresh burst; PostgreSQL's backends are
terminated under signed-in traffic, which is what a restart does to the app.
Either way: no 500 (a request answers 200, or 503 with ``Retry-After``), 0
sign-outs, and afterwards every session is still signed in and refreshes once.
A module of its own: its clusters get their own database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.cluster import (
    Cluster,
    flush_test_redis,
    free_port,
    redis_url,
    report,
    running_cluster,
    wait,
)
from tests.test_cluster_keys import _ended_sessions, _expiring_browsers

REFRESH = "refresh_token"


class RedisServer:
    """A redis-server of this test's own, on its own port, stopped and started at will."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [str(shutil.which("redis-server")), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        import redis

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def _get(cluster: Cluster, browser: requests.Session) -> tuple[int, str, str]:
    try:
        r = browser.get(cluster.url + "/private/", allow_redirects=False, timeout=120,
                        headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        return 0, "", type(exc).__name__
    return r.status_code, r.headers.get("Retry-After", ""), r.text[:200]


def _burst(cluster: Cluster, jobs: list[requests.Session]) -> list[tuple[int, str, str]]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(lambda b: _get(cluster, b), jobs))


def _check(seen: list[tuple[int, str, str]], cluster: Cluster) -> None:
    """200s, or 503s that say when to retry; nothing else."""
    statuses = [s for s, _, _ in seen]
    bad = [x for x in seen if x[0] not in (200, 503) or (x[0] == 503 and not x[1])]
    assert not bad, f"{bad[:5]}\n" + report(statuses, cluster, [b for _, _, b in seen])


def _until_all_200(cluster: Cluster, browsers: list[requests.Session]) -> list[int]:
    """Each browser retries (as told by Retry-After) until it is served; the statuses seen."""
    seen: list[int] = []
    for browser in browsers:
        for _ in range(20):
            status, retry, _ = _get(cluster, browser)
            seen.append(status)
            if status != 503:
                break
            time.sleep(min(float(retry or 1), 2.0))
    return seen


@pytest.fixture
def emu(authkit_emulator_server: Any) -> Iterator[Any]:
    emu = authkit_emulator_server
    emu.control.reset()
    emu.control.clear_faults()
    emu.control.configure(refresh_grace_seconds=0, access_token_ttl=300)  # strict WorkOS
    try:
        yield emu
    finally:
        emu.control.clear_faults()
        emu.control.set_clock(offset=0)
        emu.control.configure(refresh_grace_seconds=10)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_redis_down_for_two_seconds_during_a_refresh_burst(
    authkit_emulator_server: Any, emu: Any, tmp_path_factory: pytest.TempPathFactory,
    django_db_blocker: Any,
) -> None:
    own = RedisServer(tmp_path_factory.mktemp("redis"))
    own.start()
    try:
        with running_cluster(authkit_emulator_server, tmp_path_factory, django_db_blocker,
                             cache_url=own.url, JWKS_CACHE_SECONDS=1) as cluster:
            browsers = _expiring_browsers(cluster, emu, 12, "redisdown")
            ended_before = _ended_sessions(cluster)
            emu.control.clear_calls()
            time.sleep(1.5)  # every worker's key set is stale: the next use reads the cache
            own.stop()
            down = _burst(cluster, [b for b in browsers for _ in range(3)])
            time.sleep(max(0.0, 2.0))
            own.start()  # empty, as a restarted Redis without persistence is
            up = _burst(cluster, browsers)
            _check(down + up, cluster)
            after = _until_all_200(cluster, browsers)
            grants = [int(c["status"]) for c in emu.control.grants(REFRESH)]
            counts = (f"down {Counter(s for s, _, _ in down)}, up {Counter(s for s, _, _ in up)},"
                      f" after {Counter(after)}, refresh grants {Counter(grants)}")
            print(f"FIGURES redis-down: {counts}")
            assert after.count(200) == len(browsers), counts + report(after, cluster)
            assert 500 not in after, counts
            assert _ended_sessions(cluster) == ended_before, counts  # 0 sign-outs
            # Each session refreshed exactly once, and WorkOS (strict) refused none.
            assert grants == [200] * len(browsers), counts + report(after, cluster)
    finally:
        own.stop()


def _terminate_backends(env: dict[str, str]) -> int:
    import psycopg

    with psycopg.connect(host=env.get("PGHOST", "127.0.0.1"), port=env.get("PGPORT", "54329"),
                         user=env.get("PGUSER", "postgres"), dbname=env["PGDATABASE"],
                         autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


@pytest.mark.skipif(os.environ.get("AUTHKIT_TEST_DB") != "postgres",
                    reason="terminates PostgreSQL backends (AUTHKIT_TEST_DB=postgres)")
@pytest.mark.skipif(redis_url() is None, reason="needs the test Redis (make test)")
def test_postgres_restart_under_signed_in_traffic(
    authkit_emulator_server: Any, emu: Any, tmp_path_factory: pytest.TempPathFactory,
    django_db_blocker: Any,
) -> None:
    flush_test_redis()
    # WorkOS's replay window on, as in production: a refresh whose answer WorkOS sent but
    # whose storing the restart cut off is recovered by the next request through it.
    emu.control.configure(refresh_grace_seconds=10)
    with running_cluster(authkit_emulator_server, tmp_path_factory, django_db_blocker) as cluster:
        browsers = _expiring_browsers(cluster, emu, 12, "pgrestart")  # each refresh is due
        ended_before = _ended_sessions(cluster)
        emu.control.clear_calls()
        killed = 0
        seen: list[tuple[int, str, str]] = []
        with ThreadPoolExecutor(max_workers=1) as traffic:
            running = traffic.submit(_burst, cluster, [b for b in browsers for _ in range(6)])
            for _ in range(3):  # a restart drops every connection, maybe more than once
                killed += _terminate_backends(cluster.env)
                time.sleep(0.1)
            seen += running.result(timeout=wait(120))
        killed += _terminate_backends(cluster.env)  # the persistent ones left idle
        seen += _burst(cluster, [b for b in browsers for _ in range(2)])
        _check(seen, cluster)
        # Afterwards: everyone still signed in; every session refreshed, none refused.
        after = _until_all_200(cluster, browsers)
        grants = [int(c["status"]) for c in emu.control.grants(REFRESH)]
        counts = (f"backends terminated {killed}, during {Counter(s for s, _, _ in seen)}, "
                  f"after {Counter(after)}, refresh grants {Counter(grants)}")
        print(f"FIGURES postgres-restart: {counts}")
        assert after.count(200) == len(browsers) and 500 not in after, counts
        assert _ended_sessions(cluster) == ended_before, counts
        assert set(grants) == {200} and len(grants) >= len(browsers), counts


def test_cache_down_in_process_rate_limits_fail_open_and_markers_read_the_row(
    authkit_emulator: Any, db: Any, settings: Any
) -> None:
    """The cache refusing connections: sign-in is not rate-limited into a 500 or a 429
    (fail open), and a cookie session's revocation marker is read from its row."""
    from django.core.cache import cache
    from django.test import Client

    from django_authkit.core import outage
    from django_authkit.sessions import revocation

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMITS": {"sign-in": "2/m"}}
    with pytest.raises(outage.CACHE_ERRORS):
        cache.get("anything")  # the cache really is down
    assert [Client().get("/auth/sign-in/").status_code for _ in range(4)] == [302] * 4
    assert revocation.is_marked_ended("session_unknown") is False
