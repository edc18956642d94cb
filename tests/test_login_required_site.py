"""A site with Django 5.1+'s ``LoginRequiredMiddleware``: sign in, refresh, sign out.

Every AuthKit view must stay reachable anonymously, or sign-in loops back to itself.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import django
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.skipif(
    django.VERSION < (5, 1), reason="LoginRequiredMiddleware is new in Django 5.1"
)

ADA = {"email": "ada@acme.test", "organization_name": "Acme", "role": "admin"}
SIGN_IN = "/auth/sign-in/"


@pytest.fixture
def login_required_site(settings: Any) -> Any:
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    settings.LOGIN_URL = "authkit:sign-in"
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_FORMS": True}
    return settings


def _authkit_routes() -> list[tuple[str, Any]]:
    """(route, view) of every URL in the ``authkit`` namespace, nested includes too."""
    found: list[tuple[str, Any]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found.append((route, pattern.callback))

    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "authkit":
            walk(pattern.url_patterns, str(pattern.pattern))
    return found


def test_every_authkit_view_is_login_not_required() -> None:
    routes = _authkit_routes()
    assert len(routes) >= 20
    assert [r for r, view in routes if getattr(view, "login_required", True)] == []


def test_no_authkit_url_redirects_an_anonymous_visitor_to_sign_in(
    login_required_site: Any, emu: Any
) -> None:
    client = Client()
    for route, _view in _authkit_routes():
        for method in (client.get, client.post):
            response = method(f"/{route}")
            location = response.get("Location", "")
            assert not urlsplit(location).path.startswith(SIGN_IN) or route.startswith(
                "auth/admin"
            ), (route, method.__name__, response.status_code, location)


def test_sign_in_does_not_loop(login_required_site: Any, emu: Any, client: Client) -> None:
    first = client.get("/private/")
    assert first.status_code == 302
    assert first["Location"] == f"{SIGN_IN}?next=/private/"
    started = client.get(first["Location"])
    assert started.status_code == 302
    assert started["Location"].startswith(emu.url), started["Location"]


def test_signs_in_refreshes_and_signs_out(
    login_required_site: Any, emu: Any, client: Client, authkit_sign_in: Any
) -> None:
    emu.control.set_clock(offset=-290)  # the token expires 10 s from now: refresh window
    assert authkit_sign_in(client, **ADA).status_code == 302
    emu.control.set_clock(offset=0)
    emu.control.clear_calls()
    assert client.get("/private/").status_code == 200
    assert len(emu.control.grants("refresh_token")) == 1
    assert client.get("/auth/session/").status_code == 200
    signed_out = client.post("/auth/sign-out/")
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(emu.url)
    again = client.get("/private/")
    assert again.status_code == 302 and again["Location"].startswith(SIGN_IN)
