"""Pytest plugin (entry point ``django_authkit``) for sites testing with django-authkit.

Fixtures:

``authkit_emulator_server``
    A WorkOS emulator on a free 127.0.0.1 port for the whole test session.
``authkit_emulator``
    The same emulator, reset, with ``settings.AUTHKIT`` pointed at it for one test.
``authkit_sign_in``
    ``authkit_sign_in(client, email=..., organization_name=..., role=...)`` signs a
    Django test client in through the real flow (sign-in view, hosted page,
    callback) and returns the final response.
``authkit_issuer_shape``
    ``authkit_issuer_shape(shape, accept=False)`` makes the emulator mint ``iss`` in
    ``shape`` (``per-client``, ``legacy``, ``sso`` or a custom-domain URL) and returns
    that issuer; ``accept=True`` also sets ``AUTHKIT['ISSUER']`` to it, as a site on
    a custom authentication domain does. The next test starts per-client again.
``authkit_rotate_keys``
    ``authkit_rotate_keys(retire_old=False)`` rotates the emulator's signing key
    (old and new both published unless ``retire_old``); the next test starts
    with the original key again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from django_authkit.testing.flow import sign_in_through_emulator


@pytest.fixture(scope="session")
def authkit_emulator_server() -> Iterator[Any]:
    from django_authkit.emulator import EmulatorServer

    server = EmulatorServer(host="127.0.0.1", port=0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def authkit_emulator(authkit_emulator_server: Any, settings: Any) -> Iterator[Any]:
    """Reset the emulator and point ``AUTHKIT`` at it for the duration of a test."""
    from django.core.cache import cache

    from django_authkit.tokens.verify import clear_key_cache

    server = authkit_emulator_server
    server.control.reset()
    server.control.clear_faults()
    server.control.clear_calls()
    server.control.configure(redirect_uris=["http://testserver/auth/callback/"])
    settings.AUTHKIT = {
        **(getattr(settings, "AUTHKIT", None) or {}),
        "CLIENT_ID": server.client_id,
        "API_KEY": server.api_key,
        "API_BASE_URL": server.url,
        "MAX_RETRIES": 0,
    }
    clear_key_cache()
    cache.clear()
    try:
        from django_authkit.testing.factories import use_emulator
    except ImportError:  # factory-boy not installed: the factories are optional
        pass
    else:
        use_emulator(server)
    yield server
    server.control.set_clock(offset=0)


@pytest.fixture
def authkit_sign_in(authkit_emulator: Any) -> Callable[..., Any]:
    def sign_in(client: Any, **choice: Any) -> Any:
        return sign_in_through_emulator(client, authkit_emulator, **choice)

    return sign_in


@pytest.fixture
def authkit_issuer_shape(authkit_emulator: Any, settings: Any) -> Callable[..., str]:
    def set_shape(shape: str, accept: bool = False) -> str:
        issuer: str = authkit_emulator.control.set_issuer(shape)
        if accept:
            settings.AUTHKIT = {**settings.AUTHKIT, "ISSUER": issuer}
        return issuer

    return set_shape


@pytest.fixture
def authkit_rotate_keys(authkit_emulator: Any) -> Callable[..., dict[str, Any]]:
    def rotate(retire_old: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = authkit_emulator.control.rotate_keys(retire_old=retire_old)
        return result

    return rotate


def callback_path(location: str) -> str:
    """The path+query of an absolute callback URL, for the Django test client."""
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
