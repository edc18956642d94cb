"""A bounded load run with WorkOS faults injected: no 500s, no lost users or sessions.

40 users sign in concurrently across 4 gunicorn workers while the emulator
fails some code exchanges (a person retries those), then 400 authenticated
requests run while every token expires and WorkOS answers 503s and 429s to
some refreshes. Counts are written to tests/artifacts/load-report.json.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import connection

from tests.cluster import Cluster, project_env, redis_url, start_gunicorn

pytestmark = pytest.mark.skipif(redis_url() is None, reason="needs the test Redis (make test)")
USERS, REQUESTS, DEADLINE = 40, 400, 90.0
REPORT = Path(__file__).resolve().parent.parent / "artifacts" / "load-report.json"


@pytest.fixture(scope="module")
def cluster(
    authkit_emulator_server: Any, tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any
) -> Iterator[Cluster]:
    with django_db_blocker.unblock():
        backend = "postgres" if connection.vendor == "postgresql" else "sqlite"
    workdir = tmp_path_factory.mktemp("load")
    server = start_gunicorn(
        project_env(authkit_emulator_server.url, workdir, redis_url(), backend), workdir
    )
    yield server
    server.stop()


def _sign_in(url: str, emu: Any, email: str, stats: Counter[str]) -> requests.Session:
    """A person signing in, retrying (at most 5 times) when the site says WorkOS failed."""
    for _ in range(5):
        browser = requests.Session()
        browser.headers["Connection"] = "close"
        start = browser.get(url + "/auth/sign-in/", allow_redirects=False, timeout=30)
        stats[f"sign-in start {start.status_code}"] += 1
        callback = emu.control.complete_sign_in(start.headers["Location"], email=email)
        done = browser.get(callback, allow_redirects=False, timeout=30)
        stats[f"callback {done.status_code}"] += 1
        if done.status_code == 302:
            return browser
    raise AssertionError(f"{email} could not sign in")


def test_load_with_faults(cluster: Cluster, authkit_emulator_server: Any) -> None:
    emu = authkit_emulator_server
    emu.control.reset()
    started = time.monotonic()
    stats: Counter[str] = Counter()
    emu.control.fault(
        "/user_management/authenticate",
        method="POST",
        status=503,
        count=8,
        match={"grant_type": "authorization_code"},
    )
    emu.control.set_clock(offset=-290)  # every token expires within the run
    with ThreadPoolExecutor(16) as pool:
        browsers = list(
            pool.map(
                lambda i: _sign_in(cluster.url, emu, f"load{i}@example.test", stats), range(USERS)
            )
        )
    emu.control.set_clock(offset=0)
    emu.control.fault(
        "/user_management/authenticate",
        method="POST",
        status=503,
        count=6,
        match={"grant_type": "refresh_token"},
    )
    emu.control.fault(
        "/user_management/authenticate",
        method="POST",
        status=429,
        count=6,
        retry_after=1,
        match={"grant_type": "refresh_token"},
    )
    time.sleep(10)  # past expiry: requests now need a refresh, some of which WorkOS refuses

    def hit(i: int) -> int:
        return int(
            browsers[i % USERS]
            .get(cluster.url + "/private/", allow_redirects=False, timeout=30)
            .status_code
        )

    with ThreadPoolExecutor(32) as pool:
        for code in pool.map(hit, range(REQUESTS)):
            stats[f"request {code}"] += 1
    emu.control.clear_faults()
    recovered = [hit(i) for i in range(USERS)]  # after the outage: every session still works
    elapsed = time.monotonic() - started
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(
        json.dumps(
            {
                "users": USERS,
                "requests": REQUESTS,
                "seconds": round(elapsed, 1),
                "answers": dict(sorted(stats.items())),
                "recovered": Counter(recovered),
            },
            indent=2,
            default=str,
        )
    )
    print(REPORT.read_text())
    assert elapsed < DEADLINE
    assert not any(key.endswith(" 500") for key in stats)
    assert set(stats) <= {
        "sign-in start 302",
        "callback 302",
        "callback 503",
        "request 200",
        "request 503",
    }
    assert recovered == [200] * USERS  # no user lost their session
    assert stats["callback 503"] == 8 and stats["callback 302"] == USERS
