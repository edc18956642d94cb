"""One failure, every entry point, one outcome (issue 22 item 2, issue 25 target).

WorkOS failing (5xx), WorkOS refusing the site's own credentials, and a token
WorkOS returned that does not verify here are driven through the hosted callback,
the native password form, API mode (callback and refresh), SSO-first, the
organization switch and the session refresh. All faults come from the emulator.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from django_authkit.models import AuthKitSession
from tests.test_signin_pipeline import EMAIL, app_code, site, via_native  # noqa: F401
from tests.test_signin_pipeline import via_callback as signed_in_via_callback

EXCHANGE = "/user_management/authenticate"
FOREIGN_ISSUER = "https://auth.elsewhere.example"

#: failure -> (status, code, words the visitor reads)
EXPECTED = {
    "workos_5xx": (503, "workos_unavailable", "did not answer"),
    "credentials": (503, "configuration", "not something you did"),
    "unverified": (502, "invalid_token", "not with anything you did"),
}

Request = Callable[[], Any]


def _callback(target: dict[str, Any], client: Client) -> Request:
    start = client.get("/auth/sign-in/", {"next": "/after/"})
    back = urlsplit(target["emu"].control.complete_sign_in(start["Location"], email=EMAIL))
    return lambda: client.get(f"{back.path}?{back.query}")


def _native(target: dict[str, Any], client: Client) -> Request:
    return lambda: via_native(target, client)


def _api_callback(target: dict[str, Any], client: Client) -> Request:
    body = json.dumps(app_code(target["emu"], email=EMAIL))
    return lambda: client.post("/auth/api/callback/", body, content_type="application/json")


def _api_refresh(target: dict[str, Any], client: Client) -> Request:
    body = json.dumps(app_code(target["emu"], email=EMAIL))
    tokens = client.post("/auth/api/callback/", body, content_type="application/json").json()
    refresh = json.dumps({"refreshToken": tokens["refreshToken"]})
    return lambda: client.post("/auth/api/refresh/", refresh, content_type="application/json")


def _sso_first(target: dict[str, Any], client: Client) -> Request:
    from django_authkit.signin.start import pkce_pair
    from django_authkit.workos import get_workos
    from tests.test_signin_pipeline import APP_REDIRECT

    target["settings"].AUTHKIT = {**target["settings"].AUTHKIT, "API_SSO_EXCHANGE_FIRST": True}
    verifier, challenge = pkce_pair()
    url = get_workos().sso.get_authorization_url(
        redirect_uri=APP_REDIRECT, state="s", connection="conn_everyone",
        code_challenge=challenge, code_challenge_method="S256",
    )
    back = urlsplit(target["emu"].control.complete_sign_in(url, email=EMAIL))
    code = dict(p.split("=", 1) for p in back.query.split("&"))["code"]
    body = json.dumps({"code": code, "codeVerifier": verifier})
    return lambda: client.post("/auth/api/callback/", body, content_type="application/json")


def _switch_organization(target: dict[str, Any], client: Client) -> Request:
    assert signed_in_via_callback(target, client).status_code == 302
    return lambda: client.post("/auth/switch-organization/", {"organization_id": target["org"]})


def _session_refresh(target: dict[str, Any], client: Client) -> Request:
    assert signed_in_via_callback(target, client).status_code == 302
    return lambda: client.post("/auth/refresh/")  # names the session's organization: forced


ENTRY_POINTS: dict[str, Callable[[dict[str, Any], Client], Request]] = {
    "callback": _callback,
    "native": _native,
    "api-callback": _api_callback,
    "api-refresh": _api_refresh,
    "sso-first": _sso_first,
    "switch-organization": _switch_organization,
    "session-refresh": _session_refresh,
}


def _inject(failure: str, entry_point: str, target: dict[str, Any]) -> None:
    emu, settings = target["emu"], target["settings"]
    if failure == "workos_5xx":
        path = "/sso/token" if entry_point == "sso-first" else EXCHANGE
        emu.control.fault(path, method="POST", status=500, count=None)
    elif failure == "credentials":
        settings.AUTHKIT = {**settings.AUTHKIT, "API_KEY": "sk_test_not_this_sites"}
    else:
        emu.control.misissue_token(claims={"iss": FOREIGN_ISSUER}, count=None)


def _outcome(response: Any) -> tuple[int, str | None, str]:
    """Status, stable code (JSON ``error`` or the page's ``<code>``), and the text shown."""
    text = response.content.decode()
    if response["Content-Type"].startswith("application/json"):
        return response.status_code, response.json()["error"], response.json()["message"]
    code = text.split("<code>", 1)[1].split("</code>", 1)[0] if "<code>" in text else None
    return response.status_code, code, text.replace("&#x27;", "'")


CASES = [
    (failure, entry_point)
    for failure in EXPECTED
    for entry_point in ENTRY_POINTS
    if not (failure == "unverified" and entry_point == "sso-first")  # no token to verify
]


@pytest.mark.parametrize(("failure", "entry_point"), CASES)
def test_one_failure_one_outcome_everywhere(
    site: dict[str, Any], client: Client, caplog: pytest.LogCaptureFixture,  # noqa: F811
    failure: str, entry_point: str,
) -> None:
    site["settings"].AUTHKIT = {**site["settings"].AUTHKIT, "RATE_LIMITS": None}
    call = ENTRY_POINTS[entry_point](site, client)
    _inject(failure, entry_point, site)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="django_authkit"):
        response = call()
    status, code, shown = _outcome(response)
    expected_status, expected_code, words = EXPECTED[failure]
    assert status == expected_status, shown[:600]
    if entry_point != "native":  # the native form shows the message, not the code
        assert code == expected_code
    assert words in shown
    if failure == "workos_5xx":
        assert 1 <= int(response["Retry-After"]) <= 300
    else:
        assert not response.has_header("Retry-After")
    assert "Traceback" not in shown and "eyJ" not in shown
    ours = [r for r in caplog.records if r.name.startswith("django_authkit")]
    errors = [r.getMessage() for r in ours if r.levelno >= logging.ERROR]
    logged = " ".join(r.getMessage() for r in ours)
    assert "eyJ" not in logged and "sk_test_not_this_sites" not in logged
    if failure == "credentials":
        assert any("AUTHKIT['API_KEY']" in e for e in errors), errors
    if failure == "unverified":
        assert len(errors) == 1, errors
        assert "wrong_issuer" in errors[0] and "AUTHKIT['ISSUER']" in errors[0]
        assert repr(site["emu"].issuer) in errors[0]  # the issuer accepted
        from django_authkit.tokens.verify import InvalidAccessToken

        if hasattr(InvalidAccessToken("wrong_issuer"), "received_issuer"):
            assert FOREIGN_ISSUER in errors[0]


