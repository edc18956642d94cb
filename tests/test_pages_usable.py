"""Pages a person can use: a way back to the site, names not ids, what happened in plain words.

The site's AuthKit pages (native forms, error, 403, sign-out) link back to the site;
the 403 page names the organization as people know it; signing out says so; the
emulator's pages do not show internal names, its ``/_emulator/`` is a page, the
hosted sign-up page does not say "Signing in", and no page asks for a missing icon.
"""

from __future__ import annotations

import re
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


def test_the_outbox_marks_used_and_expired_codes(emu: Any) -> None:
    api = {"Authorization": f"Bearer {emu.api_key}"}
    email = "outbox@acme.test"
    requests.post(f"{emu.url}/user_management/users", json={"email": email}, headers=api,
                  timeout=10).raise_for_status()  # fmt: skip

    def send_code() -> str:
        sent = requests.post(f"{emu.url}/user_management/magic_auth", json={"email": email},
                             headers=api, timeout=10)  # fmt: skip
        sent.raise_for_status()
        return str(sent.json()["id"])

    def marks() -> list[str]:
        page = requests.get(f"{emu.url}/_emulator/outbox/page", timeout=10).text
        return re.findall(r'<li class="(\w+)">', page)

    send_code()
    assert marks() == ["live"]
    sent = requests.get(f"{emu.url}/_emulator/outbox", params={"email": email}, timeout=10)
    code = sent.json()["data"][0]["code"]
    used = requests.post(
        f"{emu.url}/user_management/authenticate",
        json={"grant_type": "urn:workos:oauth:grant-type:magic-auth:code", "code": code,
              "email": email, "client_id": emu.client_id, "client_secret": emu.api_key},
        timeout=10,
    )  # fmt: skip
    assert used.status_code == 200, used.text
    assert marks() == ["used"]
    send_code()
    requests.post(f"{emu.url}/_emulator/clock", json={"advance": 3600}, timeout=10)
    assert marks() == ["expired", "used"]  # newest first; the page says which still work
