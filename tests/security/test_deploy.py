"""The example's production settings pass ``check --deploy``; cookies carry the right flags."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.test import Client

ROOT = Path(__file__).resolve().parent.parent.parent


def test_check_deploy_is_clean() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example.settings_production",
        "DJANGO_SECRET_KEY": "x7!Kq2#vR9@mW4$zT8^pL1&nB6*cF3(hJ5)dG0-sY_eU+aI=oP[",
        "DJANGO_ALLOWED_HOSTS": "example.com",
        "AUTHKIT_STAFF_ORGANIZATIONS": "org_01HOPERATOR",
        "WORKOS_CLIENT_ID": "client_prod",
        "WORKOS_API_KEY": "sk_live_x",
        "WORKOS_REDIRECT_URI": "https://example.com/auth/callback/",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT / "example_project",
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_session_cookie_flags_after_sign_in(emu: Any, authkit_sign_in: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = True
    settings.SESSION_COOKIE_SAMESITE = "Lax"
    client = Client()
    response = authkit_sign_in(client, email="ada@acme.test")
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert len(cookie.value) < 100  # tokens are server-side: the cookie is only a key


def test_no_token_or_code_in_logs(emu: Any, authkit_sign_in: Any, caplog: Any) -> None:
    import logging

    from django_authkit.core import crypto
    from django_authkit.models import AuthKitSession

    caplog.set_level(logging.DEBUG)
    client = Client()
    location = client.get("/auth/sign-in/")["Location"]
    callback = emu.control.complete_sign_in(location, email="ada@acme.test")
    code = callback.split("code=")[1].split("&")[0]
    emu.control.set_clock(offset=-290)
    client.get(callback.split("testserver")[1])
    emu.control.set_clock(offset=0)
    client.get("/private/")  # refresh
    row = AuthKitSession.objects.get()
    secrets = [code, crypto.decrypt(row.access_token), crypto.decrypt(row.refresh_token)]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in secrets:
        assert secret and secret not in logged


def _check_deploy(**env: str) -> subprocess.CompletedProcess[str]:
    """``manage.py check --deploy`` of the example's production settings, ``env`` on top."""
    full = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example.settings_production",
        "DJANGO_SECRET_KEY": "x7!Kq2#vR9@mW4$zT8^pL1&nB6*cF3(hJ5)dG0-sY_eU+aI=oP[",
        "DJANGO_ALLOWED_HOSTS": "example.com",
        "AUTHKIT_STAFF_ORGANIZATIONS": "org_01HOPERATOR",
        "WORKOS_CLIENT_ID": "client_prod",
        "WORKOS_API_KEY": "sk_live_x",
        "WORKOS_REDIRECT_URI": "https://example.com/auth/callback/",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT / "example_project", env=full, capture_output=True, text=True,
    )


def test_check_deploy_refuses_a_plain_http_api_base_off_this_machine() -> None:
    result = _check_deploy(WORKOS_BASE_URL="http://workos-emulator.internal:8765")
    assert result.returncode != 0, result.stdout + result.stderr
    assert "authkit.E011" in result.stderr and "plain http" in result.stderr
    https = _check_deploy(WORKOS_BASE_URL="https://auth.example.com")
    assert "authkit.E011" not in https.stdout + https.stderr
    loopback = _check_deploy(WORKOS_BASE_URL="http://127.0.0.1:8765")  # a sidecar, say
    assert "authkit.E011" not in loopback.stdout + loopback.stderr


def test_check_deploy_refuses_the_emulators_api_key() -> None:
    result = _check_deploy(WORKOS_API_KEY="sk_test_emulator")
    assert result.returncode != 0, result.stdout + result.stderr
    assert "authkit.E012" in result.stderr


def test_development_settings_with_the_emulator_are_not_flagged() -> None:
    # DEBUG on (the example's offline default): the emulator is expected there.
    result = _check_deploy(DJANGO_SETTINGS_MODULE="example.settings", DJANGO_DEBUG="1",
                           WORKOS_API_KEY="", WORKOS_CLIENT_ID="")
    assert "security.W018" in result.stderr, result.stdout + result.stderr  # it did run, DEBUG on
    assert "authkit.E011" not in result.stdout + result.stderr
    assert "authkit.E012" not in result.stdout + result.stderr
