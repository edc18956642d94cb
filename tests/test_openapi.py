"""The checked-in OpenAPI document against real responses (schemathesis)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import positive_data_acceptance

from django_authkit.signin.start import pkce_pair
from django_authkit.workos import get_workos

DOCUMENT = Path(__file__).resolve().parent.parent / "django_authkit" / "openapi.json"


@pytest.fixture(scope="module")
def schema() -> Any:
    return schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text()))


def test_served_document_is_the_checked_in_one(emu: Any, client: Any) -> None:
    served = client.get("/auth/openapi.json").json()
    assert served["servers"] == [{"url": "http://testserver/auth"}]
    checked_in = json.loads(DOCUMENT.read_text())
    assert {k: v for k, v in served.items() if k != "servers"} == {
        k: v for k, v in checked_in.items() if k != "servers"
    }
    assert served["openapi"].startswith("3.1")


def test_every_json_endpoint_is_documented(schema: Any) -> None:
    from django.urls import reverse

    for name in ("session", "refresh", "providers", "csrf", "api-callback", "api-refresh"):
        path = reverse(f"authkit:{name}").removeprefix("/auth")
        assert path in DOCUMENT.read_text(), name


@pytest.fixture
def live(authkit_emulator: Any, transactional_db: Any, live_server: Any) -> Iterator[Any]:
    http = requests.Session()
    http.trust_env = False
    yield live_server.url, http
    http.close()


def _check(schema: Any, path: str, method: str, response: requests.Response) -> None:
    schema[path][method].validate_response(response)


def test_real_responses_match_the_document(live: Any, schema: Any) -> None:
    base, http = live
    url = base + "/auth"
    # anonymous
    _check(schema, "/session/", "GET", http.get(url + "/session/"))
    _check(schema, "/providers/", "GET", http.get(url + "/providers/"))
    csrf = http.get(url + "/csrf/")
    _check(schema, "/csrf/", "GET", csrf)
    token = csrf.json()["csrfToken"]
    _check(schema, "/refresh/", "POST", http.post(url + "/refresh/"))  # 403 CSRF page
    _check(schema, "/refresh/", "POST",
           http.post(url + "/refresh/", headers={"X-CSRFToken": token}))  # 401
    bad_bearer = http.get(url + "/session/", headers={"Authorization": "Bearer x"})
    assert bad_bearer.status_code == 401
    _check(schema, "/session/", "GET", bad_bearer)


def test_signed_in_and_api_mode_responses(live: Any, schema: Any, authkit_emulator: Any,
                                          settings: Any) -> None:
    base, http = live
    emu = authkit_emulator
    url = base + "/auth"
    start = http.get(url + "/sign-in/", allow_redirects=False)
    back = emu.control.complete_sign_in(start.headers["Location"], email="ada@acme.test",
                                        organization_name="Acme", role="admin")
    assert http.get(back, allow_redirects=False).status_code == 302
    session = http.get(url + "/session/")
    assert session.status_code == 200
    _check(schema, "/session/", "GET", session)
    token = http.get(url + "/csrf/").json()["csrfToken"]
    refreshed = http.post(url + "/refresh/", headers={"X-CSRFToken": token})
    assert refreshed.status_code == 200
    _check(schema, "/refresh/", "POST", refreshed)

    app = requests.Session()
    app.trust_env = False
    verifier, challenge = pkce_pair()
    authorize = get_workos().user_management.get_authorization_url(
        redirect_uri=base + "/app-callback", state="s", provider="authkit",
        code_challenge=challenge,
    )
    code = parse_qs(urlsplit(emu.control.complete_sign_in(
        authorize, email="m@acme.test")).query)["code"][0]
    tokens = app.post(url + "/api/callback/", json={"code": code, "codeVerifier": verifier})
    assert tokens.status_code == 200, tokens.text
    _check(schema, "/api/callback/", "POST", tokens)
    rotated = app.post(url + "/api/refresh/",
                       json={"refreshToken": tokens.json()["refreshToken"]})
    assert rotated.status_code == 200
    _check(schema, "/api/refresh/", "POST", rotated)
    for body in ({"error": "access_denied"}, {"code": "x", "codeVerifier": "v" * 43}, {}):
        _check(schema, "/api/callback/", "POST", app.post(url + "/api/callback/", json=body))
    for body in ({}, {"refreshToken": "nope"}):
        _check(schema, "/api/refresh/", "POST", app.post(url + "/api/refresh/", json=body))
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMITS": {"api-refresh": "1/d"}}
    app.post(url + "/api/refresh/", json={})  # the day's one attempt (no window ends mid-test)
    limited = app.post(url + "/api/refresh/", json={})
    assert limited.status_code == 429
    _check(schema, "/api/refresh/", "POST", limited)
    settings.AUTHKIT = {**settings.AUTHKIT, "API_MODE": False}
    off = app.post(url + "/api/callback/", json={})
    assert off.status_code == 404
    _check(schema, "/api/callback/", "POST", off)
    app.close()


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """Calling the WSGI app directly runs close_old_connections at each request's end,
    which would close the test's database connection mid-transaction (PostgreSQL);
    Django's test client disconnects it the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize(
    ("path", "method"),
    [("/session/", "GET"), ("/refresh/", "POST"), ("/providers/", "GET"), ("/csrf/", "GET"),
     ("/api/callback/", "POST"), ("/api/refresh/", "POST")],
)
def test_generated_requests_conform(
    emu: Any, keep_connection: None, path: str, method: str
) -> None:
    """Schemathesis-generated requests: no 500, and every answer matches the document.

    ``positive_data_acceptance`` is left out: a schema-valid authorization code or
    refresh token is still refused (400/401) unless WorkOS issued it.
    """
    schema = schemathesis.openapi.from_wsgi("/auth/openapi.json", get_wsgi_application())
    operation = schema[path][method]

    @hypothesis_settings(max_examples=30, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    run()
