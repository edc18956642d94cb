"""Run the test project under gunicorn worker processes against a shared DB and Redis.

Used by the multi-process tests and by ``bench/``: a real deployment shape,
several processes that share nothing but PostgreSQL (or an SQLite file) and
the Redis cache, all calling the emulator over HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_url() -> str | None:
    """The test Redis started by scripts/services.sh, if it answers."""
    url = os.environ.get("AUTHKIT_TEST_REDIS")
    if not url:
        return None
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1):
            return url
    except OSError:
        return None


def flush_test_redis() -> None:
    """Empty the suite's own Redis database (one per suite: AUTHKIT_TEST_REDIS names it)."""
    url = redis_url()
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()


@dataclass
class Cluster:
    """A gunicorn server of the test project; ``url`` is its origin."""

    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def worker_pids(self) -> list[int]:
        """The gunicorn workers' process ids (the master's children), as of now."""
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def wait_for_workers(self, count: int, timeout: float = 60.0) -> list[int]:
        """Wait until ``count`` workers answer again (after a kill, gunicorn starts new ones)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) >= count:
                try:
                    requests.get(self.url + "/", timeout=10)
                    return pids
                except requests.RequestException:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"gunicorn has {self.worker_pids()} workers, wanted {count}")

    def kill_worker_at(self, peer: str) -> int | None:
        """SIGKILL the worker owning the client socket ``host:port`` (as the emulator saw
        it); the pid killed, or None when no worker owns it (any more)."""
        pid = socket_owner(int(peer.rsplit(":", 1)[1]), self.worker_pids())
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
        return pid

    def rss_and_fds(self) -> dict[int, tuple[int, int]]:
        """Per worker: resident memory (KiB) and open file descriptors, read from /proc."""
        figures = {}
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                rss = next(int(line.split()[1]) for line in status.splitlines()
                           if line.startswith("VmRSS:"))
                figures[pid] = (rss, len(os.listdir(f"/proc/{pid}/fd")))
            except (OSError, StopIteration):
                continue
        return figures

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def socket_owner(local_port: int, pids: list[int]) -> int | None:
    """Which of ``pids`` holds the TCP socket bound locally to ``local_port`` (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == local_port:
                inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    return pid
            except OSError:
                continue
    return None


def slowness() -> float:
    """How much slower than an idle machine this one is now (1 = idle; load per core)."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return 2.0
    return min(8.0, max(1.0, load / (os.cpu_count() or 1)))


def wait(seconds: float) -> float:
    """A wait sized from the machine: ``seconds`` on an idle one, more under load."""
    return seconds * 2 * slowness()


def report(statuses: list[int], cluster: Cluster, bodies: list[str] | None = None) -> str:
    """What a failing concurrency test saw: status counts, odd answers, the server log."""
    from collections import Counter

    odd = [b[:300] for s, b in zip(statuses, bodies or [], strict=False) if s != 200][:5]
    log = cluster.log.read_text(errors="replace")[-4000:] if cluster.log else ""
    return (f"statuses {dict(Counter(statuses))}, slowness {slowness():.1f}\n"
            f"non-200 bodies: {odd}\nserver log (tail):\n{log}")


def project_env(emulator_url: str, workdir: Path, cache_url: str | None, db: str) -> dict[str, str]:
    """Environment for a server process of the test project."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT),
           "AUTHKIT_TEST_EMULATOR": emulator_url, "NO_PROXY": "127.0.0.1,localhost",
           "AUTHKIT_TEST_REFRESH_WAIT": str(wait(10.0)), "AUTHKIT_TEST_REFRESH_LOG": "DEBUG"}
    if cache_url:
        env["AUTHKIT_TEST_CACHE"] = cache_url
    if db == "postgres":
        # Named after the suite's own database, so parallel runs on one server don't collide.
        name = f"{os.environ.get('PGDATABASE') or 'authkit'}_cluster"
        env["AUTHKIT_TEST_DB"] = "postgres"
        env["PGDATABASE"] = name
        _recreate_pg_database(name)
    else:
        env["AUTHKIT_TEST_DB"] = "sqlite"
        env["AUTHKIT_TEST_SQLITE"] = str(workdir / "cluster.sqlite3")
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], env=env, check=True,
                   cwd=ROOT)
    return env


