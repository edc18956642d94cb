"""Every emulator page has a way back (issue 27), and the way back is never an open redirect.

A page serving an authorization request (the hosted sign-in and sign-up pages, the
SSO page, the organization chooser, the page re-shown with an error) links to the
origin of the request's checked ``redirect_uri``: the site the visitor came from.
Pages without a request (the index, the outbox, error pages, the device page) link
to the emulator's index. Nothing a query parameter names becomes a link.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import requests

from tests.emulator.conftest import CLIENT_ID, REDIRECT, Api, authorize_url

SITE = "http://localhost:8000/"
TO_SITE = f'<a href="{SITE}" data-testid="back-to-site">Back to the site</a>'
TO_INDEX = '<a href="/" data-testid="emulator-index">Emulator index</a>'


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def way_back(html: str) -> str:
    found = re.search(r'<nav class="way-back" aria-label="Way back">(.*?)</nav>', html, re.S)
    assert found, html[-800:]
    return found.group(1)


def test_the_hosted_pages_link_back_to_the_site(emu, api: Api) -> None:
    for hint in (None, "sign-up"):
        page = api.get(authorize_url(emu, screen_hint=hint)[len(emu.url) :])
        assert page.status_code == 200, page.text
        assert TO_SITE in way_back(page.text) and "(localhost:8000)" in page.text


def test_the_page_shown_again_with_an_error_still_links_back(emu, api: Api) -> None:
    http = requests.Session()
    http.trust_env = False
    page = http.get(authorize_url(emu)).text
    request_id = page.split('name="request_id" value="')[1].split('"')[0]
    again = http.post(
        f"{emu.url}/user_management/authorize/complete",
        data={"request_id": request_id, "email": "x@acme.test", "role": "nope"},
        allow_redirects=False,
    )
    assert again.status_code == 400 and "Unknown role" in again.text, again.text
    assert TO_SITE in way_back(again.text)


def test_the_organization_chooser_links_back_to_the_site(emu) -> None:
    seeded = emu.control.seed(
        {
            "organizations": [{"name": "One"}, {"name": "Two"}],
            "users": [{"email": "multi@x.com"}],
            "memberships": [
                {"user": "multi@x.com", "organization": "One"},
                {"user": "multi@x.com", "organization": "Two"},
            ],
        }
    )
    http = requests.Session()
    http.trust_env = False
    page = http.get(authorize_url(emu, redirect_uri="http://127.0.0.1:5000/auth/cb?x=1")).text
    request_id = page.split('name="request_id" value="')[1].split('"')[0]
    chooser = http.post(
        f"{emu.url}/user_management/authorize/complete",
        data={"request_id": request_id, "user_id": seeded["users"][0]["id"]},
        allow_redirects=False,
    )
    assert 'id="organization-form"' in chooser.text, chooser.text
    assert '<a href="http://127.0.0.1:5000/" data-testid="back-to-site">' in way_back(chooser.text)


def test_the_sso_page_links_back_to_the_site(emu, api: Api) -> None:
    query = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "response_type": "code",
             "provider": "GoogleOAuth", "state": "s"}  # fmt: skip
    page = api.get("/sso/authorize?" + urlencode(query))
    assert page.status_code == 200, page.text
    assert TO_SITE in way_back(page.text)


def test_only_the_origin_of_the_checked_redirect_uri_is_linked(emu, api: Api) -> None:
    """No path, query or user-info of the redirect URI, and no other parameter, is linked."""
    tricky = "http://evil.example@localhost:8000/cb?next=https://evil.example/"
    evil = "https://evil.example/"
    url = authorize_url(emu, redirect_uri=tricky, return_to=evil, next=evil)
    page = api.get(url[len(emu.url) :])
    assert page.status_code == 200, page.text
    assert TO_SITE in way_back(page.text)
    assert not [h for h in hrefs(page.text) if "evil" in h], hrefs(page.text)


def test_a_refused_request_links_to_the_emulator_not_to_its_redirect_uri(emu, api: Api) -> None:
    for uri in ("https://evil.example/cb", "javascript:alert(1)"):
        page = api.get(authorize_url(emu, redirect_uri=uri)[len(emu.url) :])
        assert page.status_code == 400 and "Invalid redirect URI" in page.text
        assert way_back(page.text) == TO_INDEX
        assert not [h for h in hrefs(page.text) if "evil" in h or "javascript" in h]
    expired = api.post("/user_management/authorize/complete", data={"request_id": "gone"})
    assert expired.status_code == 400 and way_back(expired.text) == TO_INDEX


def test_pages_without_a_request_link_to_the_emulator_index(emu, api: Api) -> None:
    outbox = api.get("/_emulator/outbox/page?next=https://evil.example/")
    assert way_back(outbox.text) == TO_INDEX
    assert way_back(api.get("/device").text) == TO_INDEX
    index = api.get("/").text
    assert way_back(index) == (
        '<a href="/" data-testid="emulator-index" aria-current="page">Emulator index</a>'
    )


def test_the_admin_portal_links_back_to_the_site_that_made_the_link(emu, api: Api) -> None:
    """The site set ``return_url`` over the API with its key: its origin is the way back."""
    org = api.post("/organizations", json={"name": "Acme"}).json()["id"]
    back = "https://app.example/settings?x=1"
    made = api.post(
        "/portal/generate_link", json={"organization": org, "intent": "sso", "return_url": back}
    )
    assert made.status_code == 201, made.text
    page = requests.get(made.json()["link"], timeout=10).text
    assert '<a href="https://app.example/" data-testid="back-to-site">' in way_back(page)
