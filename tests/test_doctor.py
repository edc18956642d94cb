"""``manage.py authkit_doctor`` against the emulator: each failure names its fix."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def _run(**options: Any) -> tuple[str, bool]:
    out = StringIO()
    try:
        call_command("authkit_doctor", stdout=out, **options)
    except CommandError:
        return out.getvalue(), False
    return out.getvalue(), True


def test_healthy_configuration(emu: Any) -> None:
    output, ok = _run(redirect_uri="http://127.0.0.1:8000/auth/callback/")
    assert ok, output
    for line in ("API key accepted", "JWKS reachable with 1 signing key", "Clock within",
                 "Redirect URI http://127.0.0.1:8000/auth/callback/ accepted"):
        assert line in output


def test_wrong_api_key(emu: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "API_KEY": "sk_test_wrong"}
    output, ok = _run()
    assert not ok and "API key was refused" in output and "dashboard" in output


def test_wrong_client_id(emu: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "CLIENT_ID": "client_wrong"}
    output, ok = _run()
    assert not ok and "No JWKS for this client id" in output


def test_unregistered_redirect_uri(emu: Any) -> None:
    output, ok = _run(redirect_uri="https://not-registered.example.com/auth/callback/")
    assert not ok and "was refused" in output and "Register it" in output


def test_unreachable_workos(db: Any, settings: Any) -> None:
    settings.AUTHKIT = {"CLIENT_ID": "c", "API_KEY": "k", "API_BASE_URL": "http://127.0.0.1:9",
                        "MAX_RETRIES": 0, "REQUEST_TIMEOUT": 1}
    output, ok = _run()
    assert not ok and "could not be reached" in output


@pytest.mark.parametrize("missing", ["CLIENT_ID", "API_KEY"])
def test_missing_credentials(db: Any, settings: Any, missing: str,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(f"WORKOS_{missing}", raising=False)
    settings.AUTHKIT = {k: v for k, v in settings.AUTHKIT.items() if k != missing}
    output, ok = _run()
    assert not ok and "authkit.E00" in output and "Stopping" in output
