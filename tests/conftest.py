"""Shared fixtures: the emulator comes from django_authkit.testing's plugin."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client


@pytest.fixture
def emu(authkit_emulator: Any, db: Any) -> Any:
    """The reset emulator, with the database available."""
    return authkit_emulator


@pytest.fixture
def native(emu: Any, settings: Any) -> Any:
    """The emulator, with ``NATIVE_FORMS`` on."""
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_FORMS": True}
    return emu


@pytest.fixture
def staff(db: Any) -> Client:
    """A test client signed in (password, ModelBackend) as a Django superuser."""
    root = get_user_model().objects.create_superuser("root", "root@example.test", "pw-12345!")
    client = Client()
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def signed_in(emu: Any, authkit_sign_in: Any, client: Client) -> Client:
    """A test client signed in as Ada, admin of Acme, through the real flow."""
    response = authkit_sign_in(
        client,
        email="ada@acme.test",
        first_name="Ada",
        last_name="Lovelace",
        organization_name="Acme",
        role="admin",
    )
    assert response.status_code == 302, response.content[:500]
    return client
