"""Lazy settings with env fallbacks, and the system checks."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from django_authkit.conf import authkit_settings

# Django 6 runs database-tagged checks by default, so the check tests need the database.
CHECKS_NEED_DB = pytest.mark.django_db


def _ids() -> set[str]:
    return {m.id for m in run_checks(tags=None) if m.id and m.id.startswith("authkit.")}


def test_settings_are_read_lazily_under_override_settings() -> None:
    with override_settings(AUTHKIT={"CLIENT_ID": "client_a", "API_BASE_URL": "http://x:1/"}):
        assert authkit_settings.CLIENT_ID == "client_a"
        assert authkit_settings.api_base_url == "http://x:1"
        assert authkit_settings.issuer == "http://x:1/user_management/client_a"
    with override_settings(AUTHKIT={"CLIENT_ID": "client_b"}):
        assert authkit_settings.CLIENT_ID == "client_b"
        assert authkit_settings.api_base_url == "https://api.workos.com"


def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKOS_CLIENT_ID", "client_env")
    monkeypatch.setenv("WORKOS_API_HOSTNAME", "localhost")
    monkeypatch.setenv("WORKOS_API_HTTPS", "false")
    monkeypatch.setenv("WORKOS_API_PORT", "4100")
    with override_settings(AUTHKIT={}):
        assert authkit_settings.CLIENT_ID == "client_env"
        assert authkit_settings.api_base_url == "http://localhost:4100"
    with override_settings(AUTHKIT={"CLIENT_ID": "client_dict"}):
        assert authkit_settings.CLIENT_ID == "client_dict"  # the dict wins over the env


def test_unknown_setting_is_an_error() -> None:
    with pytest.raises(AttributeError):
        authkit_settings.NOPE


@CHECKS_NEED_DB
def test_checks_pass_for_a_complete_configuration() -> None:
    complete = {"CLIENT_ID": "c", "API_KEY": "k", "REDIRECT_URI": "https://x/auth/callback/"}
    with override_settings(AUTHKIT=complete, ALLOWED_HOSTS=["x"]):
        assert _ids() == set()


@CHECKS_NEED_DB
@pytest.mark.parametrize(
    ("authkit", "expected"),
    [
        ({"API_KEY": "k", "REDIRECT_URI": "http://x/"}, "authkit.E001"),
        ({"CLIENT_ID": "c", "REDIRECT_URI": "http://x/"}, "authkit.E002"),
        ({"CLIENT_ID": "c", "API_KEY": "k"}, "authkit.W003"),
        (
            {"CLIENT_ID": "c", "API_KEY": "k", "REDIRECT_URI": "http://x/", "LINK_BY_EMAIL": True},
            "authkit.W007",
        ),
    ],
)
def test_checks_report_missing_credentials(
    authkit: dict[str, Any], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("WORKOS_CLIENT_ID", "WORKOS_API_KEY", "WORKOS_REDIRECT_URI"):
        monkeypatch.delenv(name, raising=False)
    with override_settings(AUTHKIT=authkit):
        assert expected in _ids()


@CHECKS_NEED_DB
def test_check_reports_middleware_order(settings: Any) -> None:
    settings.AUTHKIT = {"CLIENT_ID": "c", "API_KEY": "k", "REDIRECT_URI": "http://x/"}
    middleware = list(settings.MIDDLEWARE)
    middleware.remove("django_authkit.middleware.AuthKitMiddleware")
    settings.MIDDLEWARE = middleware
    assert "authkit.E004" in _ids()
    middleware.insert(0, "django_authkit.middleware.AuthKitMiddleware")
    settings.MIDDLEWARE = middleware
    assert "authkit.E005" in _ids()


@CHECKS_NEED_DB
def test_check_reports_missing_backend(settings: Any) -> None:
    settings.AUTHKIT = {"CLIENT_ID": "c", "API_KEY": "k", "REDIRECT_URI": "http://x/"}
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    assert "authkit.E006" in _ids()
