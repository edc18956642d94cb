"""A bearer token counts only where the site opted in; never on the admin or AuthKit's pages.

A staff member's valid WorkOS access token (from API mode, as a mobile app gets
it) is sent over real HTTP to the live server, with no cookie: the Django admin
treats the request as anonymous (no list, no delete), while views that opted in
(``@bearer_auth``, a path under ``BEARER_PATHS``) accept it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model

from django_authkit.signin.start import pkce_pair
from django_authkit.workos import get_workos

APP_REDIRECT = "com.example.app://callback"
OPERATOR, CUSTOMER = "org_operator", "org_customer"


@pytest.fixture
def site(authkit_emulator: Any, transactional_db: Any, live_server: Any,
         settings: Any) -> Iterator[Any]:
    emu = authkit_emulator
    emu.control.configure(redirect_uris=[APP_REDIRECT])
    emu.control.seed({
        "organizations": [{"id": OPERATOR, "name": "Operator"},
                          {"id": CUSTOMER, "name": "Customer"}],
        "users": [{"email": "olga@operator.test"}, {"email": "vic@customer.test"}],
        "memberships": [{"user": "olga@operator.test", "organization": OPERATOR, "role": "admin"},
                        {"user": "vic@customer.test", "organization": CUSTOMER,
                         "role": "member"}],
    })
    settings.AUTHKIT = {**settings.AUTHKIT, "API_REDIRECT_URIS": [APP_REDIRECT],
                        "STAFF_ORGANIZATIONS": [OPERATOR], "STAFF_ROLES": ["admin"],
                        "SUPERUSER_ROLES": ["admin"]}
    http = requests.Session()
    http.trust_env = False

    class Site:
        url = live_server.url

        def token(self, email: str) -> str:
            """An access token from API mode's code exchange, as an app would hold it."""
            verifier, challenge = pkce_pair()
            url = get_workos().user_management.get_authorization_url(
                redirect_uri=APP_REDIRECT, state=secrets.token_urlsafe(8), provider="authkit",
                code_challenge=challenge, code_challenge_method="S256")
            back = parse_qs(urlsplit(emu.control.complete_sign_in(url, email=email)).query)
            answer = http.post(f"{self.url}/auth/api/callback/", timeout=10, json={
                "code": back["code"][0], "codeVerifier": verifier, "redirect_uri": APP_REDIRECT})
            assert answer.status_code == 200, answer.text
            return str(answer.json()["token"])

        def get(self, path: str, token: str) -> requests.Response:
            """A request with the bearer token and no cookie at all."""
            return requests.get(f"{self.url}{path}", headers={"Authorization": f"Bearer {token}"},
                                allow_redirects=False, timeout=10)

        def post(self, path: str, token: str, data: dict[str, Any]) -> requests.Response:
            return requests.post(f"{self.url}{path}", data=data, allow_redirects=False,
                                 headers={"Authorization": f"Bearer {token}"}, timeout=10)

    yield Site()
    http.close()


def test_a_staff_token_does_not_drive_the_admin(site: Any) -> None:
    token = site.token("olga@operator.test")
    olga = get_user_model().objects.get(email="olga@operator.test")
    assert olga.is_staff and olga.is_superuser  # the token's user may use the admin...
    victim = get_user_model().objects.create_user("victim", "victim@example.test", "pw-12345!")
    listing = site.get("/admin/auth/user/", token)  # ...but not with a bearer token
    assert listing.status_code == 302 and "/admin/login/" in listing.headers["Location"]
    assert "victim@example.test" not in listing.text
    deleted = site.post(f"/admin/auth/user/{victim.pk}/delete/", token, {"post": "yes"})
    assert deleted.status_code in (302, 403), deleted.status_code
    bulk = site.post("/admin/auth/user/", token,
                     {"action": "delete_selected", "_selected_action": [victim.pk], "post": "yes"})
    assert bulk.status_code in (302, 403), bulk.status_code
    assert get_user_model().objects.filter(pk=victim.pk).exists()


