"""Instructions per request, counted by Valgrind's callgrind: the deterministic headline.

Wall-clock ratios on a shared 2-core machine wobble by several percent; the number
of machine instructions a request executes does not (hash seed fixed, warm
caches). ``measure()`` runs this module as a child under
``valgrind --tool=callgrind --instr-atstart=no``: set-up runs uninstrumented, and
a tiny C helper (compiled here from Valgrind's ``callgrind.h``) switches counting
on and off around each variant's requests, dumping one total per variant.
Everything a request executes is counted: Django, AuthKit, SQLite, OpenSSL.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HELPER_C = r"""
#include <valgrind/callgrind.h>
void bench_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void bench_stop(const char *label) {
  CALLGRIND_STOP_INSTRUMENTATION; CALLGRIND_DUMP_STATS_AT(label);
}
"""


def _compile_helper(workdir: Path) -> Path:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise RuntimeError("no C compiler (cc) to build the callgrind helper")
    src, lib = workdir / "cghelper.c", workdir / "cghelper.so"
    src.write_text(HELPER_C)
    subprocess.run([cc, "-O1", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True,
                   capture_output=True)
    return lib


def measure(emulator_url: str, workdir: Path, requests: int = 40, segments: int = 3,
            scaling: bool = True) -> dict[str, Any]:
    """{variant: instructions per request} plus the query counts, or {"skipped": why}."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return {"skipped": "valgrind is not installed (apt-get install valgrind)"}
    try:
        lib = _compile_helper(workdir)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        return {"skipped": f"could not build the callgrind helper: {exc}"}
    out = workdir / "callgrind"
    out.mkdir(exist_ok=True)
    result = workdir / "instructions.json"
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)}
    cmd = [valgrind, "--tool=callgrind", "--instr-atstart=no",
           f"--callgrind-out-file={out}/cg.out", "--dump-line=no", "--compress-strings=no",
           sys.executable, str(Path(__file__)), "--child", "--emulator", emulator_url,
           "--workdir", str(workdir), "--lib", str(lib), "--requests", str(requests),
           "--segments", str(segments), *(["--scaling"] if scaling else []),
           "--result", str(result)]
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"callgrind run failed:\n{done.stderr[-3000:]}")
    totals: dict[str, int] = {}
    for dump in out.glob("cg.out.*"):
        text = dump.read_text(errors="replace")
        found = re.search(r"^desc: Trigger: Client Request: (\S+)", text, re.M)
        count = re.search(r"^totals: (\d+)", text, re.M)  # "summary" is zeroed with the stats
        if found and count:
            totals[found.group(1)] = int(count.group(1))
    child = json.loads(result.read_text())
    segments_of: dict[str, list[float]] = {}
    other: dict[str, float] = {}
    for name, total in totals.items():
        if ":" in name:  # scaling rows; callbacks are counted one by one (median)
            base = name.split("#")[0]
            one_by_one = "callback" in name or "plainlogin" in name
            per = total if one_by_one else total / child["requests"]
            segments_of.setdefault(base, []).append(per)
            continue
        segments_of.setdefault(name.split("@")[0], []).append(total / child["requests"])
    for name, values in list(segments_of.items()):
        if ":" in name:
            other[name] = statistics.median(values)
            del segments_of[name]
    per_request = {name: sum(v) / len(v) for name, v in segments_of.items()}
    spread = {name: (min(v), max(v)) for name, v in segments_of.items()}
    return {"per_request": per_request, "spread": spread, "scaling": other,
            "queries": child["queries"], "requests": child["requests"] * segments,
            "workos_calls": child["workos_calls"]}


