"""API mode driven like a mobile app: its own PKCE pair and state, plain ``requests``."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from django_authkit.models import Organization, WorkOSUser
from django_authkit.signin.start import pkce_pair
from django_authkit.workos import get_workos

APP_REDIRECT = "com.example.app://callback"


@pytest.fixture
def app(
    authkit_emulator: Any, transactional_db: Any, live_server: Any, settings: Any
) -> Iterator[Any]:
    """A 'mobile app': an HTTP session against the live server, and the emulator."""
    authkit_emulator.control.configure(redirect_uris=[APP_REDIRECT])
    settings.AUTHKIT = {**settings.AUTHKIT, "API_REDIRECT_URIS": [APP_REDIRECT]}
    http = requests.Session()
    http.trust_env = False

    class App:
        emu = authkit_emulator
        base = live_server.url
        session = http

        def authorize(self, **choice: Any) -> dict[str, str]:
            """Run the hosted sign-in as the app would; the redirect's code, plus PKCE."""
            verifier, challenge = pkce_pair()
            state = secrets.token_urlsafe(16)
            url = get_workos().user_management.get_authorization_url(
                redirect_uri=APP_REDIRECT, state=state, provider="authkit",
                code_challenge=challenge, code_challenge_method="S256",
            )
            back = parse_qs(urlsplit(self.emu.control.complete_sign_in(url, **choice)).query)
            assert back["state"] == [state]  # the app's own state check
            return {"code": back["code"][0], "codeVerifier": verifier, "state": state,
                    "redirect_uri": APP_REDIRECT}

        def post(self, path: str, body: Any) -> requests.Response:
            return self.session.post(self.base + path, json=body, timeout=10)

    yield App()
    http.close()  # no keep-alive connection may outlive the test's database


ADA = {"email": "ada@acme.test", "first_name": "Ada", "last_name": "Lovelace",
       "organization_name": "Acme", "role": "admin"}


def test_code_for_tokens_then_bearer_requests(app: Any) -> None:
    response = app.post("/auth/api/callback/", app.authorize(**ADA))
    assert response.status_code == 200, response.text
    assert "no-store" in response.headers["Cache-Control"]
    assert "csrftoken" not in response.cookies and "sessionid" not in response.cookies
    body = response.json()
    assert body["token"].count(".") == 2 and body["refreshToken"]
    assert body["tokenType"] == "Bearer" and body["expiresAt"] > 0
    user = body["user"]
    assert user["email"] == "ada@acme.test" and user["fullName"] == "Ada Lovelace"
    assert user["organizationId"].startswith("org_") and user["accessRole"] == "admin"
    assert body["sessionConfig"]["silentRenewal"]["url"].endswith("/auth/api/refresh/")
    assert WorkOSUser.objects.filter(workos_id=user["id"]).exists()  # provisioned

    auth = {"Authorization": f"Bearer {body['token']}"}
    who = app.session.get(app.base + "/whoami/", headers=auth, timeout=10)
    assert who.status_code == 200 and who.json() == {"email": "ada@acme.test"}
    session = app.session.get(app.base + "/auth/session/", headers=auth, timeout=10).json()
    assert session["role"] == "admin" and session["user"]["id"] == user["id"]
    members = app.session.get(app.base + "/members/", headers=auth, timeout=10)
    assert members.status_code == 200  # WorkOS permission via has_perm


def test_refresh_rotates_and_old_token_is_refused(app: Any) -> None:
    app.emu.control.configure(refresh_grace_seconds=0)
    first = app.post("/auth/api/callback/", app.authorize(**ADA)).json()
    Organization.objects.update(idle_timeout=900, warning_time=60)
    second = app.post("/auth/api/refresh/", {"refreshToken": first["refreshToken"]})
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refreshToken"] != first["refreshToken"]
    assert rotated["sessionConfig"]["idleTimeoutMinutes"] == 15
    assert rotated["sessionConfig"]["warningTimeMinutes"] == 1
    again = app.post("/auth/api/refresh/", {"refreshToken": first["refreshToken"]})
    assert again.status_code == 401 and again.json()["error"] == "invalid_refresh_token"
    app.emu.control.configure(refresh_grace_seconds=10)


def test_refresh_with_an_expired_bearer_header_still_works(app: Any) -> None:
    first = app.post("/auth/api/callback/", app.authorize(**ADA)).json()
    response = app.session.post(
        app.base + "/auth/api/refresh/", json={"refreshToken": first["refreshToken"]},
        headers={"Authorization": "Bearer not-a-valid-token"}, timeout=10,
    )
    assert response.status_code == 200


