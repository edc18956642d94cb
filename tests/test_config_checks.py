"""System checks for settings that are present but wrong: each has an id, a fix, a test."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks

pytestmark = pytest.mark.django_db  # Django 6 runs database-tagged checks by default

GOOD = {"CLIENT_ID": "client_x", "API_KEY": "sk_x", "REDIRECT_URI": "https://x.test/auth/callback/"}


def _messages(include_deployment_checks: bool = False) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for m in run_checks(tags=None, include_deployment_checks=include_deployment_checks):
        if m.id and m.id.startswith("authkit."):
            found.setdefault(m.id, []).append(f"{m.msg} {m.hint}")
    return found


@pytest.fixture
def good(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in ("WORKOS_CLIENT_ID", "WORKOS_API_KEY", "WORKOS_REDIRECT_URI", "WORKOS_API_PORT",
                 "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    settings.AUTHKIT = dict(GOOD)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "x.test"]  # REDIRECT_URI's host (W113)
    assert _messages() == {}
    return settings


@pytest.mark.parametrize(
    ("extra", "check_id", "fix"),
    [
        ({"CLIENTID": "client_x"}, "authkit.E101", "'CLIENT_ID'"),
        ({"API_PORT": "abc"}, "authkit.E102", "whole number"),
        ({"BEARER_TOKENS": "yes"}, "authkit.E102", "True or False"),
        ({"STAFF_ROLES": "admin"}, "authkit.E102", "a list"),
        ({"ADAPTER": "myapp.adapters.Missing"}, "authkit.E103", "dotted path"),
        ({"ON_SUCCESS": "myapp.hooks.on_success"}, "authkit.E103", "dotted path"),
        ({"ON_ERROR": "nowhere.on_error"}, "authkit.E103", "dotted path"),
        ({"PROVIDERS": ["authkit", "GoogleOauth"]}, "authkit.E104", "GoogleOAuth"),
        ({"DEFAULT_PROVIDER": "google"}, "authkit.E104", "GoogleOAuth"),
        ({"RATE_LIMITS": {"callback": "30 per minute"}}, "authkit.E105", "'30/m'"),
        ({"RATE_LIMITS": {"calback": "30/m"}}, "authkit.E105", "api-callback"),
        ({"NATIVE_RATE_LIMITS": {"client": "lots"}}, "authkit.E105", "'30/m'"),
        ({"BASE_URL": "example.com"}, "authkit.E106", "https://example.com"),
        ({"BASE_URL": "https://example.com/app/"}, "authkit.E106", "https://example.com"),
        ({"REDIRECT_URI": "https://x.test/callback"}, "authkit.E107", "/auth/callback/"),
        ({"REDIRECT_URI": "/auth/callback/"}, "authkit.E107", "full callback URL"),
        ({"REDIRECT_URI": "http://x.test/auth/callback/"}, "authkit.W108", "https://"),
        ({"CLIENT_ID": "client_..."}, "authkit.E008", "WorkOS dashboard"),
        ({"API_KEY": "sk_..."}, "authkit.E008", "WorkOS dashboard"),
        ({"API_KEY": "sk_live_..."}, "authkit.E008", "sk_live_"),
        ({"CLIENT_ID": "client_123"}, "authkit.E008", "client id"),
        ({"ISSUER": 42}, "authkit.E102", "list"),
        ({"API_BASE_URL": "http://localhost:8765",
          "ISSUER": "http://127.0.0.1:8765/user_management/client_x"}, "authkit.W112",
         "localhost and 127.0.0.1"),
        ({"API_BASE_URL": "http://127.0.0.1:8765", "ISSUER": "https://api.workos.com"},
         "authkit.W112", "leave ISSUER unset"),
        ({"ISSUER": ["https://api.workos.com", "http://localhost:8765"]}, "authkit.W112",
         "'http://localhost:8765'"),
        ({"REDIRECT_URI": "https://elsewhere.test/auth/callback/"}, "authkit.W113",
         "'elsewhere.test' to ALLOWED_HOSTS"),
    ],
)
def test_each_misconfiguration_is_reported_with_its_fix(
    good: Any, extra: dict[str, Any], check_id: str, fix: str
) -> None:
    good.AUTHKIT = {**GOOD, **extra}
    found = _messages()
    assert check_id in found, found
    assert any(fix in text for text in found[check_id]), found[check_id]


def test_malformed_environment_variable_is_reported(
    good: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKOS_API_PORT", "abc")
    good.AUTHKIT = dict(GOOD)  # re-resolve
    found = _messages()
    assert "WORKOS_API_PORT" in " ".join(found["authkit.E102"])


def test_http_redirect_uri_is_fine_on_loopback_or_with_debug(good: Any) -> None:
    good.AUTHKIT = {**GOOD, "REDIRECT_URI": "http://localhost:8000/auth/callback/"}
    assert _messages() == {}
    good.DEBUG = True
    good.AUTHKIT = {**GOOD, "REDIRECT_URI": "http://x.test/auth/callback/"}
    assert _messages() == {}


def test_missing_session_middleware(good: Any) -> None:
    good.MIDDLEWARE = [m for m in good.MIDDLEWARE if "SessionMiddleware" not in m]
    assert "SessionMiddleware" in " ".join(_messages()["authkit.E109"])


def test_per_process_cache_with_several_processes(
    good: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    good.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "authkit.W110" not in _messages()
    assert "Redis" in " ".join(_messages(include_deployment_checks=True)["authkit.W110"])
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    assert "authkit.W110" in _messages()
    assert len(_messages(include_deployment_checks=True)["authkit.W110"]) == 1


# -- issue 22: placeholder credentials, issuer hosts, the callback's host ----------------


@pytest.mark.parametrize("value", ["client_x", "client_emulator", "client_01HZY4T6C8A9"])
def test_real_looking_client_ids_are_not_placeholders(good: Any, value: str) -> None:
    good.AUTHKIT = {**GOOD, "CLIENT_ID": value, "API_KEY": "sk_test_a1B2c3"}
    assert _messages() == {}


def test_the_quickstarts_placeholders_are_flagged(
    good: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "quickstart.rst").read_text()
    assert '"CLIENT_ID": "client_..."' in text and '"API_KEY": "sk_..."' in text
    monkeypatch.setenv("WORKOS_CLIENT_ID", "client_...")  # pasted into an .env file
    good.AUTHKIT = {k: v for k, v in GOOD.items() if k != "CLIENT_ID"}
    assert "'client_...'" in " ".join(_messages()["authkit.E008"])


@pytest.mark.parametrize(
    "issuer",
    [
        "https://auth.example.test",  # a custom authentication domain: another host on purpose
        ["https://api.workos.com/user_management/client_x", "https://auth.example.test"],
        "https://api.workos.com, https://api.workos.com/user_management/client_x",
    ],
)
def test_issuers_on_the_api_host_or_a_custom_domain_are_fine(good: Any, issuer: Any) -> None:
    good.AUTHKIT = {**GOOD, "ISSUER": issuer}
    assert _messages() == {}


def test_a_loopback_issuer_on_the_same_origin_as_the_api_is_fine(good: Any) -> None:
    good.AUTHKIT = {**GOOD, "API_BASE_URL": "http://127.0.0.1:8765",
                    "ISSUER": "http://127.0.0.1:8765, http://127.0.0.1:8765/sso/client_x"}
    assert _messages() == {}


@pytest.mark.parametrize(
    ("allowed", "debug", "host"),
    [
        (["*"], False, "x.test"),
        ([".example.test"], False, "login.example.test"),
        ([".example.test"], False, "example.test"),
        ([], True, "localhost"),  # DEBUG with no ALLOWED_HOSTS allows loopback names
        ([], True, "127.0.0.1"),
        (["[::1]"], False, "[::1]"),
    ],
)
def test_a_redirect_uri_host_allowed_by_a_wildcard_or_debug_is_fine(
    good: Any, allowed: list[str], debug: bool, host: str
) -> None:
    good.ALLOWED_HOSTS = allowed
    good.DEBUG = debug
    good.AUTHKIT = {**GOOD, "REDIRECT_URI": f"https://{host}:8443/auth/callback/"}
    assert "authkit.W113" not in _messages()


def test_a_redirect_uri_host_outside_a_wildcard_is_reported(good: Any) -> None:
    good.ALLOWED_HOSTS = [".example.test"]
    good.AUTHKIT = {**GOOD, "REDIRECT_URI": "https://example.other/auth/callback/"}
    assert "authkit.W113" in _messages()
    good.DEBUG = True
    good.ALLOWED_HOSTS = []
    good.AUTHKIT = {**GOOD, "REDIRECT_URI": "http://example.test/auth/callback/"}
    assert "authkit.W113" in _messages()
