"""The JSON endpoints of the browser session, the sign-in page and sign-in variants."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from django_authkit.models import Organization
from django_authkit.testing.plugin import callback_path
from tests.ratewindow import in_one_window

ADA = {"email": "ada@acme.test", "first_name": "Ada", "last_name": "Lovelace",
       "organization_name": "Acme", "role": "admin"}


def test_session_is_empty_json_when_anonymous(emu: Any, client: Client) -> None:
    """NextAuth's contract: an anonymous ``GET session`` is ``200 {}``, never cached."""
    response = client.get("/auth/session/")
    assert response.status_code == 200
    assert response.json() == {}
    assert "no-store" in response["Cache-Control"]


def test_session_describes_the_signed_in_user(signed_in: Client) -> None:
    Organization.objects.update(idle_timeout=1800, session_max_age=8 * 3600, warning_time=120)
    response = signed_in.get("/auth/session/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["user"]["id"].startswith("user_")
    assert body["user"]["email"] == "ada@acme.test"
    assert body["user"]["fullName"] == "Ada Lovelace"
    assert body["organization"]["name"] == "Acme"
    assert body["organization"]["id"].startswith("org_")
    assert body["role"] == "admin" and "members:manage" in body["permissions"]
    assert body["expiresAt"].endswith("Z")
    config = body["sessionConfig"]
    assert config["enabled"] is True
    assert (config["idleTimeoutMinutes"], config["tokenExpiryHours"]) == (30, 8)
    assert config["warningTimeMinutes"] == 2
    assert config["silentRenewal"]["url"] == "http://testserver/auth/refresh/"
    text = response.content.decode()
    assert "eyJ" not in text  # no token in the session JSON


def test_refresh_requires_csrf_and_rotates(emu: Any, authkit_sign_in: Any) -> None:
    browser = Client(enforce_csrf_checks=True)
    authkit_sign_in(browser, **ADA)
    assert browser.post("/auth/refresh/").status_code == 403  # no CSRF token
    token = browser.get("/auth/csrf/").json()["csrfToken"]
    before = len(emu.control.grants("refresh_token"))
    response = browser.post("/auth/refresh/", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content
    assert response.json()["user"]["email"] == "ada@acme.test"
    after = len(emu.control.grants("refresh_token"))
    assert after == before + 1


def test_refresh_without_session_is_401(emu: Any, client: Client) -> None:
    response = client.post("/auth/refresh/")
    assert response.status_code == 401
    assert response.json()["error"] == "no_session"


def test_refresh_refused_by_workos_ends_the_session(signed_in: Client, emu: Any) -> None:
    emu.control.fault("/user_management/authenticate", status=400,
                      body={"error": "invalid_grant", "error_description": "Session revoked"})
    response = signed_in.post("/auth/refresh/")
    assert response.status_code == 401 and response.json()["error"] == "session_ended"
    assert signed_in.get("/auth/session/").json() == {}


def test_refresh_during_outage_is_503_and_keeps_session(signed_in: Client, emu: Any) -> None:
    emu.control.fault("/user_management/authenticate", status=500)
    response = signed_in.post("/auth/refresh/")
    assert response.status_code == 503 and response.json()["error"] == "workos_unavailable"
    assert response["Retry-After"] == "5"
    assert signed_in.get("/auth/session/").status_code == 200


def test_providers_lists_each_with_urls(emu: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT,
                        "PROVIDERS": ["authkit", {"id": "GoogleOAuth", "name": "Google Workspace"}]}
    response = client.get("/auth/providers/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    providers = response.json()["providers"]
    assert [p["id"] for p in providers] == ["authkit", "GoogleOAuth"]
    google = providers[1]
    assert google["name"] == "Google Workspace" and google["type"] == "oauth"
    assert google["signInUrl"] == "http://testserver/auth/sign-in/?provider=GoogleOAuth"
    assert google["callbackUrl"] == "http://testserver/auth/callback/"


def test_csrf_endpoint_sets_cookie(emu: Any, client: Client) -> None:
    response = client.get("/auth/csrf/")
    assert response.status_code == 200 and response.json()["csrfToken"]
    assert "csrftoken" in response.cookies


def test_sign_in_page_posts_each_provider_with_csrf(emu: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "PROVIDERS": ["authkit", "GitHubOAuth"]}
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/auth/sign-in/page/", {"next": "/private/"})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('name="csrfmiddlewaretoken"') == 2
    assert 'value="GitHubOAuth"' in html and 'value="/private/"' in html
    assert browser.post("/auth/sign-in/", {"provider": "GitHubOAuth"}).status_code == 403
    token = browser.cookies["csrftoken"].value
    response = browser.post("/auth/sign-in/", {"provider": "GitHubOAuth", "next": "/private/",
                                               "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query)["provider"] == ["GitHubOAuth"]


def test_sign_in_page_drops_an_unsafe_next(emu: Any, client: Client) -> None:
    html = client.get("/auth/sign-in/page/", {"next": "https://evil.test/"}).content.decode()
    assert "evil.test" not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"prompt": "login"}, {"prompt": ["login"]}),
        ({"prompt": "login consent"}, {"prompt": ["login consent"]}),
        ({"organization_id": "org_123"}, {"organization_id": ["org_123"]}),
        ({"connection_id": "conn_9"}, {"connection_id": ["conn_9"]}),
        ({"login_hint": "a@b.test", "domain_hint": "b.test"},
         {"login_hint": ["a@b.test"], "domain_hint": ["b.test"]}),
        ({"provider": "MicrosoftOAuth"}, {"provider": ["MicrosoftOAuth"]}),
    ],
)
def test_sign_in_variants(emu: Any, client: Client, params: dict[str, str],
                          expected: dict[str, list[str]]) -> None:
    response = client.get("/auth/sign-in/", params)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    for key, value in expected.items():
        assert query[key] == value


@pytest.mark.parametrize("params", [{"prompt": "bogus"}, {"state": "x" * 1025}])
def test_sign_in_rejects_bad_prompt_and_state(emu: Any, client: Client,
                                              params: dict[str, str]) -> None:
    assert client.get("/auth/sign-in/", params).status_code == 400


def test_custom_state_never_reaches_workos(emu: Any, client: Client) -> None:
    response = client.get("/auth/sign-in/", {"state": "my-custom-state"})
    assert "my-custom-state" not in response["Location"]


def test_callback_rate_limit_counts_failures(emu: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMITS": {"callback": "3/m"}}

    def fourth_failure() -> Any:
        for _ in range(3):
            assert client.get("/auth/callback/", {"state": "nope", "code": "x"}).status_code == 400
        limited = client.get("/auth/callback/", {"state": "nope", "code": "x"})
        assert limited.status_code == 429
        return limited

    limited = in_one_window(60, fourth_failure)  # Retry-After is within this minute
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    page = client.get("/auth/callback/", HTTP_ACCEPT="text/html")
    assert page.status_code == 429 and b"rate_limited" in page.content


def test_successful_sign_ins_do_not_count(emu: Any, authkit_sign_in: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMITS": {"callback": "2/m"}}
    for i in range(4):
        assert authkit_sign_in(Client(), email=f"u{i}@acme.test").status_code == 302


def test_refresh_rate_limit(signed_in: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMITS": {"refresh": "2/d"}}
    assert signed_in.post("/auth/refresh/").status_code == 200
    assert signed_in.post("/auth/refresh/").status_code == 200
    limited = signed_in.post("/auth/refresh/")
    assert limited.status_code == 429 and limited["Retry-After"]


def test_rate_limits_can_be_disabled(emu: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMITS": None}
    for _ in range(40):
        assert client.get("/auth/callback/", {"state": "nope"}).status_code == 400


def test_callback_path_helper_keeps_query() -> None:
    assert callback_path("http://testserver/auth/callback/?code=1") == "/auth/callback/?code=1"


def test_authkit_providers_tag(emu: Any, settings: Any, rf: Any) -> None:
    from django.template import Context, Template

    settings.AUTHKIT = {**settings.AUTHKIT, "PROVIDERS": ["authkit", "AppleOAuth"]}
    request = rf.get("/page/")
    html = Template(
        "{% load authkit %}{% authkit_providers as providers %}"
        "{% for p in providers %}[{{ p.id }}|{{ p.name }}|{{ p.sign_in_url }}]{% endfor %}"
    ).render(Context({"request": request}))
    expected = "/auth/sign-in/?provider=authkit&amp;next=%2Fpage%2F"
    assert f"[authkit|Email or single sign-on|{expected}]" in html
    assert "[AppleOAuth|Apple|" in html


def test_unknown_provider_setting_is_a_configuration_error(emu: Any, settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from django_authkit.signin.providers import configured_providers

    settings.AUTHKIT = {**settings.AUTHKIT, "PROVIDERS": ["facebook"]}
    with pytest.raises(ImproperlyConfigured):
        configured_providers()


def test_sign_out_confirms_then_posts_with_safe_next(signed_in: Client) -> None:
    page = signed_in.get("/auth/sign-out/", {"next": "//evil.test/"})
    assert page.status_code == 200 and b"evil.test" not in page.content
    response = signed_in.post("/auth/sign-out/", {"next": "https://evil.test/"})
    assert response.status_code == 302 and "evil.test" not in response["Location"]
    assert signed_in.get("/auth/session/").json() == {}


def test_invalid_rate_setting_does_not_break_sign_in(emu: Any, client: Client,
                                                     settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMITS": {"callback": "lots"}}
    assert client.get("/auth/callback/", {"state": "x"}).status_code == 400


def test_callback_outage_does_not_count_against_the_limit(emu: Any, client: Client,
                                                          settings: Any) -> None:
    from django_authkit.core import ratelimit

    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMITS": {"callback": "1/m"}}
    start = client.get("/auth/sign-in/")
    location = emu.control.complete_sign_in(start["Location"], email="a@b.test")
    emu.control.fault("/user_management/authenticate", status=500)
    assert client.get(callback_path(location)).status_code == 503
    assert ratelimit.retry_after(client.get("/").wsgi_request, "callback") is None


@pytest.mark.parametrize("name", ["next", "returnTo", "callbackUrl"])
def test_return_path_aliases(emu: Any, authkit_sign_in: Any, name: str) -> None:
    browser = Client()
    start = browser.get("/auth/sign-in/", {name: "/private/"})
    location = emu.control.complete_sign_in(start["Location"], email="a@b.test")
    assert browser.get(callback_path(location))["Location"] == "/private/"
    out = browser.post("/auth/sign-out/", {name: "/bye/"})
    assert "bye" in out["Location"]
    evil = Client().get("/auth/sign-in/", {name: "https://evil.test/"})
    assert "evil" not in evil["Location"]


def test_missing_configuration_is_a_json_error(emu: Any, client: Client, settings: Any,
                                               monkeypatch: Any) -> None:
    monkeypatch.delenv("WORKOS_API_KEY", raising=False)
    settings.AUTHKIT = {**settings.AUTHKIT, "API_KEY": None}
    response = client.post("/auth/api/callback/", {"code": "c", "codeVerifier": "v" * 43},
                           content_type="application/json")
    assert response.status_code == 503
    assert response.json()["error"] == "configuration"
    refresh = client.post("/auth/api/refresh/", {"refreshToken": "r"},
                          content_type="application/json")
    assert refresh.status_code == 503 and refresh.json()["error"] == "configuration"
