"""Formats the results of ``bench/run.py`` as bench/RESULTS.md (and the terminal)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
KEPT_SECTION = "## Key rotation and brownouts"  # written by its own benchmark; kept as is
TX = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


def _valgrind() -> str:
    exe = shutil.which("valgrind")
    if not exe:
        return "not installed"
    return subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()


def _m(n: float) -> str:
    return f"{n / 1e6:.3f} M"


def _row(*cells: object) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(*columns: str) -> list[str]:
    """A Markdown table's header row and rule."""
    return [_row(*columns), "|" + "---|" * len(columns)]


def instructions(res: dict[str, Any]) -> list[str]:
    ins = res["instructions"]
    out = ["## 1. Headline: instructions per request (Valgrind callgrind)", ""]
    if "skipped" in ins:
        return [*out, f"Skipped: {ins['skipped']}.", ""]
    p, q = ins["per_request"], ins["queries"]
    lo_hi = ins["spread"]

    def row(label: str, name: str, base: str | None, target: str, note: str = "") -> str:
        ratio = f"**{p[name] / p[base]:.4f}x** vs {base}" if base else "1 (baseline)"
        spread = (lo_hi[name][1] - lo_hi[name][0]) / p[name] * 100
        return _row(label, q[name], f"{_m(p[name])} (±{spread / 2:.2f}%)", ratio, target) + note

    session_share = p["plain_same_session"] - p["plain"]
    mw_share = p["authkit"] - p["plain_same_session"]
    out += [
        "Same view (`GET /whoami/`, `@login_required`), same database session backend, served",
        "by Django's `WSGIHandler` in process (no test client in the measured path). Every",
        "instruction the request executes is counted: Python, Django, SQLite, OpenSSL.",
        f"{ins['requests']} requests per variant in 3 segments in rotated order, after warm-up,",
        "`PYTHONHASHSEED=0`, garbage collector frozen. ± is half the spread between segments.",
        "",
        *_table("variant", "queries", "instructions per request", "ratio", "target"),
        row("plain Django session auth (`plain`)", "plain", None, ""),
        row("**AuthKit session, hot path** (fresh token)", "authkit", "plain", "≤ 1.015x"),
        row("plain Django on signed-cookie sessions (`plain_cookie`)", "plain_cookie", None, ""),
        row("**AuthKit bearer, repeated token**", "bearer", "plain_cookie",
            "≤ 1.00x at equal queries"),
        row("**AuthKit bearer, first-seen token**", "bearer_first", "plain", "≤ 1.10x"),
        "",
        f"- WorkOS calls during all of the above: **{ins['workos_calls']}**.",
        f"- AuthKit's extra {_m(p['authkit'] - p['plain'])} per request: "
        f"{_m(session_share)} decoding the bigger session (the plain middleware chain serving "
        f"the AuthKit-signed-in session costs {_m(p['plain_same_session'])}), "
        f"{_m(mw_share)} in `AuthKitMiddleware` itself.",
        f"- Bearer vs plain *database* sessions (2 queries vs 1): repeated "
        f"{p['bearer'] / p['plain']:.3f}x, first-seen {p['bearer_first'] / p['plain']:.3f}x. "
        f"At equal query counts (1 vs 1, signed-cookie plain): first-seen "
        f"**{p['bearer_first'] / p['plain_cookie']:.3f}x**. The whole verification costs "
        f"{_m(p['bearer_first'] - p['bearer'])}; OpenSSL's RSA-2048 signature check alone "
        f"(`cryptography`, no decoding) is {_m(p['rsa_floor'])}, "
        f"{p['rsa_floor'] / p['plain_cookie'] * 100:.0f}% of a plain signed-cookie request, so "
        f"with RS256 a first-seen token cannot come closer than "
        f"{(p['bearer'] + p['rsa_floor']) / p['plain_cookie']:.3f}x at equal queries "
        "(against the default `plain`, database sessions, see above).",
        "",
    ]
    return out


