"""The refresh burst: N sessions whose access tokens expire together, over gunicorn workers.

A real deployment shape: gunicorn gthread workers of the test project on
PostgreSQL + Redis, the emulator in its own process (strict: a refresh token
works once). Every session sends one request at once; each must refresh exactly
once and none may be signed out. ``profile=True`` repeats the burst under
``py-spy`` (all workers, and the emulator separately) and sorts the request
threads' samples into where the time goes.
"""

from __future__ import annotations

import collections
import shutil
import signal
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

#: (label, a frame that marks it), first match wins; checked leaf-first over the stack.
CATEGORIES = (
    ("WorkOS refresh call (HTTP round trip to the emulator)", "authenticate_with_refresh_token"),
    ("token verification (RS256)", "verify_access_token"),
    ("token encryption (crypto.encrypt/decrypt)", "crypto.py"),
    ("session row lock + refresh transaction (DB)", "_refresh_locked_row"),
    ("waiting for another request's refresh (poll)", "_refresh_with_cache_lock"),
    ("Django session save (new claims)", "SessionStore.save"),
    ("signals and membership sync after refresh", "sync_membership"),
    ("Django session load", "SessionStore.load"),
    ("user load (auth middleware)", "get_user (django/contrib/auth"),
    ("rest of the request (Django, view, response)", "handle_request"),
)
#: A sample counts only while a thread serves a request (idle workers are dropped).
APP_BUSY = "handle_request (gunicorn"
EMULATOR_BUSY = "_Handler._serve"


def _burst_once(cluster_url: str, emu: Any, sessions: int, tag: str,
                around: Any = None) -> dict[str, Any]:
    """Sign ``sessions`` browsers in, then send one request each at once.

    ``around`` (start, stop) callables bracket the burst alone (the profiler).
    """
    from tests.cluster import sign_in

    emu.control.set_clock(offset=-290)  # tokens minted now expire within the refresh margin
    browsers = [sign_in(cluster_url, emu, email=f"{tag}{i}@example.test") for i in range(sessions)]
    emu.control.set_clock(offset=0)
    emu.control.clear_calls()

    def hit(browser: Any) -> tuple[int, float]:
        t0 = time.perf_counter()
        status = browser.get(cluster_url + "/private/", allow_redirects=False,
                             timeout=120).status_code
        return status, time.perf_counter() - t0

    if around is not None:
        around[0]()
    start = time.perf_counter()
    with ThreadPoolExecutor(min(sessions, 64)) as pool:
        results = list(pool.map(hit, browsers))
    wall = time.perf_counter() - start
    if around is not None:
        around[1]()
    latencies = sorted(t for _, t in results)
    codes = [c for c, _ in results]
    return {"sessions": sessions, "wall_s": wall, "ok": codes.count(200),
            "signed_out": codes.count(302), "other": len(codes) - codes.count(200) -
            codes.count(302), "refreshes": len(emu.control.grants("refresh_token")),
            "p50_s": statistics.median(latencies),
            "p99_s": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "max_s": latencies[-1]}


def _spy(pid: int, out: Path, subprocesses: bool) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy") or str(Path(__import__("sys").executable).parent / "py-spy")
    if not Path(spy).exists():
        return None
    cmd = [spy, "record", "--pid", str(pid), "--rate", "200", "--format", "raw", "--idle",
           "--nonblocking", "-o", str(out)]
    if subprocesses:
        cmd.append("--subprocesses")
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop_spy(spy: subprocess.Popen[bytes]) -> None:
    spy.send_signal(signal.SIGINT)
    try:
        spy.wait(timeout=60)
    except subprocess.TimeoutExpired:
        spy.kill()


def categorize(raw: Path, categories: tuple[tuple[str, str], ...] = CATEGORIES,
               busy: str = APP_BUSY) -> dict[str, Any]:
    """Share of request-serving samples per category, and the number of such samples."""
    counts: collections.Counter[str] = collections.Counter()
    if not raw.exists():
        return {}
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit() or busy not in stack:
            continue
        for label, marker in categories:
            if marker in stack:
                counts[label] += int(n)
                break
        else:
            counts["other"] += int(n)
    total = sum(counts.values()) or 1
    shares: dict[str, Any] = {label: n / total for label, n in counts.most_common()}
    shares["_samples"] = sum(counts.values())
    return shares


def emulator_split(raw: Path) -> dict[str, Any]:
    """The emulator's request-serving samples: signing tokens vs everything else."""
    return categorize(raw, (
        ("RS256 signing (PyJWT encode)", "encode (jwt/api_jws.py"),
        ("refresh grant (sessions, tokens, state)", "authenticate (django_authkit/emulator"),
        ("HTTP parsing and writing", "_Handler._serve"),
    ), busy=EMULATOR_BUSY)


def measure(emu: Any, workdir: Path, workers: int, sessions: int = 200,
            profile: bool = False) -> dict[str, Any]:
    from tests.cluster import project_env, redis_url, start_gunicorn

    env = project_env(emu.url, workdir, redis_url(), "postgres")
    cluster = start_gunicorn(env, workdir, workers=workers, threads=8)
    emu.control.configure(refresh_grace_seconds=0)  # strict: a second use would fail
    try:
        result = _burst_once(cluster.url, emu, sessions, f"w{workers}-")
        result["workers"] = workers
        if profile and cluster.process is not None:
            app_raw = workdir / f"spy-app-{workers}.txt"
            emu_raw = workdir / f"spy-emu-{workers}.txt"
            spies: list[Any] = []
            pids = (cluster.process.pid, emu.process.pid)

            def start_spies() -> None:
                spies.extend([_spy(pids[0], app_raw, True), _spy(pids[1], emu_raw, False)])
                time.sleep(1.5)  # py-spy attaches to every worker

            def stop_spies() -> None:
                for spy in spies:
                    if spy is not None:
                        _stop_spy(spy)

            profiled = _burst_once(cluster.url, emu, sessions, f"p{workers}-",
                                   (start_spies, stop_spies))
            result["profiled"] = profiled
            result["app_profile"] = categorize(app_raw)
            result["emulator_profile"] = emulator_split(emu_raw)
    finally:
        cluster.stop()
        emu.control.configure(refresh_grace_seconds=10)
    return result
