"""JWKS brownouts on 4 gunicorn workers whose key sets go stale every second.

The JWKS hangs (60 s), rate-limits or fails while signed-in users keep working:
known keys serve (stale-while-revalidate), and the site pays one short fetch
per backoff window, not one per request. A module of its own: its cluster
gets its own database.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.cluster import Cluster, redis_url, running_cluster
from tests.test_cluster_keys import _expiring_browsers, _figures, _hit_all, _latency, _log
from tests.test_cluster_keys import emu as emu

pytestmark = pytest.mark.skipif(redis_url() is None, reason="needs the test Redis (make test)")

STALE_KEYS = {"JWKS_CACHE_SECONDS": 1, "JWKS_TIMEOUT": 1, "JWKS_FAILURE_BACKOFF": 30}


@pytest.fixture(scope="module")
def stale_cluster(authkit_emulator_server: Any, tmp_path_factory: pytest.TempPathFactory,
                  django_db_blocker: Any) -> Iterator[Cluster]:
    with running_cluster(
        authkit_emulator_server, tmp_path_factory, django_db_blocker, **STALE_KEYS
    ) as server:
        yield server


def _backoff_recorded() -> bool:
    import redis

    client = redis.Redis.from_url(str(redis_url()))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if client.keys("*authkit:jwks*-backoff:*"):
            return True
        time.sleep(0.1)
    return False


def _fault_hits(emu: Any) -> int:
    faults = requests.get(f"{emu.url}/_emulator/faults", timeout=10).json()["data"]
    return sum(int(f["hits"]) for f in faults)


@pytest.mark.parametrize("kind", ["hang", "rate_limited", "unavailable"])
def test_jwks_brownout_costs_one_fetch_per_backoff_window(
    stale_cluster: Cluster, emu: Any, kind: str
) -> None:
    """Keys go stale every second here; the JWKS then hangs (60 s), rate-limits or fails."""
    browsers = _expiring_browsers(stale_cluster, emu, 20, f"brown{kind}")
    time.sleep(1.5)  # every worker's key set is now stale
    emu.control.jwks_fault(kind, count=None, delay=60 if kind == "hang" else None,
                           retry_after=20 if kind == "rate_limited" else None)
    jobs = [b for b in browsers for _ in range(3)]
    results = _hit_all(stale_cluster, jobs)
    statuses = [s for s, _, _ in results]
    assert statuses == [200] * len(jobs), (statuses, _log(stale_cluster))
    fetches = _fault_hits(emu)
    assert 1 <= fetches <= 4, (fetches, _log(stale_cluster))  # one per process at most
    again = _hit_all(stale_cluster, browsers)
    assert [s for s, _, _ in again] == [200] * len(browsers)
    assert _fault_hits(emu) == fetches  # inside the backoff window: no new attempt
    # The failure is remembered where every process sees it. Waiting for it here also keeps
    # a fetch still timing out in the background from arming the next test's backoff.
    assert _backoff_recorded(), _log(stale_cluster)
    emu.control.clear_faults()
    _figures(f"jwks-{kind}", requests=len(jobs) + len(browsers), non_200=0,
             jwks_attempts=fetches, **_latency(results))