def wall(res: dict[str, Any]) -> list[str]:
    w = res["wall"]
    pairs = (("AuthKit session, hot path", "authkit", "plain", "≤ 1.05x"),
             ("AuthKit bearer, repeated (1 query)", "bearer", "plain_cookie", "≤ 1.00x"),
             ("AuthKit bearer, repeated, vs plain (2 queries)", "bearer", "plain", ""),
             ("AuthKit bearer, first-seen, vs plain (2 queries)", "bearer_first", "plain",
              "≤ 1.10x"),
             ("AuthKit bearer, first-seen (1 query)", "bearer_first", "plain_cookie", ""))
    out = ["## 2. Wall clock: interleaved rounds, rotated order, gc frozen", "",
           f"{len(w.times['plain'])} rounds; each round runs {w.per_round} requests of every "
           "variant back to back, starting with a different variant each round. Ratios are the "
           "median of the per-round ratios (min to max in brackets). Machine load (1/5/15 min): "
           f"{w.load_before} before, {w.load_after} after.", "",
           "*CPU* is the same ratio of the benchmark thread's CPU time (`time.thread_time`), "
           "which other processes' load does not inflate.", "",
           *_table("variant", "µs per request (median)", "baseline",
                   "wall ratio: median (min to max)", "CPU ratio: median (min to max)", "target")]
    for label, name, base, target in pairs:
        med, lo, hi = w.ratio(name, base)
        cmed, clo, chi = w.ratio(name, base, cpu=True)
        out.append(_row(label, f"{w.median_us(name):.0f}", f"{base} {w.median_us(base):.0f}",
                        f"**{med:.3f}x** ({lo:.3f} to {hi:.3f})",
                        f"{cmed:.3f}x ({clo:.3f} to {chi:.3f})", target))
    q = res["queries"]
    out += ["", f"Queries per request: plain {q['plain']}, AuthKit {q['authkit']}, plain_cookie "
            f"{q['plain_cookie']}, bearer {q['bearer']}. WorkOS calls during the rounds: "
            f"**{res['workos_calls']}**.", ""]
    return out


def verification(res: dict[str, Any]) -> list[str]:
    v = res["verification"]
    return [
        "## 3. Bearer-token verification (µs per token, same token and key)", "",
        *_table("path", "µs"),
        f"| django-authkit, first-seen (`bearer.verify`, cache emptied) | {v['ours_first']:.1f} |",
        f"| of which the strict JOSE header decode (`tokens._json_segment`) | {v['header']:.1f} |",
        f"| `tokens.verify_access_token` alone (keys cached) | {v['ours_verify']:.1f} |",
        f"| for comparison: PyJWT `jwt.decode`, same checks (what `tokens.py` called before) "
        f"| {v['pyjwt_decode']:.1f} |",
        f"| PyJWT `get_unverified_header` alone | {v['pyjwt_header']:.1f} |",
        "| floor: `cryptography` RSA verify + payload decode, no PyJWT "
        f"| {v['cryptography']:.1f} |",
        f"| django-authkit, repeated token (LRU hit by SHA-256) | {v['ours_cached']:.1f} |", "",
    ]


def callback(res: dict[str, Any]) -> list[str]:
    cb = res["callback"]

    def tx(sql: list[str]) -> int:
        return sum(1 for s in sql if s.startswith(TX))

    out = ["## 4. Sign-in callback (in process, SQLite file, emulator in its own process)", "",
           f"Median of {cb['repeats']} callbacks each. *App wall* = callback wall time minus "
           "the code exchange (`POST /user_management/authenticate`, measured around the call); "
           "it includes waiting for SQLite commits. *App CPU* = the thread's CPU time minus the "
           "CPU spent inside the exchange call (the HTTP client's share). The baseline is plain "
           "Django's share of a sign-in from an anonymous session, as every AuthKit sign-in "
           "starts (state and PKCE verifier are in it): a view that loads the user and calls "
           "`login()` (`bench/urls.py`). Every statement is explained in "
           "docs/performance.rst.", "",
           *_table("", "statements", "of which BEGIN/COMMIT/SAVEPOINT", "queries without them",
                   "app wall ms", "app CPU ms", "exchange ms", "target")]
    for key, label, target in (("returning", "returning user", "≤ 12 queries, ≤ 5 ms"),
                               ("new", "new user (provisioned)", "≤ 20 queries, ≤ 5 ms"),
                               ("plain", "plain Django `login()` view, anonymous session", "")):
        c = cb[key]
        out.append(_row(label, f"**{c['queries']}**", tx(c["sql"]), c["queries"] - tx(c["sql"]),
                        f"{c['app_ms']:.1f}", f"{c['cpu_ms']:.1f}", f"{c['exchange_ms']:.1f}",
                        target))
    out += ["", "<details><summary>Statements of a returning user's callback</summary>", "",
            "```"] + [s[:110] for s in cb["returning"]["sql"]] + ["```", "</details>", ""]
    return out


