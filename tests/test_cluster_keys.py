"""Key rotation and JWKS brownouts on 4 gunicorn workers (PostgreSQL or SQLite + Redis).

Every worker keeps its own in-process key copy, as in production; the emulator
is strict (no replay grace window), so any refresh token lost or spent twice
shows up as a sign-out. Each test prints a ``FIGURES`` line (see bench/RESULTS.md).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.cluster import (
    ROOT,
    Cluster,
    flush_test_redis,
    redis_url,
    running_cluster,
    sign_in,
    strict_emulator,
)

pytestmark = pytest.mark.skipif(redis_url() is None, reason="needs the test Redis (make test)")

@pytest.fixture(scope="module")
def cluster(authkit_emulator_server: Any, tmp_path_factory: pytest.TempPathFactory,
            django_db_blocker: Any) -> Iterator[Cluster]:
    with running_cluster(authkit_emulator_server, tmp_path_factory, django_db_blocker) as server:
        yield server


@pytest.fixture
def emu(authkit_emulator_server: Any) -> Iterator[Any]:
    with strict_emulator(authkit_emulator_server) as emu:
        flush_test_redis()
        yield emu


def _expiring_browsers(cluster: Cluster, emu: Any, count: int, tag: str) -> list[Any]:
    emu.control.set_clock(offset=-290)  # tokens expire in 10 s: inside REFRESH_AHEAD
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(lambda i: sign_in(cluster.url, emu, email=f"{tag}{i}@x.test"),
                                 range(count)))
    finally:
        emu.control.set_clock(offset=0)


def _hit_all(cluster: Cluster, jobs: list[Any]) -> list[tuple[int, float, str]]:
    def hit(browser: Any) -> tuple[int, float, str]:
        started = time.monotonic()
        r = browser.get(cluster.url + "/private/", allow_redirects=False, timeout=60,
                        headers={"Accept": "application/json"})
        return r.status_code, time.monotonic() - started, r.headers.get("Retry-After", "")

    with ThreadPoolExecutor(max_workers=32) as pool:
        return list(pool.map(hit, jobs))


def _ended_sessions(cluster: Cluster) -> int:
    probe = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();"
         "from django_authkit.models import AuthKitSession;"
         "print(AuthKitSession.objects.filter(ended_at__isnull=False).count())"],
        env=cluster.env, capture_output=True, text=True, check=True, cwd=str(ROOT),
    )
    return int(probe.stdout.strip())


def _log(cluster: Cluster) -> str:
    return cluster.log.read_text()[-6000:] if cluster.log else ""


def _figures(name: str, **values: Any) -> None:
    print(f"FIGURES {name}: " + ", ".join(f"{k}={v}" for k, v in values.items()))


def _latency(results: list[tuple[int, float, str]]) -> dict[str, str]:
    times = sorted(t for _, t, _ in results)
    return {"p50_s": f"{times[len(times) // 2]:.2f}", "max_s": f"{times[-1]:.2f}"}


def test_rotation_while_four_workers_refresh_fifty_sessions(cluster: Cluster, emu: Any) -> None:
    browsers = _expiring_browsers(cluster, emu, 50, "rot")
    ended_before = _ended_sessions(cluster)
    emu.control.clear_calls()
    emu.control.rotate_keys()  # every refreshed token now carries a kid no worker knows
    jobs = [b for b in browsers for _ in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:  # and new sign-ins during the rotation
        signing_in = pool.submit(
            lambda: [sign_in(cluster.url, emu, email=f"during{i}@x.test") for i in range(10)]
        )
        results = _hit_all(cluster, jobs)
        fresh = signing_in.result()
    statuses = [s for s, _, _ in results]
    assert statuses == [200] * len(jobs), (statuses, _log(cluster))
    assert len(fresh) == 10  # sign_in() asserts each callback redirected
    emu.control.retire_keys()
    after = _hit_all(cluster, browsers + fresh)
    assert [s for s, _, _ in after] == [200] * len(after), _log(cluster)
    sign_outs = _ended_sessions(cluster) - ended_before
    assert sign_outs == 0
    refreshes = len(emu.control.grants("refresh_token"))
    assert refreshes == 50
    jwks = len(emu.control.calls(path=f"/sso/jwks/{emu.client_id}"))
    _figures("rotation", sessions=50, requests=len(jobs) + len(after), sign_outs=sign_outs,
             failed_sign_ins=0, refreshes=refreshes, jwks_fetches=jwks, **_latency(results))


def test_random_bearer_kids_before_a_rotation_sign_nobody_out(
    cluster: Cluster, emu: Any
) -> None:
    browsers = _expiring_browsers(cluster, emu, 20, "trap")
    ended_before = _ended_sessions(cluster)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": f"{emu.url}/user_management/{emu.client_id}", "sub": "user_x",
              "sid": "session_x", "iat": now, "exp": now + 300}
    for i in range(16):  # reaches every worker; each forged kid takes the cool-down
        forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": f"kid_random_{i}"})
        r = requests.get(cluster.url + "/private/", headers={
            "Authorization": f"Bearer {forged}", "Connection": "close"}, timeout=30)
        assert r.status_code == 401
    emu.control.rotate_keys(retire_old=True)  # the hardest case: old key gone at once
    results = _hit_all(cluster, [b for b in browsers for _ in range(2)])
    assert [s for s, _, _ in results] == [200] * len(results), _log(cluster)
    newcomers = [sign_in(cluster.url, emu, email=f"after{i}@x.test") for i in range(4)]
    assert len(newcomers) == 4
    sign_outs = _ended_sessions(cluster) - ended_before
    assert sign_outs == 0
    _figures("forged-kids-then-rotation", forged_requests=16, sessions=20, sign_outs=sign_outs)


def test_lost_answers_and_failures_at_refresh_sign_nobody_out(
    cluster: Cluster, emu: Any
) -> None:
    # WorkOS's replay window, as in production; 20 s tokens: every request refreshes.
    emu.control.configure(refresh_grace_seconds=10, access_token_ttl=20)
    with ThreadPoolExecutor(max_workers=8) as pool:
        browsers = list(pool.map(lambda i: sign_in(cluster.url, emu, email=f"lost{i}@x.test"),
                                 range(20)))
    ended_before = _ended_sessions(cluster)
    emu.control.drop_response("/user_management/authenticate", match={
        "grant_type": "refresh_token"}, count=5)
    dropped = _hit_all(cluster, browsers)
    emu.control.fault("/user_management/authenticate", method="POST", status=503, count=5,
                      match={"grant_type": "refresh_token"})
    failed = _hit_all(cluster, browsers)
    emu.control.set_clock(advance=60)  # well past the replay window
    later = _hit_all(cluster, browsers)
    statuses = [s for s, _, _ in dropped + failed + later]
    assert statuses == [200] * len(statuses), (statuses, _log(cluster))
    sign_outs = _ended_sessions(cluster) - ended_before
    assert sign_outs == 0
    lost = [g for g in emu.control.grants("refresh_token") if g["dropped"]]
    assert len(lost) == 5
    _figures("lost-refresh-answers", sessions=20, dropped=5, failed_503=5, sign_outs=sign_outs)
