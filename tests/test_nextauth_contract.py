"""NextAuth's REST contract and AuthSafe's sign-out, against the emulator."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

ADA = {"email": "ada@acme.test", "first_name": "Ada", "last_name": "Lovelace",
       "organization_name": "Acme", "role": "admin"}


@pytest.fixture
def browser(emu: Any, authkit_sign_in: Any) -> Client:
    """A signed-in browser whose CSRF checks are enforced (as in production)."""
    client = Client(enforce_csrf_checks=True)
    authkit_sign_in(client, **ADA)
    return client


def csrf(client: Client) -> str:
    return str(client.get("/auth/csrf/").json()["csrfToken"])


def test_anonymous_session_is_an_empty_object(emu: Any, client: Client) -> None:
    response = client.get("/auth/session/")
    assert (response.status_code, response.json()) == (200, {})
    assert "no-store" in response["Cache-Control"]


def test_csrf_token_form_field_is_accepted_on_refresh(browser: Client) -> None:
    token = csrf(browser)
    assert browser.post("/auth/refresh/", {"csrfToken": "x" * 64}).status_code == 403
    response = browser.post("/auth/refresh/", {"csrfToken": token})
    assert response.status_code == 200, response.content[:300]
    assert response.json()["user"]["email"] == "ada@acme.test"


def test_csrf_token_form_field_is_accepted_on_sign_out(browser: Client) -> None:
    token = csrf(browser)
    assert browser.post("/auth/sign-out/", {"csrfToken": "wrong"}).status_code == 403
    assert browser.get("/auth/session/").json() != {}
    response = browser.post("/auth/sign-out/", {"csrfToken": token})
    assert response.status_code == 302
    assert browser.get("/auth/session/").json() == {}


def test_post_sign_in_provider(emu: Any) -> None:
    browser = Client(enforce_csrf_checks=True)
    token = csrf(browser)
    assert browser.post("/auth/sign-in/google/", {"callbackUrl": "/x/"}).status_code == 403
    answer = browser.post("/auth/sign-in/google/",
                          {"csrfToken": token, "callbackUrl": "/private/", "json": "true"})
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    url = answer.json()["url"]
    query = parse_qs(urlsplit(url).query)
    assert query["provider"] == ["GoogleOAuth"] and query["code_challenge_method"] == ["S256"]
    back = urlsplit(emu.control.complete_sign_in(url, email="g@example.test"))
    done = browser.get(f"{back.path}?{back.query}")
    assert (done.status_code, done["Location"]) == (302, "/private/")
    redirect = browser.post("/auth/sign-in/GitHubOAuth/", {"csrfToken": csrf(browser)})
    assert redirect.status_code == 302
    assert parse_qs(urlsplit(redirect["Location"]).query)["provider"] == ["GitHubOAuth"]
    unknown = browser.post("/auth/sign-in/myspace/", {"csrfToken": csrf(browser)})
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [("?returnTo=/bye/", "/bye/"), ("?next=/later/", "/later/"),
     ("?returnTo=https://evil.test/", "/"), ("?returnTo=//evil.test/", "/")],
)
def test_sign_out_honours_a_validated_return_in_the_query(
    emu: Any, authkit_sign_in: Any, query: str, expected: str
) -> None:
    client = Client()
    authkit_sign_in(client, **ADA)
    response = client.post("/auth/sign-out/" + query)
    assert response.status_code == 302
    logout = parse_qs(urlsplit(response["Location"]).query)
    assert logout["return_to"] == [f"http://testserver{expected}"]


def test_sign_out_form_value_wins_over_the_query(emu: Any, authkit_sign_in: Any) -> None:
    client = Client()
    authkit_sign_in(client, **ADA)
    response = client.post("/auth/sign-out/?returnTo=/query/", {"next": "/form/"})
    assert parse_qs(urlsplit(response["Location"]).query)["return_to"] == [
        "http://testserver/form/"
    ]
