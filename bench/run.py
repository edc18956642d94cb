"""``make bench``: django-authkit against plain Django session auth, measured in one run.

1. Hot path, in process: a signed-in request with a fresh token through
   AuthKitMiddleware vs the same request with plain session auth (median of
   rounds), plus queries per request and WorkOS calls.
2. Burst, 4 gunicorn processes on PostgreSQL + Redis: 50 concurrent requests on
   one expiring session, then N sessions expiring together; refresh calls
   counted at the (strict) emulator.
3. Throughput, gunicorn + wrk on 127.0.0.1: requests/s with AuthKit vs plain.

Writes bench/RESULTS.md. Needs the services of scripts/services.sh (the
``make bench`` target starts them).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="authkit-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["AUTHKIT_TEST_DB"] = "sqlite"
os.environ["AUTHKIT_TEST_SQLITE"] = str(WORK / "hot.sqlite3")


def hot_path(emu: Any, rounds: int, per_round: int) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from django_authkit.testing.flow import sign_in_through_emulator

    setup_test_environment()
    call_command("migrate", verbosity=0)
    emu.control.configure(redirect_uris=["http://testserver/auth/callback/"])
    authkit_cfg = {**settings.AUTHKIT, "API_BASE_URL": emu.url, "CLIENT_ID": emu.client_id,
                   "API_KEY": emu.api_key}
    plain_mw = [m for m in settings.MIDDLEWARE if "django_authkit" not in m]
    with override_settings(AUTHKIT=authkit_cfg):
        authkit = Client()
        assert sign_in_through_emulator(authkit, emu, email="bench@example.test").status_code == 302
        assert authkit.get("/whoami/").status_code == 200  # builds its middleware chain
        with override_settings(MIDDLEWARE=plain_mw):
            plain = Client()
            user = get_user_model().objects.create_user("plain", "plain@example.test", "x")
            plain.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            assert plain.get("/whoami/").status_code == 200  # built without AuthKit
        queries = {}
        for name, client in (("plain", plain), ("authkit", authkit)):
            with CaptureQueriesContext(connection) as ctx:
                client.get("/whoami/")
            queries[name] = len(ctx.captured_queries)
        emu.control.clear_calls()
        times: dict[str, list[float]] = {"plain": [], "authkit": []}
        for _ in range(rounds):
            for name, client in (("plain", plain), ("authkit", authkit)):
                start = time.perf_counter()
                for _ in range(per_round):
                    client.get("/whoami/")
                times[name].append((time.perf_counter() - start) / per_round)
        calls = len(emu.control.calls())
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"plain_us": med["plain"] * 1e6, "authkit_us": med["authkit"] * 1e6,
            "ratio": med["authkit"] / med["plain"], "queries": queries, "workos_calls": calls,
            "rounds": rounds, "per_round": per_round}


def burst(emu: Any, sessions: int) -> dict[str, Any]:
    from tests.cluster import project_env, redis_url, sign_in, start_gunicorn

    env = project_env(emu.url, WORK, redis_url(), "postgres")
    cluster = start_gunicorn(env, WORK, workers=4, threads=8)
    emu.control.configure(refresh_grace_seconds=0)
    try:
        emu.control.set_clock(offset=-290)
        one = sign_in(cluster.url, emu, email="burst@example.test")
        emu.control.set_clock(offset=0)
        emu.control.clear_calls()
        with ThreadPoolExecutor(50) as pool:
            codes = list(pool.map(lambda _: one.get(cluster.url + "/private/",
                                                    allow_redirects=False, timeout=60).status_code,
                                  range(50)))
        single = {"requests": 50, "ok": codes.count(200), "signed_out": codes.count(302),
                  "refresh_calls": len(emu.control.grants("refresh_token"))}
        emu.control.set_clock(offset=-290)
        many = [sign_in(cluster.url, emu, email=f"s{i}@example.test") for i in range(sessions)]
        emu.control.set_clock(offset=0)
        emu.control.clear_calls()
        with ThreadPoolExecutor(50) as pool:
            codes = list(pool.map(lambda b: b.get(cluster.url + "/private/",
                                                  allow_redirects=False, timeout=60).status_code,
                                  many))
        multi = {"sessions": sessions, "ok": codes.count(200), "signed_out": codes.count(302),
                 "refresh_calls": len(emu.control.grants("refresh_token"))}
    finally:
        cluster.stop()
        emu.control.configure(refresh_grace_seconds=10)
    return {"single": single, "many": multi}


def throughput(emu: Any, rounds: int, seconds: int) -> dict[str, Any]:
    from tests.cluster import project_env, redis_url, sign_in, start_gunicorn

    wrk = shutil.which("wrk")
    if not wrk:
        return {"skipped": "wrk is not installed"}
    env = project_env(emu.url, WORK, redis_url(), "postgres")
    # One sync worker each: with two, how the kernel spreads wrk's connections between
    # them made whole rounds run at half speed (bimodal figures on a 2-core machine).
    authkit = start_gunicorn(env, WORK, workers=1, threads=1)
    plain = start_gunicorn({**env, "DJANGO_SETTINGS_MODULE": "bench.settings_plain"}, WORK,
                           workers=1, threads=1)
    try:
        browser = sign_in(authkit.url, emu, email="wrk@example.test")
        cookies = {"authkit": browser.cookies["sessionid"], "plain": _plain_session(env)}
        urls = {"authkit": authkit.url, "plain": plain.url}

        def run_wrk(name: str, duration: int) -> float:
            out = subprocess.run(
                [wrk, "-t1", "-c8", f"-d{duration}s", "-H", f"Cookie: sessionid={cookies[name]}",
                 urls[name] + "/whoami/"], capture_output=True, text=True, check=True).stdout
            if "Non-2xx" in out:
                raise RuntimeError(f"{name}: non-2xx answers under load:\n{out}")
            match = re.search(r"Requests/sec:\s+([\d.]+)", out)
            assert match, out
            return float(match.group(1))

        for name in ("plain", "authkit"):  # warm-up: imports, connections; discarded
            run_wrk(name, 2)
        emu.control.clear_calls()
        rps: dict[str, list[float]] = {"plain": [], "authkit": []}
        for _ in range(rounds):
            for name in ("plain", "authkit"):
                rps[name].append(run_wrk(name, seconds))
        calls = len(emu.control.calls())
    finally:
        authkit.stop()
        plain.stop()
    med = {k: statistics.median(v) for k, v in rps.items()}
    return {"plain_rps": med["plain"], "authkit_rps": med["authkit"],
            "ratio": med["authkit"] / med["plain"], "rounds": rounds, "seconds": seconds,
            "workos_calls": calls, "all": rps}


def _plain_session(env: dict[str, str]) -> str:
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, "
        "HASH_SESSION_KEY\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "u = get_user_model().objects.create_user('plainwrk', 'p@example.test', 'x')\n"
        "s = SessionStore(); s[SESSION_KEY] = str(u.pk)\n"
        "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.save(); print(s.session_key)\n"
    )
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout.strip()


def write_results(res: dict[str, Any], command: str) -> str:
    import django

    hot, b, t = res["hot"], res["burst"], res["throughput"]
    lines = [
        "# Benchmark results", "",
        f"Command: `{command}`  ",
        f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC  ",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Django {django.get_version()}, {platform.machine()}  ",
        "Method: medians over alternating rounds; every ratio is against plain Django session "
        "auth measured in the same run.", "",
        "## 1. Hot path (in process, fresh token, `/whoami/`)", "",
        "| | plain Django | AuthKit | ratio | target |", "|---|---|---|---|---|",
        f"| time per request | {hot['plain_us']:.0f} µs | {hot['authkit_us']:.0f} µs | "
        f"**{hot['ratio']:.3f}x** | ≤ 1.05x |",
        f"| DB queries per request | {hot['queries']['plain']} | {hot['queries']['authkit']} | "
        f"+{hot['queries']['authkit'] - hot['queries']['plain']} | +0 |",
        f"| WorkOS calls during {hot['rounds'] * hot['per_round']} requests | - | "
        f"{hot['workos_calls']} | | 0 |", "",
        f"({hot['rounds']} rounds of {hot['per_round']} requests each.)", "",
        "## 2. Burst (4 gunicorn processes x 8 threads, PostgreSQL + Redis, strict emulator)", "",
        "| scenario | requests | 200 OK | signed out | refresh calls at WorkOS | target |",
        "|---|---|---|---|---|---|",
        f"| 50 concurrent requests, one expiring session | 50 | {b['single']['ok']} | "
        f"{b['single']['signed_out']} | **{b['single']['refresh_calls']}** | 1 refresh, 50 OK |",
        f"| {b['many']['sessions']} sessions expiring together | {b['many']['sessions']} | "
        f"{b['many']['ok']} | {b['many']['signed_out']} | **{b['many']['refresh_calls']}** | "
        "refreshes = sessions |", "",
        "## 3. Throughput (gunicorn 1 sync worker + wrk -t1 -c8, 127.0.0.1, PostgreSQL)", "",
    ]
    if "skipped" in t:
        lines.append(f"Skipped: {t['skipped']}.")
    else:
        lines += [
            "| | plain Django | AuthKit | ratio | target |", "|---|---|---|---|---|",
            f"| requests/s | {t['plain_rps']:.0f} | {t['authkit_rps']:.0f} | "
            f"**{t['ratio']:.3f}x** | ≥ 0.95x |", "",
            f"({t['rounds']} alternating rounds of {t['seconds']} s; WorkOS calls during the "
            f"AuthKit runs: {t['workos_calls']}; all rounds: plain "
            f"{[round(x) for x in t['all']['plain']]}, AuthKit "
            f"{[round(x) for x in t['all']['authkit']]}.)",
        ]
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "RESULTS.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--requests", type=int, default=500, help="per hot-path round")
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--wrk-rounds", type=int, default=7)
    parser.add_argument("--wrk-seconds", type=int, default=5)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django_authkit.emulator import EmulatorServer

    emu = EmulatorServer(port=0).start()
    try:
        results = {
            "hot": hot_path(emu, args.rounds, args.requests),
            "burst": burst(emu, args.sessions),
            "throughput": throughput(emu, args.wrk_rounds, args.wrk_seconds),
        }
    finally:
        emu.stop()
        shutil.rmtree(WORK, ignore_errors=True)
    print(write_results(results, "make bench"))


if __name__ == "__main__":
    main()
