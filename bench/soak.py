"""A bounded soak: a few minutes of mixed traffic on 4 gunicorn workers.

Hot requests (fresh tokens), bearer requests (WorkOS access tokens in
``Authorization``), refresh bursts (sessions whose tokens are due, all at once),
one key rotation half-way, and sign-ins and sign-outs throughout, on PostgreSQL
+ Redis with the emulator in its own process (strict: a refresh token works
once). Reports 5xx (must be 0), unexpected sign-outs (must be 0), and each
worker's resident memory and open file descriptors at the start and the end.

``make bench`` runs it (``--soak-minutes``, default 3; 0 skips it); alone::

    python bench/soak.py --minutes 3

CI does not run it.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOT_SESSIONS = 24
BURST_SESSIONS = 24
CLIENT_ID = "client_emulator"  # tests/settings.py
API_KEY = "sk_test_emulator"


def _bearer_token(emu: Any, email: str) -> str:
    """A WorkOS access token as a mobile app holds one: the code exchanged with WorkOS."""
    authorize = f"{emu.url}/user_management/authorize?" + urlencode({
        "client_id": CLIENT_ID, "redirect_uri": "http://127.0.0.1/cb", "response_type": "code",
        "provider": "authkit", "state": secrets.token_urlsafe(8)})
    code = parse_qs(urlsplit(emu.control.complete_sign_in(authorize, email=email)).query)["code"]
    answer = requests.post(f"{emu.url}/user_management/authenticate", timeout=30, json={
        "grant_type": "authorization_code", "client_id": CLIENT_ID, "client_secret": API_KEY,
        "code": code[0]})
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _sign_out(url: str, browser: requests.Session) -> int:
    """POST sign-out with Django's double-submit CSRF token."""
    token = secrets.token_hex(16)
    browser.cookies.set("csrftoken", token)
    return browser.post(url + "/auth/sign-out/", headers={"X-CSRFToken": token},
                        allow_redirects=False, timeout=60).status_code


class Soak:
    def __init__(self, url: str, emu: Any) -> None:
        self.url = url
        self.emu = emu
        self.statuses: Counter[str] = Counter()
        self.signed_out = 0  # a signed-in browser sent to sign in: must stay 0
        self.errors: list[str] = []

    def get(self, browser: requests.Session, kind: str, path: str = "/private/",
            headers: dict[str, str] | None = None) -> None:
        try:
            r = browser.get(self.url + path, allow_redirects=False, timeout=120,
                            headers={"Accept": "application/json", **(headers or {})})
        except requests.RequestException as exc:
            self.statuses[f"{kind} {type(exc).__name__}"] += 1
            return
        self.statuses[f"{kind} {r.status_code}"] += 1
        if r.status_code in (302, 401):
            self.signed_out += 1
        if r.status_code >= 500 or r.status_code in (302, 401):
            self.errors.append(f"{kind} {r.status_code}: {r.text[:200]}")

    def sign_in(self, tag: str) -> requests.Session:
        from tests.cluster import sign_in

        browser = sign_in(self.url, self.emu, email=f"{tag}@soak.test")
        self.statuses["sign-in 302"] += 1
        return browser

    def sign_in_due(self, pool: ThreadPoolExecutor, tag: str, count: int) -> list[Any]:
        """``count`` browsers whose access tokens are due for a refresh at once."""
        self.emu.control.set_clock(offset=-290)  # tokens expire within REFRESH_AHEAD
        try:
            return list(pool.map(lambda i: self.sign_in(f"{tag}-{i}"), range(count)))
        finally:
            self.emu.control.set_clock(offset=0)