def _recreate_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(host=os.environ.get("PGHOST", "127.0.0.1"),
                         port=os.environ.get("PGPORT", "54329"), user="postgres",
                         dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _die_with_parent() -> None:
    """Linux: SIGTERM the server if the test process dies, so no worker outlives a run."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_gunicorn(env: dict[str, str], workdir: Path, workers: int = 4, threads: int = 8,
                   app: str = "tests.wsgi:application") -> Cluster:
    port = free_port()
    log = workdir / f"gunicorn-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
         "--timeout", "60", "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    cluster = Cluster(url=f"http://127.0.0.1:{port}", env=env, process=process, log=log)
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()}")
        try:
            requests.get(cluster.url + "/", timeout=10)
            return cluster
        except requests.RequestException:
            time.sleep(0.05)
    cluster.stop()
    raise RuntimeError("gunicorn did not start")


@contextmanager
def running_cluster(
    emulator: Any, tmp_path_factory: Any, django_db_blocker: Any, cache_url: str | None = None,
    env_extra: dict[str, str] | None = None, **settings: Any
) -> Iterator[Cluster]:
    """4 gunicorn workers of the test project on the suite's database backend (and the
    test Redis, or ``cache_url``), with ``settings`` merged into ``AUTHKIT``; stopped on
    the way out."""
    from django.db import connection

    with django_db_blocker.unblock():
        backend = "postgres" if connection.vendor == "postgresql" else "sqlite"
    workdir = tmp_path_factory.mktemp("cluster")
    env = project_env(emulator.url, workdir, cache_url or redis_url(), backend)
    env["AUTHKIT_TEST_SETTINGS"] = json.dumps(settings)
    env.update(env_extra or {})
    if cache_url is None:
        flush_test_redis()  # a fresh deploy: no backoff, lock or key set left by an earlier one
    server = start_gunicorn(env, workdir)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def strict_emulator(emulator: Any) -> Iterator[Any]:
    """The shared emulator reset and strict (no refresh replay grace, 5-minute tokens) for
    one test; faults, clock and grace window restored after it."""
    emulator.control.reset()
    emulator.control.clear_faults()
    emulator.control.configure(refresh_grace_seconds=0, access_token_ttl=300)
    yield emulator
    emulator.control.clear_faults()
    emulator.control.set_clock(offset=0)
    emulator.control.configure(refresh_grace_seconds=10)


def sign_in(base_url: str, emulator: Any, **choice: Any) -> requests.Session:
    """Sign a ``requests`` browser-like session in through the real flow over HTTP."""
    browser = requests.Session()
    # A fresh connection per request: reusing a keep-alive connection the server is
    # closing at that instant fails with RemoteDisconnected, a race of the harness.
    browser.headers["Connection"] = "close"
    start = browser.get(base_url + "/auth/sign-in/", allow_redirects=False, timeout=10)
    assert start.status_code == 302, start.text[:300]
    callback = emulator.control.complete_sign_in(start.headers["Location"], **choice)
    done = browser.get(callback, allow_redirects=False, timeout=10)
    assert done.status_code == 302, (done.status_code, page_text(done.text))
    return browser


def page_text(html: str) -> str:
    """What a person reads on a page (its body without markup), for assertion messages."""
    import re

    body = html.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())[:800]


@contextmanager
def sqlite_runserver(emulator_url: str, workdir: Path) -> Iterator[tuple[str, Path]]:
    """The test project on ``runserver`` with SQLite as ``startproject`` ships it: (url, log)."""
    env = project_env(emulator_url, workdir, None, "sqlite")
    env["AUTHKIT_TEST_SQLITE_DEFAULTS"] = "1"
    port = free_port()
    log = workdir / "runserver.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            if process.poll() is not None:
                raise RuntimeError(log.read_text())
            try:
                requests.get(url + "/", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.05)
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=15)
