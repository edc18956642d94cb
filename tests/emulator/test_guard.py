"""The emulator cannot be driven cross-site, bound to the network by accident, or downgraded.

Black-box over real HTTP (and a real process for the bind), as a web page or an
operator would meet it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import requests

from django_authkit.emulator import EmulatorServer
from tests.emulator.conftest import REDIRECT, Api, exchange, get_code, pkce_pair, query_of

ROOT = Path(__file__).resolve().parent.parent.parent


def _orgs(emu: EmulatorServer) -> list[str]:
    return [o["name"] for o in emu.control.state()["organizations"]]


def test_a_text_plain_post_cannot_drive_the_control_api(emu: EmulatorServer) -> None:
    # What a cross-site <form enctype="text/plain"> or fetch(no-cors) can send without
    # a CORS preflight.
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        response = requests.post(
            f"{emu.url}/_emulator/seed", data=b'{"organizations": [{"name": "Evil"}]}',
            headers=headers, timeout=10,
        )
        assert response.status_code == 415, (content_type, response.text)
        assert response.json()["code"] == "unsupported_media_type"
    emu.control.configure(mfa_required=True)
    refused = requests.post(f"{emu.url}/_emulator/reset", data="", timeout=10,
                            headers={"Content-Type": "text/plain"})
    assert refused.status_code == 415
    assert "Evil" not in _orgs(emu)
    assert emu.control.configure()["mfa_required"] is True  # the reset did not happen


def test_a_cross_site_origin_is_refused(emu: EmulatorServer) -> None:
    for origin in ("https://evil.example", "null", "http://127.0.0.1:1"):
        response = requests.post(
            f"{emu.url}/_emulator/seed", json={"organizations": [{"name": "Evil"}]},
            headers={"Origin": origin}, timeout=10,
        )
        assert response.status_code == 403, (origin, response.text)
        assert response.json()["code"] == "cross_origin_refused"
        assert requests.get(f"{emu.url}/_emulator/state", headers={"Origin": origin},
                            timeout=10).status_code == 403
    assert "Evil" not in _orgs(emu)
    own = "http://" + urlsplit(emu.url).netloc
    same = requests.post(f"{emu.url}/_emulator/seed", json={"organizations": [{"name": "Ok"}]},
                         headers={"Origin": own}, timeout=10)
    assert same.status_code == 201, same.text
    assert "Ok" in _orgs(emu)


def _run(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "django_authkit.emulator", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def test_a_non_loopback_bind_needs_allow_remote() -> None:
    refused = _run("--host", "0.0.0.0")
    try:
        out, err = refused.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # it started serving: stop it, then fail
        refused.kill()
        out, err = refused.communicate()
    assert refused.returncode == 2, out + err
    assert "--allow-remote" in err and "WorkOS emulator on" not in out

    allowed = _run("--host", "0.0.0.0", "--allow-remote")
    try:
        assert allowed.stdout is not None and allowed.stderr is not None
        banner = allowed.stdout.readline()
        assert banner.startswith("WorkOS emulator on"), banner + allowed.stderr.read()
        warning = allowed.stderr.readline()
        assert warning.startswith("WARNING:") and "0.0.0.0" in warning, warning
    finally:
        allowed.send_signal(signal.SIGINT)
        try:
            allowed.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            allowed.kill()
            allowed.communicate()

    loopback = _run("--host", "127.0.0.1")
    try:
        assert loopback.stdout is not None
        assert loopback.stdout.readline().startswith("WorkOS emulator on")
    finally:
        loopback.send_signal(signal.SIGINT)
        try:
            _, err = loopback.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            loopback.kill()
            _, err = loopback.communicate()
    assert "WARNING" not in err


def test_a_verifier_for_a_code_without_a_challenge_is_invalid_grant(
    emu: EmulatorServer, api: Api
) -> None:
    code = get_code(emu, email="ada@acme.test")  # issued without code_challenge
    verifier, _ = pkce_pair()
    response = exchange(api, code, code_verifier=verifier)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"
    assert exchange(api, code).status_code == 400  # the code is spent

    plain = get_code(emu, email="ada@acme.test")
    assert exchange(api, plain).status_code == 200  # without a verifier it still works
    verifier, challenge = pkce_pair()
    pkce = get_code(emu, challenge=challenge, email="ada@acme.test")
    assert exchange(api, pkce, code_verifier=verifier).status_code == 200


def test_the_sso_exchange_refuses_the_downgrade_too(emu: EmulatorServer, api: Api) -> None:
    emu.control.seed({"organizations": [{"name": "Acme", "domains": ["acme.test"]}],
                      "connections": [{"id": "conn_acme", "organization": "Acme"}]})
    url = (f"{emu.url}/sso/authorize?client_id=client_emulator&response_type=code"
           f"&redirect_uri={REDIRECT}&connection=conn_acme&state=s")
    code = query_of(emu.control.complete_sign_in(url, email="sam@acme.test"))["code"]
    verifier, _ = pkce_pair()
    response = api.post("/sso/token", data={
        "client_id": "client_emulator", "client_secret": "sk_test_emulator",
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"
