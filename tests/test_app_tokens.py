"""App tokens (``akt_``, API mode's SSO-first path) end when the user's sessions do.

Driven like a mobile app over real HTTP against the live server and the emulator, on
a site with three organizations (the operator's and two customers').
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model

from django_authkit.models import AuthKitSession, Membership
from django_authkit.sessions import bearer
from django_authkit.sessions.revocation import revoke_user_sessions
from django_authkit.signin.start import pkce_pair
from django_authkit.workos import get_workos

APP_REDIRECT = "com.example.app://callback"


@pytest.fixture
def app(
    authkit_emulator: Any, transactional_db: Any, live_server: Any, settings: Any
) -> Iterator[Any]:
    emu = authkit_emulator
    seeded = emu.control.seed({
        "organizations": [{"name": "Operator"}, {"name": "Acme", "domains": ["acme.test"]},
                          {"name": "Globex", "domains": ["globex.test"]}],
        "connections": [{"id": "conn_acme", "organization": "Acme"}],
    })
    emu.control.configure(redirect_uris=[APP_REDIRECT])
    settings.AUTHKIT = {**settings.AUTHKIT, "API_REDIRECT_URIS": [APP_REDIRECT],
                        "API_SSO_EXCHANGE_FIRST": True, "DEFAULT_ROLE": "member"}
    http = requests.Session()
    http.trust_env = False

    class App:
        base = live_server.url
        session = http
        acme = seeded["organizations"][1]["id"]

        def sso_sign_in(self, email: str = "sam@acme.test") -> dict[str, Any]:
            verifier, challenge = pkce_pair()
            url = get_workos().sso.get_authorization_url(
                redirect_uri=APP_REDIRECT, state="s", connection="conn_acme",
                code_challenge=challenge, code_challenge_method="S256",
            )
            back = parse_qs(urlsplit(emu.control.complete_sign_in(
                url, email=email, first_name="Sam")).query)
            response = self.post("/auth/api/callback/",
                                 {"code": back["code"][0], "codeVerifier": verifier})
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            assert body["token"].startswith("akt_")
            return body

        def authkit_sign_in(self) -> dict[str, Any]:
            verifier, challenge = pkce_pair()
            url = get_workos().user_management.get_authorization_url(
                redirect_uri=APP_REDIRECT, state="s", provider="authkit",
                code_challenge=challenge, code_challenge_method="S256",
            )
            back = parse_qs(urlsplit(emu.control.complete_sign_in(
                url, email="ada@globex.test", organization_name="Globex2")).query)
            response = self.post("/auth/api/callback/", {
                "code": back["code"][0], "codeVerifier": verifier, "redirect_uri": APP_REDIRECT})
            assert response.status_code == 200, response.text
            return dict(response.json())

        def post(self, path: str, body: Any, **kw: Any) -> requests.Response:
            return self.session.post(self.base + path, json=body, timeout=10, **kw)

        def whoami(self, token: str) -> requests.Response:
            return self.session.get(self.base + "/auth/session/", timeout=10,
                                    headers={"Authorization": f"Bearer {token}"})

        def sign_out(self, token: str) -> requests.Response:
            return self.session.post(self.base + "/auth/api/sign-out/", timeout=10,
                                     headers={"Authorization": f"Bearer {token}"})

    yield App()
    http.close()


def _user(body: dict[str, Any]) -> Any:
    return get_user_model()._default_manager.get(workos__workos_id=body["user"]["id"])


def test_api_sign_out_ends_the_app_token(app: Any) -> None:
    body = app.sso_sign_in()
    assert app.whoami(body["token"]).json()["user"]["id"] == body["user"]["id"]
    # Bearer only: no cookie, no CSRF token, and none handed out.
    assert not app.session.cookies
    out = app.sign_out(body["token"])
    assert out.status_code == 204, out.text
    assert "set-cookie" not in {k.lower() for k in out.headers}
    after = app.whoami(body["token"])
    assert after.status_code == 401 and after.json()["error"] == "invalid_token"
    assert app.sign_out(body["token"]).status_code == 401  # already ended


def test_api_sign_out_needs_a_token(app: Any) -> None:
    response = app.session.post(app.base + "/auth/api/sign-out/", timeout=10)
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    forged = app.sign_out("akt_" + "x" * 40)
    assert forged.status_code == 401


def test_revoke_user_sessions_ends_app_tokens(app: Any) -> None:
    first, second = app.sso_sign_in(), app.sso_sign_in()
    assert app.whoami(first["token"]).status_code == 200
    assert revoke_user_sessions(_user(first)) == 2  # no WorkOS call for an app token's row
    assert app.whoami(first["token"]).status_code == 401
    assert app.whoami(second["token"]).status_code == 401


def test_deactivation_and_deletion_end_app_tokens(app: Any) -> None:
    body = app.sso_sign_in()
    user = _user(body)
    user.is_active = False
    user.save()
    assert app.whoami(body["token"]).status_code == 401
    user.is_active = True
    user.save()
    assert app.whoami(body["token"]).status_code == 200
    user.delete()
    assert app.whoami(body["token"]).status_code == 401


def test_secret_key_fallbacks_do_not_extend_app_tokens(app: Any, settings: Any) -> None:
    body = app.sso_sign_in()
    assert app.whoami(body["token"]).status_code == 200
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "rotated-" + old
    settings.SECRET_KEY_FALLBACKS = [old]
    response = app.whoami(body["token"])
    assert response.status_code == 401, response.text


def test_roles_are_read_fresh(app: Any) -> None:
    body = app.sso_sign_in()
    assert body["user"]["organizationId"] == app.acme
    assert app.whoami(body["token"]).json()["role"] == "member"
    membership = Membership.objects.get(user=_user(body), organization__workos_id=app.acme)
    membership.role, membership.roles, membership.permissions = "viewer", ["viewer"], []
    membership.save()
    assert app.whoami(body["token"]).json()["role"] == "viewer"
    membership.status = "inactive"
    membership.save()
    assert app.whoami(body["token"]).json()["role"] is None  # removed: no role at all


def test_default_lifetime_is_short(app: Any) -> None:
    body = app.sso_sign_in()
    assert body["expiresAt"] - time.time() <= 900 + 5


def test_checking_an_app_token_costs_one_query(
    app: Any, django_assert_num_queries: Any
) -> None:
    body = app.sso_sign_in()
    with django_assert_num_queries(1):
        result = bearer.authenticate(body["token"])
    assert not isinstance(result, bearer.BearerFailure)
    assert result[1]["role"] == "member"


def test_api_sign_out_of_a_workos_session_ends_it_at_workos(
    app: Any, authkit_emulator: Any
) -> None:
    body = app.authkit_sign_in()
    authkit_emulator.control.clear_calls()
    out = app.sign_out(body["token"])
    assert out.status_code == 204, out.text
    assert authkit_emulator.control.calls(path="/user_management/sessions/revoke")
    refused = app.post("/auth/api/refresh/", {"refreshToken": body["refreshToken"]})
    assert refused.status_code == 401, refused.text
    assert not AuthKitSession.objects.filter(ended_at__isnull=True).exists()
