"""``make bench``: django-authkit against plain Django session auth, measured in one run.

1. Instructions per request (Valgrind callgrind): the deterministic headline, for
   the hot path, bearer tokens, and the scaling rows (``bench/instructions.py``).
2. Wall clock, in process: the same requests in interleaved rounds in rotated
   order with the garbage collector frozen; the median of per-round ratios.
3. Bearer-token verification, piece by piece (``bench/bearer.py``).
4. Sign-in callback: queries (returning and new user) and the app's own time
   beside the code exchange (``bench/callback.py``).
5. Refresh burst: 200 sessions expiring together on 4 and 8 gunicorn workers,
   PostgreSQL + Redis, the emulator in its own process; py-spy breakdown
   (``bench/burst.py``).
6. Soak: a few minutes (``--soak-minutes``, default 3; 0 skips it) of mixed traffic on
   4 workers: 5xx, sign-outs, memory and file descriptors per worker (``bench/soak.py``).

Writes bench/RESULTS.md (a final "## Key rotation and brownouts" section already
there is kept). Needs the services of scripts/services.sh (``make bench`` starts them).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _step(name: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}] {name}", flush=True)


def in_process(emu: Any, work: Path, rounds: int, per_round: int) -> dict[str, Any]:
    """Wall clock, verification, callback and has_perm, in this process (SQLite file)."""
    from bench import bearer, callback, common, scaling, scenarios

    scenarios.configure(emu.url, work)
    import django

    django.setup()
    variants = scenarios.setup(emu)
    queries = scenarios.query_counts(variants)
    emu.control.clear_calls()
    _step(f"wall clock: {rounds} rounds x {per_round} requests x {len(variants)} variants")
    wall = common.interleaved(variants, rounds, per_round)
    calls = len(emu.control.calls())
    _step("bearer verification")
    verification = bearer.verification(scenarios._api_token(emu, "verify@example.test"))
    _step("sign-in callback")
    cb = callback.measure(emu)
    return {"wall": wall, "queries": queries, "workos_calls": calls,
            "verification": verification, "callback": cb, "has_perm": scaling.has_perm_cost()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=41, help="wall-clock rounds")
    parser.add_argument("--requests", type=int, default=60, help="per variant per round")
    parser.add_argument("--instr-requests", type=int, default=40,
                        help="per variant per segment under callgrind (3 segments)")
    parser.add_argument("--sessions", type=int, default=200, help="in the refresh burst")
    parser.add_argument("--no-valgrind", action="store_true")
    parser.add_argument("--no-burst", action="store_true")
    parser.add_argument("--soak-minutes", type=float, default=3.0,
                        help="mixed-traffic soak on 4 workers (0: skip)")
    args = parser.parse_args(argv)

    from bench import burst, common, instructions, report
    from bench.common import load, start_emulator

    started = time.time()
    work = Path(tempfile.mkdtemp(prefix="authkit-bench-"))
    results: dict[str, Any] = {"load_start": load()}
    emu = start_emulator(work / "emulator.log", "--access-token-ttl", "3600")
    try:
        if args.no_valgrind:
            results["instructions"] = {"skipped": "--no-valgrind"}
        else:
            _step("instruction counts under callgrind (a few minutes)")
            (work / "instr").mkdir()
            results["instructions"] = instructions.measure(
                emu.url, work / "instr", requests=args.instr_requests)
            results["load_instructions"] = load()
        (work / "inproc").mkdir()
        results.update(in_process(emu, work / "inproc", args.rounds, args.requests))
    finally:
        emu.stop()
    if not args.no_burst:
        results["burst"] = []
        for workers in (4, 8):
            _step(f"refresh burst: {args.sessions} sessions on {workers} workers")
            burst_emu = common.start_emulator(work / f"emulator-burst{workers}.log")
            try:
                results["burst"].append(burst.measure(
                    burst_emu, work, workers, args.sessions, profile=workers == 4))
            finally:
                burst_emu.stop()
            results[f"load_burst{workers}"] = load()
    results["load_end"] = load()
    results["minutes"] = (time.time() - started) / 60
    results["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                       capture_output=True, text=True).stdout.strip()
    shutil.rmtree(work, ignore_errors=True)
    text = report.write(results, "make bench")
    print(text)
    if args.soak_minutes > 0:
        from bench import soak

        _step(f"soak: {args.soak_minutes:g} minutes of mixed traffic on 4 workers")
        soaked = soak.run(args.soak_minutes, Path(tempfile.mkdtemp(prefix="authkit-soak-")))
        section = soak.markdown(soaked, f"make bench ARGS='--soak-minutes "
                                        f"{args.soak_minutes:g}'")
        soak.record(section)
        print(section)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_inprocess")
    main()
