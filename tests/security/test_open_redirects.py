"""No ``next`` value leads a browser off the site, on any endpoint that takes one."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, RequestFactory
from django.utils.encoding import iri_to_uri

from django_authkit.signin.start import safe_next
from tests.security.redirect_corpus import HOSTILE, LEGITIMATE


def test_the_corpus_is_big_enough() -> None:
    assert len(set(HOSTILE)) >= 50
    assert len(set(LEGITIMATE)) >= 10


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_next_refuses(value: str) -> None:
    assert safe_next(value, RequestFactory().get("/")) is None


@pytest.mark.parametrize("value", LEGITIMATE)
def test_safe_next_keeps(value: str) -> None:
    assert safe_next(value, RequestFactory().get("/")) == value


def _followed_next(emu: Any, client: Client, value: str) -> str:
    """Sign in with ``next=value`` through the real flow; return where the callback sends us."""
    start = client.get("/auth/sign-in/", {"next": value})
    callback = emu.control.complete_sign_in(start["Location"], email="redirect@example.test")
    parts = urlsplit(callback)
    return str(client.get(f"{parts.path}?{parts.query}")["Location"])


@pytest.mark.parametrize("value", HOSTILE[::3])  # the full corpus runs against safe_next above
def test_callback_never_redirects_off_site(emu: Any, client: Client, value: str) -> None:
    assert _followed_next(emu, client, value) == "/"


@pytest.mark.parametrize("value", LEGITIMATE)
def test_callback_keeps_legitimate_next(emu: Any, client: Client, value: str) -> None:
    assert _followed_next(emu, client, value) == iri_to_uri(value)  # same URL, encoded


@pytest.mark.parametrize("value", HOSTILE)
def test_sign_out_return_to_stays_on_site(signed_in_each: Client, value: str) -> None:
    response = signed_in_each.post("/auth/sign-out/", {"next": value})
    return_to = parse_qs(urlsplit(response["Location"]).query)["return_to"][0]
    assert return_to == "http://testserver/"


@pytest.mark.parametrize("value", HOSTILE)
def test_sign_out_confirmation_page_keeps_next_on_site(
    emu: Any, client: Client, value: str
) -> None:
    page = client.get("/auth/sign-out/", {"next": value}).content.decode()
    assert "evil.test" not in page


@pytest.mark.parametrize("value", HOSTILE[::2])
def test_admin_login_redirect_stays_on_site(
    emu: Any, client: Client, settings: Any, value: str
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ADMIN_LOGIN_VIA_AUTHKIT": True}
    location = client.get("/admin/login/", {"next": value})["Location"]
    assert parse_qs(urlsplit(location).query)["next"] == ["/admin/"]


@pytest.fixture
def signed_in_each(emu: Any, authkit_sign_in: Any) -> Client:
    client = Client()
    authkit_sign_in(client, email="leaver@example.test")
    return client