def run(minutes: float, workdir: Path, workers: int = 4) -> dict[str, Any]:
    from bench.common import load, start_emulator
    from tests.cluster import project_env, redis_url, start_gunicorn

    emu = start_emulator(workdir / "emulator-soak.log")
    env = project_env(emu.url, workdir, redis_url(), "postgres")
    cluster = start_gunicorn(env, workdir, workers=workers, threads=8)
    emu.control.configure(refresh_grace_seconds=0)
    soak = Soak(cluster.url, emu)
    result: dict[str, Any] = {"minutes": minutes, "workers": workers, "load_start": load()}
    try:
        with ThreadPoolExecutor(16) as pool:
            hot = list(pool.map(lambda i: soak.sign_in(f"hot{i}"), range(HOT_SESSIONS)))
            # Bearer clients are users who signed in here once (a bearer token of a user never
            # provisioned here is refused).
            bearers = [_bearer_token(emu, f"hot{i}@soak.test") for i in range(4)]
            # Warm every worker before the first reading (imports, connections, key sets).
            list(pool.map(lambda b: soak.get(b, "hot"), hot * 4))
            result["start"] = cluster.rss_and_fds()
            deadline = time.monotonic() + minutes * 60
            rotated = False
            rounds = bursts = 0
            while time.monotonic() < deadline:
                rounds += 1
                # A refresh burst: sessions whose tokens are due, one request each at once.
                burst = soak.sign_in_due(pool, f"burst{rounds}",
                                         BURST_SESSIONS if rounds % 3 == 1 else 0)
                jobs: list[Any] = [(b, "refresh", None) for b in burst]
                jobs += [(b, "hot", None) for b in random.choices(hot, k=120)]
                jobs += [(requests.Session(), "bearer", {"Authorization": f"Bearer {t}"})
                         for t in random.choices(bearers, k=40)]
                random.shuffle(jobs)
                list(pool.map(lambda j: soak.get(j[0], j[1], headers=j[2]), jobs))
                bursts += bool(burst)
                # Bearer tokens live 5 minutes, as WorkOS's do: the app keeps fresh ones.
                fresh = _bearer_token(emu, f"hot{rounds % HOT_SESSIONS}@soak.test")
                bearers = [*bearers[1:], fresh]
                # A sign-in and a sign-out every round; the signed-out browser is let go.
                leaving = soak.sign_in(f"leave{rounds}")
                soak.get(leaving, "hot")
                soak.statuses[f"sign-out {_sign_out(cluster.url, leaving)}"] += 1
                if not rotated and time.monotonic() > deadline - minutes * 30:
                    emu.control.rotate_keys()  # new tokens carry a kid no worker knows yet
                    bearers = [_bearer_token(emu, f"hot{i}@soak.test") for i in range(4)]
                    rotated = True
        result["end"] = cluster.rss_and_fds()
        result.update(statuses=dict(soak.statuses), signed_out=soak.signed_out, rounds=rounds,
                      refresh_bursts=bursts, errors=soak.errors[:5], rotated=rotated,
                      refresh_grants=Counter(int(c["status"]) for c in
                                             emu.control.grants("refresh_token")),
                      load_end=load())
        result["5xx"] = sum(n for k, n in soak.statuses.items() if k.split()[-1].startswith("5"))
    finally:
        cluster.stop()
        emu.stop()
    return result


def markdown(res: dict[str, Any], command: str) -> str:
    """The "## Soak" section of bench/RESULTS.md."""
    lines = ["## Soak (mixed traffic, 4 gunicorn workers x 8 threads, PostgreSQL + Redis)", "",
             f"Command: `{command}`; {res['minutes']} minutes, {res['rounds']} rounds, "
             f"{res['refresh_bursts']} refresh bursts of {BURST_SESSIONS} sessions, key "
             f"rotation {'done' if res['rotated'] else 'not reached'}; load average "
             f"{res['load_start']} at the start, {res['load_end']} at the end.", "",
             f"**5xx: {res['5xx']}. Unexpected sign-outs: {res['signed_out']}.** Refresh "
             f"grants at WorkOS (strict, no replay window): "
             f"{dict(res['refresh_grants'])}.", "",
             "| requests | count |", "|---|---|"]
    lines += [f"| {k} | {n} |" for k, n in sorted(res["statuses"].items())]
    lines += ["", "Per worker, resident memory and open file descriptors (workers are "
              "warmed up before the first reading; a pid missing at the end was replaced "
              "by gunicorn):", "", "| worker | RSS start | RSS end | fds start | fds end |",
              "|---|---|---|---|---|"]
    for pid in sorted(set(res["start"]) | set(res["end"])):
        s, e = res["start"].get(pid), res["end"].get(pid)
        lines.append(f"| {pid} | {f'{s[0] / 1024:.1f} MiB' if s else '-'} | "
                     f"{f'{e[0] / 1024:.1f} MiB' if e else '-'} | {s[1] if s else '-'} | "
                     f"{e[1] if e else '-'} |")
    if res["errors"]:
        lines += ["", "First odd answers: " + "; ".join(res["errors"])]
    return "\n".join(lines) + "\n"


SECTION = "## Soak"


def record(text: str) -> None:
    """Put ``text`` in bench/RESULTS.md in place of the last soak section (kept at the end)."""
    results = ROOT / "bench" / "RESULTS.md"
    current = results.read_text() if results.exists() else ""
    head = current.split("\n" + SECTION, 1)[0].rstrip("\n")
    results.write_text(head + "\n\n" + text)


def main(argv: list[str] | None = None) -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    args = parser.parse_args(argv)
    res = run(args.minutes, Path(tempfile.mkdtemp(prefix="authkit-soak-")))
    text = markdown(res, f"python bench/soak.py --minutes {args.minutes:g}")
    record(text)
    print(text)
    if res["5xx"] or res["signed_out"]:
        raise SystemExit("soak: 5xx or sign-outs seen")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    main()
