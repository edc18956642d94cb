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


# -- issue 22: the issuer WorkOS mints against the issuers this site accepts --------------


def test_the_advertised_issuer_is_accepted(emu: Any) -> None:
    output, ok = _run(redirect_uri="http://127.0.0.1:8000/auth/callback/")
    assert ok, output
    assert (f"Access tokens carry iss '{emu.url}/user_management/{emu.client_id}' "
            "(WorkOS's discovery document for this client); this site accepts it") in output


def test_api_base_on_localhost_while_tokens_say_127_0_0_1(emu: Any, settings: Any) -> None:
    """The issue's case: every sign-in fails, and now the doctor says which setting to fix."""
    other = emu.url.replace("127.0.0.1", "localhost")
    settings.AUTHKIT = {**settings.AUTHKIT, "API_BASE_URL": other}
    output, ok = _run(redirect_uri="http://127.0.0.1:8000/auth/callback/")
    assert not ok
    assert f"Access tokens carry iss '{emu.url}/user_management/{emu.client_id}'" in output
    assert "every sign-in fails with wrong_issuer" in output
    assert f"set AUTHKIT['API_BASE_URL'] = '{emu.url}'" in output


def test_a_custom_domain_issuer_the_site_does_not_accept(
    emu: Any, authkit_issuer_shape: Any
) -> None:
    authkit_issuer_shape("https://auth.example.test")
    output, ok = _run(redirect_uri="http://127.0.0.1:8000/auth/callback/")
    assert not ok
    assert "iss 'https://auth.example.test'" in output
    assert "Set AUTHKIT['ISSUER'] (or WORKOS_ISSUER) to 'https://auth.example.test'" in output


def test_a_real_stored_token_is_read_before_the_discovery_document(
    emu: Any, authkit_sign_in: Any, authkit_issuer_shape: Any, settings: Any
) -> None:
    """A token WorkOS really minted wins: here it says legacy, discovery says otherwise."""
    from django.test import Client

    authkit_issuer_shape("legacy")
    assert authkit_sign_in(Client(), email="bo@acme.test").status_code == 302
    authkit_issuer_shape("per-client")  # what the discovery document says from now on
    settings.AUTHKIT = {**settings.AUTHKIT, "ISSUER": "https://login.example.test"}
    output, ok = _run(redirect_uri="http://127.0.0.1:8000/auth/callback/")
    assert not ok
    assert f"Access tokens carry iss '{emu.url}' (the newest stored access token)" in output
    assert f"Set AUTHKIT['ISSUER'] (or WORKOS_ISSUER) to '{emu.url}'" in output
