"""``python bench/bearer.py``: bearer-token authentication against plain Django session auth.

1. Repeated token, in process: ``/whoami/`` with ``Authorization: Bearer`` through
   AuthKitMiddleware (verified claims served from the in-process cache) vs the
   same view with plain Django session auth, medians of alternating rounds.
2. First-seen token: the verification cost (cache emptied before each call) next
   to PyJWT's raw RS256 ``jwt.decode`` of the same token with the same key,
   measured in the same run; and a whole first-seen request.

Prints the table and writes it to bench/RESULTS.md under "## 4. Bearer tokens"
(replacing that section if present).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="authkit-bench-bearer-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["AUTHKIT_TEST_DB"] = "sqlite"
os.environ["AUTHKIT_TEST_SQLITE"] = str(WORK / "bearer.sqlite3")
HEADING = "## 4. Bearer tokens"


def _median_us(fn: Any, rounds: int, per_round: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            fn()
        times.append((time.perf_counter() - start) / per_round * 1e6)
    return statistics.median(times), times


def measure(emu: Any, rounds: int, per_round: int, verifications: int) -> dict[str, Any]:
    import jwt
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from django_authkit import bearer
    from django_authkit.conf import authkit_settings
    from django_authkit.tokens import signing_key

    setup_test_environment()
    call_command("migrate", verbosity=0)
    emu.control.configure(redirect_uris=["http://testserver/auth/callback/"])
    authkit_cfg = {**settings.AUTHKIT, "API_BASE_URL": emu.url, "CLIENT_ID": emu.client_id,
                   "API_KEY": emu.api_key, "RATE_LIMITS": None}
    plain_mw = [m for m in settings.MIDDLEWARE if "django_authkit" not in m]
    with override_settings(AUTHKIT=authkit_cfg):
        # A token the API-mode way: the code from the hosted page, POSTed to api-callback.
        browser = Client()
        start = browser.get("/auth/sign-in/")
        back = parse_qs(urlsplit(emu.control.complete_sign_in(
            start["Location"], email="bearer@example.test")).query)
        verifier = browser.session["_authkit_pending"][back["state"][0]]["v"]
        answer = Client().post("/auth/api/callback/", json.dumps(
            {"code": back["code"][0], "codeVerifier": verifier}), content_type="application/json")
        assert answer.status_code == 200, answer.content
        token = answer.json()["token"]
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert api.get("/whoami/").status_code == 200
        with override_settings(MIDDLEWARE=plain_mw):
            plain = Client()
            user = get_user_model().objects.create_user("plain", "plain@example.test", "x")
            plain.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            assert plain.get("/whoami/").status_code == 200
        queries = {}
        for name, client in (("plain", plain), ("bearer", api)):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/whoami/").status_code == 200
            queries[name] = len(ctx.captured_queries)
        emu.control.clear_calls()

        def first_seen_request() -> None:
            bearer.clear_cache()
            api.get("/whoami/")

        variants = (("plain", plain.get), ("bearer", api.get), ("first", None))
        times: dict[str, list[float]] = {name: [] for name, _ in variants}
        for _ in range(rounds):
            for name, get in variants:
                t0 = time.perf_counter()
                for _ in range(per_round):
                    if get is None:
                        first_seen_request()
                    else:
                        get("/whoami/")
                times[name].append((time.perf_counter() - t0) / per_round * 1e6)

        header = jwt.get_unverified_header(token)
        key = signing_key(header["kid"])
        issuer = authkit_settings.issuer

        def ours() -> None:
            bearer.clear_cache()
            bearer.verify(token)

        def raw() -> None:
            jwt.decode(token, key, algorithms=["RS256"], issuer=issuer,
                       options={"verify_aud": False})

        def cached() -> None:
            bearer.verify(token)

        verify_us: dict[str, list[float]] = {"ours": [], "raw": [], "cached": []}
        per = max(1, verifications // rounds)
        for _ in range(rounds):
            for name, fn in (("raw", raw), ("ours", ours), ("cached", cached)):
                verify_us[name].append(_median_us(fn, 1, per)[0])
        calls = len(emu.control.calls())
    med = {k: statistics.median(v) for k, v in times.items()}
    ver = {k: statistics.median(v) for k, v in verify_us.items()}
    return {
        "plain_us": med["plain"], "bearer_us": med["bearer"],
        "ratio": med["bearer"] / med["plain"], "first_request_us": med["first"],
        "first_ratio": med["first"] / med["plain"],
        "ours_us": ver["ours"], "raw_us": ver["raw"], "cached_us": ver["cached"],
        "queries": queries, "workos_calls": calls, "rounds": rounds, "per_round": per_round,
        "verifications": per * rounds,
    }


def section(r: dict[str, Any]) -> str:
    lines = [
        HEADING, "",
        "In process, `/whoami/`, same run; plain = Django session auth without AuthKit.", "",
        "| | plain Django | AuthKit bearer | ratio | target |", "|---|---|---|---|---|",
        f"| repeated token, time per request | {r['plain_us']:.0f} µs | {r['bearer_us']:.0f} µs | "
        f"**{r['ratio']:.3f}x** | ≤ 1.05x |",
        f"| first-seen token, time per request | {r['plain_us']:.0f} µs | "
        f"{r['first_request_us']:.0f} µs | {r['first_ratio']:.3f}x | |",
        f"| DB queries per request | {r['queries']['plain']} | {r['queries']['bearer']} | "
        f"{r['queries']['bearer'] - r['queries']['plain']:+d} | |",
        f"| WorkOS calls during the run | - | {r['workos_calls']} | | 0 |", "",
        "| token verification | µs per token |", "|---|---|",
        f"| PyJWT raw RS256 `jwt.decode` (same token, same key) | {r['raw_us']:.1f} |",
        f"| django-authkit, first-seen token (header checks + keys + decode + claims) | "
        f"{r['ours_us']:.1f} ({r['ours_us'] / r['raw_us']:.2f}x raw) |",
        f"| django-authkit, repeated token (LRU hit by SHA-256) | {r['cached_us']:.1f} |", "",
        f"({r['rounds']} alternating rounds of {r['per_round']} requests; "
        f"{r['verifications']} verifications per variant.)",
    ]
    return "\n".join(lines) + "\n"


def write(text: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    current = path.read_text() if path.exists() else "# Benchmark results\n"
    if HEADING in current:
        head, rest = current.split(HEADING, 1)
        tail = rest.split("\n## ", 1)
        current = head + text + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=500, help="per round")
    parser.add_argument("--verifications", type=int, default=3500)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django_authkit.emulator import EmulatorServer

    emu = EmulatorServer(port=0).start()
    try:
        results = measure(emu, args.rounds, args.requests, args.verifications)
    finally:
        emu.stop()
        shutil.rmtree(WORK, ignore_errors=True)
    text = section(results)
    print(text)
    if not args.no_write:
        write(text)


if __name__ == "__main__":
    main()