def test_an_unverifiable_token_at_the_callback_is_a_502_page_for_the_operator(
    site: dict[str, Any], client: Client,  # noqa: F811
) -> None:
    """The page says whose fault it is and what to check; "try again" keeps ``next``."""
    call = _callback(site, client)
    site["emu"].control.misissue_token(foreign_key=True)
    response = call()
    assert response.status_code == 502
    body = response.content.decode().replace("&#x27;", "'")
    assert "<code>invalid_token</code>" in body
    assert "configuration or with WorkOS" in body and "AUTHKIT['CLIENT_ID']" in body
    assert 'href="/auth/sign-in/?next=%2Fafter%2F"' in body
    assert AuthKitSession.objects.count() == 0


@pytest.mark.parametrize("token", [{"opaque": True}, {"foreign_key": True},
                                   {"claims": {"sub": "user_someone_else"}}])
def test_every_kind_of_unverifiable_token_is_502(
    site: dict[str, Any], client: Client, token: dict[str, Any],  # noqa: F811
) -> None:
    call = _api_callback(site, client)
    site["emu"].control.misissue_token(**token)
    response = call()
    assert response.status_code == 502 and response.json()["error"] == "invalid_token"


def test_refresh_keeps_its_semantics(
    site: dict[str, Any], client: Client, caplog: pytest.LogCaptureFixture,  # noqa: F811
) -> None:
    """A page request refreshing: WorkOS failing keeps the session; a token that does
    not verify ends it as before, with the one ERROR line naming why."""
    settings = site["settings"]
    assert signed_in_via_callback(site, client).status_code == 302
    settings.AUTHKIT = {**settings.AUTHKIT, "REFRESH_AHEAD": 10**6}
    site["emu"].control.fault(EXCHANGE, method="POST", status=500)
    assert client.get("/").json()["organization_id"] == site["org"]  # still signed in
    site["emu"].control.misissue_token(claims={"iss": FOREIGN_ISSUER}, grant_type="refresh_token")
    with caplog.at_level(logging.WARNING, logger="django_authkit"):
        client.get("/")
    assert AuthKitSession.objects.get().ended_at is not None
    errors = [r.getMessage() for r in caplog.records
              if r.levelno >= logging.ERROR and r.name.startswith("django_authkit")]
    assert len(errors) == 1 and "wrong_issuer" in errors[0] and "a refresh" in errors[0]
