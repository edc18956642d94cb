"""The control API: seed/state/reset, clock, config, faults and the call log; the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests

from django_authkit.emulator import EmulatorControl, EmulatorError, EmulatorServer
from tests.emulator.conftest import CLIENT_ID, Api, get_code, refresh, sign_in

USERS = "/user_management/users"


def test_health_and_request_id(emu) -> None:
    r = requests.get(f"{emu.url}/health", timeout=5)
    assert r.json() == {"status": "ok"} and r.headers["X-Request-ID"]


def test_seed_returns_ids_and_state(emu) -> None:
    out = emu.control.seed(
        {
            "roles": [{"slug": "viewer", "name": "Viewer", "permissions": ["x:read"]}],
            "organizations": [
                {"id": "org_fixed", "name": "Acme", "domains": ["acme.com"], "external_id": "e"}
            ],
            "users": [{"id": "user_fixed", "email": "a@acme.com", "first_name": "A"}],
            "memberships": [{"user": "user_fixed", "organization": "org_fixed", "role": "viewer"}],
        }
    )
    assert out["organizations"][0]["id"] == "org_fixed" and out["users"][0]["id"] == "user_fixed"
    assert out["memberships"][0]["role"] == {"slug": "viewer"}
    state = emu.control.state()
    assert [r["slug"] for r in state["roles"]] == ["viewer"]
    assert state["client_id"] == CLIENT_ID and state["kid"]
    assert state["users"][0]["email"] == "a@acme.com"
    with pytest.raises(EmulatorError):
        emu.control.seed({"memberships": [{"user": "nobody@x.co", "organization": "Acme"}]})


def test_reset_restores_seed_and_config() -> None:
    seed = {"users": [{"email": "seeded@x.co"}]}
    server = EmulatorServer(port=0, seed=seed, access_token_ttl=120).start()
    try:
        ctl = server.control
        ctl.seed({"users": [{"email": "extra@x.co"}]})
        ctl.configure(access_token_ttl=5)
        ctl.set_clock(offset=100)
        ctl.fault("/user_management/users")
        ctl.reset()
        state = ctl.state()
        assert [u["email"] for u in state["users"]] == ["seeded@x.co"]
        assert state["config"]["access_token_ttl"] == 120 and state["offset"] == 0
        assert Api(server.url).get(USERS).status_code == 200
    finally:
        server.stop()


def test_seed_from_file(tmp_path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"users": [{"email": "file@x.co"}]}))
    with EmulatorServer(port=0, seed=str(path)) as server:
        assert server.control.state()["users"][0]["email"] == "file@x.co"


def test_clock(emu) -> None:
    out = emu.control.set_clock(offset=60)
    assert out["offset"] == 60
    out = emu.control.set_clock(advance=30)
    assert out["offset"] == 90 and out["now"].endswith("Z")
    assert emu.control.set_clock(offset=0)["offset"] == 0


def test_configure_rejects_unknown(emu) -> None:
    with pytest.raises(EmulatorError):
        emu.control.configure(bogus=1)
    assert emu.control.configure(refresh_grace_seconds=3)["refresh_grace_seconds"] == 3


def test_fault_count_and_body(emu, api: Api) -> None:
    emu.control.fault(
        USERS, method="GET", status=503, body={"message": "down", "code": "x"}, count=2
    )
    assert api.get(USERS).status_code == 503
    r = api.get(USERS)
    assert (
        r.status_code == 503
        and r.json() == {"message": "down", "code": "x"}
        and r.headers["X-Request-ID"]
    )
    assert api.get(USERS).status_code == 200
    assert api.post(USERS, json={"email": "a@b.co"}).status_code == 201


def test_fault_until_cleared_prefix_and_retry_after(emu, api: Api) -> None:
    emu.control.fault("/user_management/*", status=429, retry_after=7, count=None)
    for _ in range(3):
        r = api.get(USERS)
        assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert api.get("/organizations").status_code == 200
    emu.control.clear_faults()
    assert api.get(USERS).status_code == 200


def test_fault_match_on_body(emu, api: Api) -> None:
    data = sign_in(emu, api, email="a@b.co")
    emu.control.fault(
        "/user_management/authenticate", status=500, match={"grant_type": "refresh_token"}
    )
    code = get_code(emu, email="b@b.co")
    from tests.emulator.conftest import exchange

    assert exchange(api, code).status_code == 200  # not matched
    assert refresh(api, data["refresh_token"]).status_code == 500
    # The faulted call did not consume the refresh token.
    assert refresh(api, data["refresh_token"]).status_code == 200


def test_fault_delay(emu, api: Api) -> None:
    emu.control.fault(USERS, status=None, delay=0.3)
    start = time.monotonic()
    assert api.get(USERS).status_code == 200
    assert time.monotonic() - start >= 0.3
    emu.control.fault(USERS, status=None, delay=2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.get(USERS, timeout=0.3)


def test_faults_on_public_endpoints(emu, api: Api) -> None:
    emu.control.fault(f"/sso/jwks/{CLIENT_ID}", status=502)
    assert api.get(f"/sso/jwks/{CLIENT_ID}").status_code == 502
    assert api.get(f"/sso/jwks/{CLIENT_ID}").status_code == 200


def test_calls_log_without_secrets(emu, api: Api) -> None:
    data = sign_in(emu, api, email="a@b.co")
    refresh(api, data["refresh_token"])
    api.get(USERS, params={"email": "a@b.co"})
    emu.control.fault(USERS, status=500)
    api.get(USERS)
    calls = emu.control.calls()
    assert [c["path"] for c in calls][:3] == [
        "/user_management/authorize",
        "/user_management/authorize/complete",
        "/user_management/authenticate",
    ]
    grants = [c["grant_type"] for c in emu.control.calls(path="/user_management/authenticate")]
    assert grants == ["authorization_code", "refresh_token"]
    listed = emu.control.calls(path=USERS, method="GET")
    assert listed[0]["query"] == {"email": "a@b.co"} and listed[0]["status"] == 200
    assert listed[-1]["fault"] is True and listed[-1]["status"] == 500
    assert {"method", "path", "query", "grant_type", "status", "fault", "time"} <= set(listed[0])
    dump = json.dumps(calls)
    assert data["refresh_token"] not in dump and data["access_token"] not in dump
    assert '"code":' not in dump and '"code_verifier"' not in dump
    assert emu.control.calls(path="/user_management/*")
    emu.control.clear_calls()
    assert emu.control.calls() == []


def test_control_client_reports_errors(emu) -> None:
    with pytest.raises(EmulatorError):
        EmulatorControl(emu.url).complete_sign_in(
            f"{emu.url}/user_management/authorize?client_id=bad"
        )


def test_cli_runs_and_prints_url(tmp_path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"users": [{"email": "cli@x.co"}]}))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django_authkit.emulator",
            "--port",
            "0",
            "--client-id",
            "client_cli",
            "--api-key",
            "sk_cli",
            "--seed",
            str(seed),
            "--strict-refresh",
            "--access-token-ttl",
            "60",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split(" on ", 1)[1].split()[0]
        state = EmulatorControl(url).state()
        assert state["client_id"] == "client_cli"
        assert (
            state["config"]["refresh_grace_seconds"] == 0
            and state["config"]["access_token_ttl"] == 60
        )
        assert state["users"][0]["email"] == "cli@x.co"
        assert Api(url, key="sk_cli").get(USERS).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_env_fallback(monkeypatch) -> None:
    from django_authkit.emulator.__main__ import build_parser

    monkeypatch.setenv("WORKOS_CLIENT_ID", "client_env")
    monkeypatch.setenv("WORKOS_API_KEY", "sk_env")
    args = build_parser().parse_args([])
    assert (args.client_id, args.api_key, args.port) == ("client_env", "sk_env", 8765)


def test_concurrent_refreshes_are_consistent(emu, api: Api) -> None:
    """One lock around the state: parallel replays within the grace get one pair."""
    from concurrent.futures import ThreadPoolExecutor

    data = sign_in(emu, api, email="a@b.co")

    def go(_: int) -> str:
        return (
            Api(emu.url)
            .post(
                "/user_management/authenticate",
                json={
                    "grant_type": "refresh_token",
                    "client_id": CLIENT_ID,
                    "client_secret": "sk_test_emulator",
                    "refresh_token": data["refresh_token"],
                },
            )
            .json()["refresh_token"]
        )

    with ThreadPoolExecutor(8) as pool:
        tokens = set(pool.map(go, range(16)))
    assert len(tokens) == 1
