"""The default SQLite setup under ``runserver``: concurrent refreshes answer 200, not 500.

``startproject`` ships SQLite with Django's default options (deferred
transactions, 5 s busy timeout) and the per-process local-memory cache; this runs
the test project that way under ``manage.py runserver`` (one process, a thread
per request) and lets ten expiring sessions refresh at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.cluster import sign_in, sqlite_runserver


@pytest.fixture(scope="module")
def runserver(authkit_emulator_server: Any, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[tuple[str, Path]]:
    workdir = tmp_path_factory.mktemp("runserver")
    with sqlite_runserver(authkit_emulator_server.url, workdir) as served:
        yield served


def test_ten_sessions_refreshing_at_once_all_answer_200(
    runserver: tuple[str, Path], authkit_emulator_server: Any
) -> None:
    url, log = runserver
    emu = authkit_emulator_server
    emu.control.reset()
    emu.control.configure(refresh_grace_seconds=0)
    emu.control.set_clock(offset=-290)  # tokens expire in 10 s: inside REFRESH_AHEAD
    try:
        browsers = [sign_in(url, emu, email=f"lite{i}@example.test") for i in range(10)]
    finally:
        emu.control.set_clock(offset=0)
    emu.control.clear_calls()
    jobs = [b for b in browsers for _ in range(3)]

    def hit(browser: requests.Session) -> tuple[int, str]:
        r = browser.get(url + "/private/", allow_redirects=False, timeout=60)
        return r.status_code, r.text[:200]

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(hit, jobs))
    statuses = [status for status, _ in results]
    assert statuses == [200] * len(jobs), (results, log.read_text()[-3000:])
    assert len(emu.control.grants("refresh_token")) == len(browsers)
    emu.control.configure(refresh_grace_seconds=10)