def test_provider_error_short_circuits(app: Any) -> None:
    app.emu.control.clear_calls()
    response = app.post("/auth/api/callback/", {"error": "access_denied", "state": "s"})
    assert response.status_code == 400
    assert response.json() == {"error": "provider_error", "message": "The sign-in was cancelled."}
    assert app.emu.control.calls(path="/user_management/authenticate") == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"code": None}, "code_missing"),
        ({"codeVerifier": None}, "pkce_required"),
        ({"codeVerifier": "short"}, "invalid_request"),
        ({"redirect_uri": "https://evil.test/cb"}, "invalid_redirect_uri"),
        ({"organizationId": "nope"}, "invalid_request"),
        ({"code": 42}, "invalid_request"),
    ],
)
def test_bad_requests(app: Any, change: dict[str, Any], code: str) -> None:
    body = {"code": "c", "codeVerifier": "v" * 43, "redirect_uri": APP_REDIRECT, **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = app.post("/auth/api/callback/", body)
    assert response.status_code == 400
    assert response.json()["error"] == code


def test_wrong_verifier_or_reused_code_is_invalid_code(app: Any) -> None:
    grant = app.authorize(**ADA)
    wrong = app.post("/auth/api/callback/", {**grant, "codeVerifier": "x" * 43})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_code"
    grant = app.authorize(**ADA)
    assert app.post("/auth/api/callback/", grant).status_code == 200
    reused = app.post("/auth/api/callback/", grant)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_code"


def test_not_json_and_missing_refresh_token(app: Any) -> None:
    raw = app.session.post(app.base + "/auth/api/callback/", data="code=1", timeout=10,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert raw.status_code == 400 and raw.json()["error"] == "invalid_request"
    missing = app.post("/auth/api/refresh/", {})
    assert missing.status_code == 400 and missing.json()["error"] == "no_refresh_token"


def test_workos_outage_is_503(app: Any) -> None:
    grant = app.authorize(**ADA)
    app.emu.control.fault("/user_management/authenticate", status=500)
    response = app.post("/auth/api/callback/", grant)
    assert response.status_code == 503 and response.json()["error"] == "workos_unavailable"
    assert response.headers["Retry-After"] == "5"


def test_organization_id_switches_organization(app: Any) -> None:
    seeded = app.emu.control.seed({"organizations": [{"name": "Beta"}]})
    beta = seeded["organizations"][0]["id"]
    first = app.post("/auth/api/callback/", app.authorize(**ADA)).json()
    app.emu.control.seed({"memberships": [{"user": first["user"]["id"],
                                           "organization": beta, "role": "member"}]})
    response = app.post("/auth/api/callback/", {**app.authorize(**ADA), "organizationId": beta})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["organizationId"] == beta


def test_api_mode_can_be_disabled(app: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "API_MODE": False}
    response = app.post("/auth/api/callback/", {"code": "x"})
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_rate_limit_on_failed_api_callbacks(app: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMITS": {"api-callback": "2/d",
                                                            "api-refresh": "3/d"}}
    for _ in range(2):
        assert app.post("/auth/api/callback/", {"code": "x"}).status_code == 400
    limited = app.post("/auth/api/callback/", {"code": "x"})
    assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    codes = [app.post("/auth/api/refresh/", {"refreshToken": "r"}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_sso_exchange_first_falls_back_to_authkit(app: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "API_SSO_EXCHANGE_FIRST": True}
    app.emu.control.clear_calls()
    response = app.post("/auth/api/callback/", app.authorize(**ADA))
    assert response.status_code == 200, response.text
    assert response.json()["refreshToken"]
    assert app.emu.control.calls(path="/sso/token")  # tried first


def test_sso_exchange_first_answers_an_sso_code(app: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "API_SSO_EXCHANGE_FIRST": True}
    verifier, challenge = pkce_pair()
    url = get_workos().sso.get_authorization_url(
        redirect_uri=APP_REDIRECT, state="s", provider="GoogleOAuth", code_challenge=challenge
    )
    back = parse_qs(urlsplit(app.emu.control.complete_sign_in(
        url, email="sso@acme.test", first_name="Sam", last_name="Sso")).query)
    response = app.post("/auth/api/callback/", {"code": back["code"][0], "codeVerifier": verifier})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refreshToken"] is None and body["token"].startswith("akt_")
    assert body["user"]["id"].startswith("user_")  # a WorkOS user, provisioned here
    assert body["user"]["email"] == "sso@acme.test" and body["user"]["fullName"] == "Sam Sso"
    assert body["sessionConfig"]["silentRenewal"]["enabled"] is False
    assert app.emu.control.calls(path="/user_management/authenticate") == []
    assert WorkOSUser.objects.filter(workos_id=body["user"]["id"]).exists()
    who = app.session.get(app.base + "/whoami/", timeout=10,
                          headers={"Authorization": f"Bearer {body['token']}"})
    # The bearer token authenticates the provisioned user. No organization has verified
    # acme.test, so by the e-mail rule the address is not copied onto the local account.
    assert who.status_code == 200 and who.json() == {"email": ""}
    assert WorkOSUser.objects.get(workos_id=body["user"]["id"]).email == "sso@acme.test"


def test_session_config_has_every_field_of_the_contract(app: Any) -> None:
    Organization.objects.all().delete()
    body = app.post("/auth/api/callback/", app.authorize(**ADA)).json()
    Organization.objects.update(idle_timeout=600)
    config = app.post("/auth/api/refresh/", {"refreshToken": body["refreshToken"]}).json()[
        "sessionConfig"]
    assert set(config) >= {
        "enabled", "idleTimeoutMinutes", "tokenExpiryHours", "warningTimeMinutes",
        "idleTrackingEnabled", "ssoSilentRenewalEnabled", "ssoFallbackBehavior",
        "passwordSilentRenewalEnabled", "passwordFallbackBehavior", "silentRenewal",
    }
    assert config["idleTrackingEnabled"] is True and config["idleTimeoutMinutes"] == 10
    assert config["ssoSilentRenewalEnabled"] is config["passwordSilentRenewalEnabled"] is True
    assert config["ssoFallbackBehavior"] == config["passwordFallbackBehavior"] == "logout"


def test_redirect_uri_falls_back_and_is_checked(app: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "REDIRECT_URI": "https://site.test/auth/callback/"}
    without = {k: v for k, v in app.authorize(**ADA).items() if k != "redirect_uri"}
    assert app.post("/auth/api/callback/", without).status_code == 200
    own = {**app.authorize(**ADA), "redirect_uri": "https://site.test/auth/callback/"}
    assert app.post("/auth/api/callback/", own).status_code == 200
    other = {**without, **app.authorize(**ADA), "redirectUri": "https://site.test/elsewhere/"}
    del other["redirect_uri"]
    refused = app.post("/auth/api/callback/", other)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_redirect_uri"