def _rsa_floor(emu: Any) -> Any:
    """One RS256 signature check of a real access token by ``cryptography`` alone: the
    floor any verifier of a first-seen token pays (no decoding, no claims)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from bench import scenarios
    from django_authkit.tokens import verify as tokens

    token = scenarios._api_token(emu, "rsa-floor@example.test")
    head, payload, signature = token.split(".")
    key = tokens.signing_key(tokens._json_segment(head)["kid"])
    raw = tokens._decode_segment(signature)
    signed = f"{head}.{payload}".encode()
    pad, sha = padding.PKCS1v15(), hashes.SHA256()
    return lambda: key.verify(raw, signed, pad, sha)


def _child(args: argparse.Namespace) -> None:
    from bench import scenarios
    from bench.common import EmulatorProcess

    scenarios.configure(args.emulator, Path(args.workdir))
    import django

    django.setup()
    from django_authkit.emulator.control import EmulatorControl

    emu = EmulatorProcess(url=args.emulator, process=None)  # type: ignore[arg-type]
    emu.control = EmulatorControl(args.emulator)
    variants = scenarios.setup(emu, diagnostics=True)
    queries = scenarios.query_counts(variants)
    variants["rsa_floor"], queries["rsa_floor"] = _rsa_floor(emu), 0
    helper = ctypes.CDLL(args.lib)
    for fn in variants.values():  # warm every cache a steady request meets
        for _ in range(30):
            fn()
    emu.control.clear_calls()
    gc.collect()
    gc.freeze()  # no collection lands in one variant's count
    gc.disable()
    names = list(variants)
    for segment in range(args.segments):  # rotated order, as the wall-clock rounds
        shift = segment % len(names)
        for name in names[shift:] + names[:shift]:
            fn = variants[name]
            helper.bench_start()
            for _ in range(args.requests):
                fn()
            helper.bench_stop(f"{name}@{segment}".encode())
    calls = len(emu.control.calls())
    if args.scaling:
        _scaling(emu, helper, variants, args.requests, queries)
    Path(args.result).write_text(json.dumps({
        "variants": list(variants), "queries": queries, "requests": args.requests,
        "workos_calls": calls}))


def _scaling(emu: Any, helper: Any, variants: dict[str, Any], requests: int,
             queries: dict[str, int]) -> None:
    """Counts per scaling row: hot path (plain, AuthKit) and a returning user's callback."""
    from django.conf import settings

    from bench import callback, scaling, scenarios

    def count(label: str, fn: Any, times: int) -> None:
        queries[label] = scenarios.query_counts({label: fn})[label]
        for _ in range(4):
            fn()
        helper.bench_start()
        for _ in range(times):
            fn()
        helper.bench_stop(label.encode())

    timer = callback.ExchangeTimer()
    try:
        def callback_count(label: str, **choice: Any) -> None:
            callback.one_callback(emu, timer, **choice)  # warm (and a new user's first)
            for i in range(3):
                last = callback.one_callback(emu, timer, (helper.bench_start, lambda i=i: (
                    helper.bench_stop(f"{label}:callback#{i}".encode()))), **choice)
            queries[f"{label}:callback"] = len(last["queries"])
            callback.plain_login("plain-scale")  # warm (and the user's creation)
            for i in range(3):
                last = callback.plain_login("plain-scale", (helper.bench_start, lambda i=i: (
                    helper.bench_stop(f"{label}:plainlogin#{i}".encode()))))
            queries[f"{label}:plainlogin"] = len(last["queries"])

        for size in scaling.SIZES:
            scaling.populate_outside(size)
            gc.collect()
            gc.freeze()
            count(f"scale{size}:plain", variants["plain"], requests)
            count(f"scale{size}:authkit", variants["authkit"], requests)
            callback_count(f"scale{size}", email="scale-back@example.test")
        for key, email, org in scaling.SPECIAL:
            scaling.seed_special(emu, key)
            cookie = scenarios.authkit_session_cookie(emu, email, organization_name=org)
            fn = scenarios.request_fn(scenarios._wsgi(), {
                "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={cookie}"})
            gc.collect()
            gc.freeze()
            count(f"{key}:plain", variants["plain"], requests)
            count(f"{key}:authkit", fn, requests)
            callback_count(key, email=email, organization_name=org)
    finally:
        timer.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--emulator")
    parser.add_argument("--workdir")
    parser.add_argument("--lib")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--segments", type=int, default=3)
    parser.add_argument("--scaling", action="store_true")
    parser.add_argument("--result")
    _child(parser.parse_args())
