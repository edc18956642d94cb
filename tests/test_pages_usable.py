"""Pages a person can use: a way back to the site, names not ids, what happened in plain words.

The site's AuthKit pages (native forms, error, 403, sign-out) link back to the site;
the 403 page names the organization as people know it; signing out says so; the
emulator's pages do not show internal names, its ``/_emulator/`` is a page, the
hosted sign-up page does not say "Signing in", and no page asks for a missing icon.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from django.contrib.messages import get_messages
from django.test import Client

BACK = '<a href="/">Back to the site</a>'


PAGES = [
    "/auth/account/sign-in/",
    "/auth/account/sign-up/",
    "/auth/account/magic/",
    "/auth/account/password-reset/",
    "/auth/sign-in/page/",
    "/auth/sign-out/",
    "/auth/callback/?code=forged&state=" + "x" * 43,
]


@pytest.mark.parametrize("path", PAGES)
def test_every_authkit_page_links_back_to_the_site(native: Any, path: str) -> None:
    page = Client().get(path)
    assert page.status_code in (200, 400), (path, page.status_code)
    body = page.content.decode()
    assert BACK in body, body
    assert '<link rel="icon" href="data:,">' in body  # no favicon 404 on every page


def test_a_refused_role_shows_the_organization_name(
    emu: Any, authkit_sign_in: Any, client: Client
) -> None:
    authkit_sign_in(client, email="mia@acme.test", organization_name="Acme", role="member")
    page = client.get("/admin-only/")
    body = page.content.decode()
    assert page.status_code == 403, body
    assert "organization Acme, role member" in body, body
    assert "org_" not in body, body  # the name, not the id


def test_signing_out_says_so(signed_in: Client) -> None:
    signed_in.post("/auth/sign-out/")
    after = signed_in.get("/")
    said = [str(m) for m in get_messages(after.wsgi_request)]
    assert said == ["You are signed out."], said


def test_a_visitor_who_was_not_signed_in_is_not_told_so(emu: Any, client: Client) -> None:
    client.post("/auth/sign-out/")
    assert [str(m) for m in get_messages(client.get("/").wsgi_request)] == []


def test_the_emulator_pages_speak_to_people(emu: Any) -> None:
    root = requests.get(emu.url + "/", timeout=10).text
    for internal in ("<summary>routing<", "<summary>control_keys<", "<summary>root<"):
        assert internal not in root, internal
    assert "Control API: signing keys" in root
    index = requests.get(emu.url + "/_emulator/", timeout=10)
    assert index.status_code == 200 and "text/html" in index.headers["Content-Type"], index.text
    assert "WorkOS emulator" in index.text
    icon = requests.get(emu.url + "/favicon.ico", timeout=10)
    assert icon.status_code == 204, icon.status_code


def test_the_hosted_sign_up_page_does_not_say_signing_in(emu: Any, client: Client) -> None:
    location = client.get("/auth/sign-up/")["Location"]
    page = requests.get(location, timeout=10).text
    assert "<title>Sign up" in page and "Creating an account for" in page, page[:800]
    assert "Signing in to" not in page
