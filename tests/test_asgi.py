"""The middleware under ASGI: the same session works, and refresh happens there too."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client


def _async_client_like(client: Client) -> AsyncClient:
    async_client = AsyncClient()
    async_client.cookies = client.cookies
    return async_client


def test_signed_in_request_under_asgi(signed_in: Client, emu: Any) -> None:
    emu.control.clear_calls()
    response = async_to_sync(_async_client_like(signed_in).get)("/private/")
    assert response.status_code == 200
    assert response.json()["email"] == "ada@acme.test"
    assert emu.control.calls() == []


def test_refresh_under_asgi(emu: Any, authkit_sign_in: Any) -> None:
    client = Client()
    emu.control.set_clock(offset=-290)
    assert authkit_sign_in(client, email="asgi@example.test").status_code == 302
    emu.control.set_clock(offset=0)
    emu.control.clear_calls()
    response = async_to_sync(_async_client_like(client).get)("/private/")
    assert response.status_code == 200
    assert len(emu.control.grants("refresh_token")) == 1


def test_anonymous_request_under_asgi(emu: Any) -> None:
    response = async_to_sync(AsyncClient().get)("/")
    assert response.json()["authenticated"] is False
