"""Client construction and ``get_workos()`` from the lazy settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

import django_authkit
from django_authkit.client import ConfigurationError, WorkOSClient
from django_authkit.workos import get_workos

BASE = {"CLIENT_ID": "client_a", "API_KEY": "sk_test_a", "API_BASE_URL": "http://127.0.0.1:9/"}


def test_get_workos_reads_settings_and_memoises() -> None:
    with override_settings(AUTHKIT=BASE):
        client = get_workos()
        assert (client.client_id, client.base_url) == ("client_a", "http://127.0.0.1:9")
        assert (client.timeout, client.max_retries) == (10.0, 2)
        assert get_workos() is client
        assert django_authkit.get_workos() is client
    with override_settings(AUTHKIT={**BASE, "CLIENT_ID": "client_b", "REQUEST_TIMEOUT": 3}):
        other = get_workos()
        assert other is not client and other.client_id == "client_b" and other.timeout == 3.0
    with override_settings(AUTHKIT={**BASE, "MAX_RETRIES": 0}):
        assert get_workos().max_retries == 0


def test_get_workos_builds_base_url_from_host_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKOS_BASE_URL", raising=False)
    parts = {"API_HOSTNAME": "localhost", "API_HTTPS": False, "API_PORT": 4100}
    with override_settings(AUTHKIT={"CLIENT_ID": "c", "API_KEY": "k", **parts}):
        assert get_workos().base_url == "http://localhost:4100"


@pytest.mark.parametrize("missing", ["CLIENT_ID", "API_KEY"])
def test_get_workos_requires_credentials(missing: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(f"WORKOS_{missing}", raising=False)
    settings = {k: v for k, v in BASE.items() if k != missing}
    with override_settings(AUTHKIT=settings), pytest.raises(ImproperlyConfigured, match=missing):
        get_workos()


def test_get_workos_rejects_a_bad_timeout() -> None:
    with override_settings(AUTHKIT={**BASE, "REQUEST_TIMEOUT": "soon"}):
        with pytest.raises(ImproperlyConfigured):
            get_workos()
    with override_settings(AUTHKIT={**BASE, "REQUEST_TIMEOUT": 0}):
        with pytest.raises(ImproperlyConfigured):
            get_workos()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"api_key": "", "client_id": "c"},
        {"api_key": "k", "client_id": ""},
        {"api_key": "k", "client_id": "c", "base_url": "api.workos.com"},
        {"api_key": "k", "client_id": "c", "timeout": -1},
        {"api_key": "k", "client_id": "c", "timeout": float("nan")},
    ],
)
def test_client_validates_its_arguments(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        WorkOSClient(**kwargs)


def test_repr_never_shows_the_api_key() -> None:
    client = WorkOSClient(api_key="sk_live_very_secret", client_id="client_1")
    for text in (repr(client), repr(client.user_management), repr(client._transport)):
        assert "sk_live_very_secret" not in text
    assert client.base_url == "https://api.workos.com"
    assert client.organization_membership is client.user_management