def scaling(res: dict[str, Any]) -> list[str]:
    ins = res["instructions"]
    if "skipped" in ins:
        return []
    s, q = ins["scaling"], ins["queries"]
    rows = [(f"scale{n}", f"{n:,} users, links and sessions") for n in (10, 10_000, 100_000)]
    rows += [("orgs50", "a user with 50 memberships (signed in to one)"),
             ("perms200", "a session with 200 permissions")]
    out = ["## 5. Scaling (instructions; rows bulk-created, same run)", "",
           *_table("case", "hot path plain", "hot path AuthKit", "ratio",
                   "queries plain / AuthKit", "callback (returning user)", "callback queries",
                   "plain Django `login()` view", "callback ratio")]
    for key, label in rows:
        if f"{key}:authkit" not in s:
            continue
        plain, authkit, callback = (f"{key}:plain", f"{key}:authkit", f"{key}:callback")
        login = f"{key}:plainlogin"
        out.append(_row(label, _m(s[plain]), _m(s[authkit]), f"{s[authkit] / s[plain]:.3f}x",
                        f"{q[plain]} / {q[authkit]}", _m(s[callback]), q[callback],
                        _m(s[login]), f"{s[callback] / s[login]:.2f}x"))
    hp = res["has_perm"]
    out += ["", f"`user.has_perm` with 200 WorkOS permissions: first call of a request "
            f"{hp['first_us']:.1f} µs (builds the set once), every later call "
            f"{hp['later_us']:.2f} µs (O(1); the same with 3 permissions).", ""]
    return out


def burst(res: dict[str, Any]) -> list[str]:
    if "burst" not in res:
        return []
    out = ["## 6. Refresh burst (gunicorn gthread workers x 8 threads, PostgreSQL + Redis)", "",
           "Sessions signed in with tokens about to expire, then one request per session all "
           "at once (64 client threads); the emulator runs strict (a refresh token works once) "
           "in its own process.", "",
           *_table("workers", "sessions", "wall s", "p50 s", "p99 s", "max s", "200 OK",
                   "signed out", "refreshes at WorkOS", "target")]
    for b in res["burst"]:
        target = "≤ 3 s, p99 ≤ 2 s, refreshes = sessions, 0 out" if b["workers"] == 4 else ""
        out.append(_row(b["workers"], b["sessions"], f"**{b['wall_s']:.2f}**",
                        f"{b['p50_s']:.2f}", f"{b['p99_s']:.2f}", f"{b['max_s']:.2f}", b["ok"],
                        b["signed_out"], f"**{b['refreshes']}**", target))
    for b in res["burst"]:
        if "app_profile" not in b:
            continue
        pr = b["profiled"]
        out += ["", f"Where the time goes ({b['workers']} workers; a second burst under py-spy "
                f"at 200 Hz, which slows it to {pr['wall_s']:.2f} s wall; "
                f"{pr['refreshes']} refreshes, {pr['signed_out']} signed out). Share of the "
                "samples of threads serving a request:", "",
                *_shares("app workers", b["app_profile"]), "",
                *_shares("emulator process", b["emulator_profile"])]
    return [*out, ""]


def _shares(who: str, profile: dict[str, Any]) -> list[str]:
    """A profile's table: each category's share of the samples, then the sample count."""
    rows = [_row(k, f"{v * 100:.1f}%") for k, v in profile.items() if not k.startswith("_")]
    return [*_table(who, "share"), *rows, _row("(samples)", profile.get("_samples", 0))]


def write(res: dict[str, Any], command: str) -> str:
    import django

    loads = ", ".join(f"{k[5:]} {v}" for k, v in res.items() if k.startswith("load_"))
    lines = [
        "# Benchmark results", "",
        f"Command: `{command}` ({res['minutes']:.1f} minutes)  ",
        f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit {res['commit']}  ",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, Django {django.get_version()}, {_valgrind()}  ",
        f"Load average (1/5/15 min) at each stage: {loads}  ",
        "Baselines: plain Django session auth (`django.contrib.auth` + database sessions, "
        "ModelBackend), the same project with AuthKit's middleware removed, measured in the "
        "same run.", "",
    ]
    for part in (instructions, wall, verification, callback, scaling, burst):
        lines += part(res)
    text = "\n".join(lines).rstrip("\n") + "\n"
    current = RESULTS.read_text() if RESULTS.exists() else ""
    if KEPT_SECTION in current:
        text += "\n" + KEPT_SECTION + current.split(KEPT_SECTION, 1)[1]
    RESULTS.write_text(text)
    return text
