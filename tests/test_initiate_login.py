"""Dashboard-initiated sign-in: the ``initiate-login`` entry point WorkOS is given."""

from __future__ import annotations

from io import StringIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client


def test_a_callback_without_state_is_refused(emu: Any, client: Client) -> None:
    """What WorkOS's dashboard sends without a sign-in endpoint: no state, no sign-in."""
    response = client.get("/auth/callback/", {"code": "01HDASHBOARD"})
    assert response.status_code == 400 and b"state_missing" in response.content


def test_initiate_login_starts_a_fresh_flow_with_state_and_pkce(emu: Any, client: Client) -> None:
    start = client.get("/auth/initiate-login/", {"next": "/private/"})
    assert start.status_code == 302
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["provider"] == ["authkit"] and len(query["state"][0]) >= 32
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    back = urlsplit(emu.control.complete_sign_in(
        start["Location"], email="ada@acme.test", impersonator_email="admin@workos.test"))
    done = client.get(f"{back.path}?{back.query}")
    assert (done.status_code, done["Location"]) == (302, "/private/")
    assert client.get("/private/").json()["email"] == "ada@acme.test"
    assert client.post("/auth/initiate-login/").status_code == 405


def test_initiate_login_keeps_hints_and_validates_them(emu: Any, client: Client) -> None:
    start = client.get("/auth/initiate-login/", {"login_hint": "ada@acme.test"})
    assert parse_qs(urlsplit(start["Location"]).query)["login_hint"] == ["ada@acme.test"]
    assert client.get("/auth/initiate-login/", {"next": "https://evil.test/"}).status_code == 302
    assert client.get("/auth/initiate-login/", {"provider": "nope"}).status_code == 400


def test_doctor_prints_the_sign_in_endpoint(emu: Any) -> None:
    out = StringIO()
    try:
        call_command("authkit_doctor", stdout=out,
                     redirect_uri="https://app.example.test/auth/callback/")
    except CommandError:
        pass  # that redirect URI is not registered at the emulator: not the point here
    assert "https://app.example.test/auth/initiate-login/" in out.getvalue()
