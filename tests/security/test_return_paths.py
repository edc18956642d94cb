"""Return paths are resolved before they are judged, and judged again where they are used.

The oracle is a WHATWG URL parser (ada, the parser of Node.js): whatever
``safe_next`` accepts must resolve, against the site's origin, to a URL of that
origin whose path does not start with ``//`` and is none of the app's own endpoints.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import ada_url
import pytest
from django.http import HttpResponseRedirect
from django.test import Client, RequestFactory
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from django_authkit.signin import start as flow
from tests.pending import rewrite

ORIGIN = "http://testserver"

DOT_SEGMENTS = [
    "/..//evil.com",
    "/.//evil.com",
    "/%2e%2e//evil.com",
    "/%2E%2E//evil.com",
    "/%2e//evil.com",
    "/.%2e//evil.com",
    "/%2e.//evil.com",
    "/a/..//evil.com",
    "/a/b/../..//evil.com",
    "/a/%2e%2e/%2e%2e//evil.com",
    "/./..//evil.com/x?y=1",
    "/%2f/evil.com",
    "/%2F%2Fevil.com",
    "/%5c/evil.com",
]
OWN_ENDPOINTS = [
    "/auth/sign-in/",
    "/auth/sign-in",
    "/auth/sign-up/?next=/x/",
    "/auth/callback/?code=x&state=y",
    "/auth/sign-out/",
    "/auth/switch-organization/",
    "/auth/api/callback/",
    "/x/../auth/callback/",
    "/%61uth/callback/",
    "/auth/./sign-out/",
]

PIECES = [
    "/", "//", "\\", ".", "..", "%2e", "%2E", "%2f", "%2F", "%5c", "%00", "%", "a", "b",
    "evil.com", "@", ":", "?", "#", "&", "=", "auth", "callback", "sign-in", "sign-out",
    "http:", "javascript:", "\t", " ", "\u3000", "\uff0f", "\u202e", "é", "\x00",
]
PATHS = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    st.lists(st.sampled_from(PIECES), max_size=10).map(lambda p: "/" + "".join(p)),
    st.text(max_size=40),
)


def _own(path: str) -> bool:
    for candidate in (path, path if path.endswith("/") else path + "/"):
        try:
            if "authkit" in resolve(candidate).namespaces:
                return True
        except Resolver404:
            pass
    return False


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PATHS)
@example("/..//evil.com")
@example("/%2e%2e//evil.com")
@example("/.//evil.com")
def test_accepted_paths_stay_on_the_site(value: str) -> None:
    request = RequestFactory().get("/")
    accepted = flow.safe_next(value, request)
    if accepted is None:
        return
    url = ada_url.URL(accepted, ORIGIN + "/")
    assert url.origin == ORIGIN, (value, accepted, url.href)
    assert not url.pathname.startswith("//"), (value, accepted, url.href)
    assert not unquote(url.pathname).startswith(("//", "/\\")), (value, accepted)
    assert not _own(unquote(url.pathname)), (value, accepted)
    # The value means what it meant: resolving it changed nothing a browser would see.
    assert url.href == ada_url.URL(value, ORIGIN + "/").href, (value, accepted)
    assert flow.safe_next(accepted, request) == accepted  # idempotent: safe to re-check
    HttpResponseRedirect(accepted)  # Django's own redirect accepts it


@pytest.mark.parametrize("value", DOT_SEGMENTS + OWN_ENDPOINTS)
def test_safe_next_refuses_resolved_escapes_and_own_endpoints(value: str) -> None:
    assert flow.safe_next(value, RequestFactory().get("/")) is None


@pytest.mark.parametrize(
    ("value", "resolved"),
    [("/a/../b/", "/b/"), ("/a/./b", "/a/b"), ("/a/%2e%2e/b?x=/../y", "/b?x=/../y"),
     ("/a/b/..", "/a/"), ("/..", "/")],
)
def test_safe_next_resolves_dot_segments(value: str, resolved: str) -> None:
    assert flow.safe_next(value, RequestFactory().get("/")) == resolved


def _start(client: Client, value: str | None = None) -> str:
    start = client.get("/auth/sign-in/", {"next": value} if value else {})
    assert start.status_code == 302
    return str(start["Location"])


def _finish(emu: Any, client: Client, location: str, email: str = "ret@example.test") -> Any:
    callback = emu.control.complete_sign_in(location, email=email)
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


@pytest.mark.parametrize("value", DOT_SEGMENTS[:6] + OWN_ENDPOINTS[:4])
def test_callback_ignores_dot_segment_and_own_endpoint_next(
    emu: Any, client: Client, value: str
) -> None:
    assert _finish(emu, client, _start(client, value))["Location"] == "/"


@pytest.mark.parametrize("stored", ["//evil.com", "https://evil.com/", "/..//evil.com",
                                    "/auth/callback/", "\\\\evil.com", 42])
def test_a_stored_next_is_checked_again_at_the_redirect(
    emu: Any, client: Client, stored: Any
) -> None:
    """Whatever sits in the pending sign-in entry is re-validated when it is used."""
    location = _start(client, "/dashboard/")
    rewrite(client, lambda entry: entry.update(n=stored))
    response = _finish(emu, client, location)
    assert response.status_code in (302, 400), response.content[:300]
    if response.status_code == 302:
        assert response["Location"] == "/"


@pytest.mark.parametrize("value", DOT_SEGMENTS + OWN_ENDPOINTS[:3])
def test_sign_out_return_to_resolves_dot_segments(
    emu: Any, authkit_sign_in: Any, value: str
) -> None:
    client = Client()
    authkit_sign_in(client, email="leaver@example.test")
    response = client.post("/auth/sign-out/", {"next": value})
    return_to = parse_qs(urlsplit(response["Location"]).query)["return_to"][0]
    assert return_to == "http://testserver/"


@pytest.mark.parametrize("stored", ["//evil.com", "/..//evil.com", "/auth/sign-out/"])
def test_a_native_step_checks_its_stored_next_again(emu: Any, settings: Any, stored: str) -> None:
    """The native forms keep ``next`` in their (encrypted) open step: checked again at use."""
    import json

    from django_authkit.core import crypto
    from django_authkit.native import pending

    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_FORMS": True}
    emu.control.seed({"users": [{"email": "nat@acme.test", "email_verified": True}]})
    client = Client()
    client.post("/auth/account/magic/", {"email": "nat@acme.test", "next": "/private/"})
    session = client.session
    step = json.loads(crypto.decrypt(session[pending.SESSION_KEY]) or "{}")
    assert step["next_url"] == "/private/"
    step["next_url"] = stored
    session[pending.SESSION_KEY] = crypto.encrypt(json.dumps(step))
    session.save()
    code = emu.control.last_code("nat@acme.test", "magic_auth")
    response = client.post("/auth/account/magic/code/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/"