def test_opted_in_views_accept_the_token(site: Any, settings: Any) -> None:
    token = site.token("olga@operator.test")
    decorated = site.get("/whoami/", token)  # @bearer_auth
    assert decorated.status_code == 200 and decorated.json() == {"email": "olga@operator.test"}
    assert site.get("/auth/session/", token).json()["user"]["email"] == "olga@operator.test"
    # A plain view: only under BEARER_PATHS (default: none).
    assert site.get("/api/whoami/", token).status_code == 302  # anonymous: sent to sign in
    settings.AUTHKIT = {**settings.AUTHKIT, "BEARER_PATHS": ["/api/"]}
    prefixed = site.get("/api/whoami/", token)
    assert prefixed.status_code == 200, prefixed.text[:300]
    assert prefixed.json() == {"email": "olga@operator.test", "via": "bearer"}


def test_the_admin_and_authkit_pages_refuse_it_whatever_the_paths(
    site: Any, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "BEARER_PATHS": ["/"]}
    token = site.token("olga@operator.test")
    assert site.get("/api/whoami/", token).status_code == 200  # "/" covers the site...
    assert site.get("/admin/", token).status_code == 302  # ...never the admin
    # AuthKit's own pages: a state-changing form is not authenticated (CSRF stays on).
    switched = site.post("/auth/switch-organization/", token, {"organization_id": CUSTOMER})
    assert switched.status_code == 403, switched.status_code
    # An invalid token where bearer tokens do not count is ignored, not a 401.
    assert site.get("/admin/login/", "garbage").status_code == 200


# -- the view's decision, remembered per URLconf (a bearer request resolves its URL once) ---
def test_a_repeated_bearer_request_resolves_its_url_once(
    emu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Django resolves the URL for the view; the middleware's check used to resolve it
    again on every bearer request (about 145 k instructions, more than the rest of it)."""
    from django.test import Client
    from django.urls import get_resolver
    from django.urls.resolvers import URLResolver

    from tests.test_bearer import _token

    api = Client(HTTP_AUTHORIZATION=f"Bearer {_token(emu, email='once@example.test')}")
    assert api.get("/whoami/").status_code == 200  # the first one decides
    calls: list[str] = []
    real = URLResolver.resolve

    def counting(self: URLResolver, path: str) -> Any:
        if self is get_resolver():
            calls.append(path)
        return real(self, path)

    monkeypatch.setattr(URLResolver, "resolve", counting)
    for _ in range(3):
        assert api.get("/whoami/").json() == {"email": "once@example.test"}
    assert calls == ["/whoami/"] * 3, calls  # Django's own resolution, once per request


def test_a_changed_urlconf_is_decided_again(emu: Any, settings: Any) -> None:
    from django.test import Client

    from tests.test_bearer import _token

    api = Client(HTTP_AUTHORIZATION=f"Bearer {_token(emu, email='swap@example.test')}")
    assert api.get("/whoami/").status_code == 200  # @bearer_auth: the token counts
    settings.ROOT_URLCONF = "tests.testapp.urls_swapped"  # /whoami/ now did not opt in
    assert api.get("/whoami/").status_code == 302  # anonymous: sent to sign in
    settings.AUTHKIT = {**settings.AUTHKIT, "BEARER_PATHS": ["/whoami/"]}
    assert api.get("/whoami/").json()["via"] == "bearer"


def test_long_paths_are_decided_but_not_remembered(emu: Any, settings: Any) -> None:
    from django.test import Client

    from django_authkit.sessions import bearer
    from tests.test_bearer import _token

    settings.AUTHKIT = {**settings.AUTHKIT, "BEARER_PATHS": ["/api/"]}
    api = Client(HTTP_AUTHORIZATION=f"Bearer {_token(emu, email='long@example.test')}")
    before = bearer._remembered_view_decision.cache_info().currsize
    long = "/api/" + "x" * bearer.REMEMBERED_PATH_LENGTH
    assert api.get(long).status_code == 404  # authenticated, then no such page
    assert bearer._remembered_view_decision.cache_info().currsize == before
