"""POST /user_management/authenticate: code, PKCE, refresh rotation, password, org selection."""

from __future__ import annotations

import time

import jwt
import pytest

from tests.emulator.conftest import (
    API_KEY,
    CLIENT_ID,
    Api,
    exchange,
    get_code,
    pkce_pair,
    refresh,
    sign_in,
)

AUTH = "/user_management/authenticate"
APPENDIX_A_USER = {
    "id", "email", "email_verified", "first_name", "last_name", "profile_picture_url",
    "external_id", "last_sign_in_at", "created_at", "updated_at",
}  # fmt: skip


def claims_of(emu, token: str) -> dict:
    jwks = jwt.PyJWKSet.from_dict(Api(emu.url, key=None).get(f"/sso/jwks/{CLIENT_ID}").json())
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    key = next(k for k in jwks.keys if k.key_id == header["kid"])
    return jwt.decode(token, key.key, algorithms=["RS256"], issuer=emu.issuer)


def test_code_exchange_shape_and_claims(emu, api: Api) -> None:
    data = sign_in(emu, api, email="solo@x.co", first_name="Solo")
    assert APPENDIX_A_USER <= set(data["user"])
    assert data["user"]["last_sign_in_at"].endswith("Z")
    assert data["authentication_method"] == "Password"
    assert "organization_id" not in data and "impersonator" not in data
    assert "oauth_tokens" not in data
    claims = claims_of(emu, data["access_token"])
    assert claims["sub"] == data["user"]["id"]
    assert claims["sid"].startswith("session_") and len(claims["sid"]) == len("session_") + 26
    assert claims["iss"] == f"{emu.url}/user_management/{CLIENT_ID}"
    assert claims["exp"] - claims["iat"] == 300
    assert "org_id" not in claims and "act" not in claims and claims["jti"]
    (session,) = emu.control.state()["sessions"]
    assert session["id"] == claims["sid"] and session["status"] == "active"
    assert session["auth_method"] == "password"


def test_org_scoped_claims_use_role_catalog(emu, api: Api) -> None:
    emu.control.seed(
        {
            "roles": [{"slug": "owner", "name": "Owner", "permissions": ["all:do"]}],
            "organizations": [{"name": "Acme", "entitlements": ["sso"], "feature_flags": ["beta"]}],
            "users": [{"email": "o@acme.com"}],
            "memberships": [{"user": "o@acme.com", "organization": "Acme", "role": "owner"}],
        }
    )
    data = sign_in(emu, api, email="o@acme.com")
    claims = claims_of(emu, data["access_token"])
    assert claims["org_id"] == data["organization_id"]
    assert claims["role"] == "owner" and claims["roles"] == ["owner"]
    assert claims["permissions"] == ["all:do"]
    assert claims["entitlements"] == ["sso"] and claims["feature_flags"] == ["beta"]


def test_default_roles(emu, api: Api) -> None:
    data = sign_in(emu, api, email="a@b.co", organization_name="Acme", role="admin")
    claims = claims_of(emu, data["access_token"])
    assert claims["permissions"] == ["widgets:read", "widgets:write", "members:manage"]
    data = sign_in(emu, api, email="m@b.co", organization_name="Acme")
    assert claims_of(emu, data["access_token"])["permissions"] == ["widgets:read"]
    assert "entitlements" not in claims


def test_code_is_single_use_and_expires(emu, api: Api) -> None:
    code = get_code(emu, email="a@b.co")
    assert exchange(api, code).status_code == 200
    again = exchange(api, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    code = get_code(emu, email="a@b.co")
    emu.control.set_clock(advance=601)
    assert exchange(api, code).json()["error"] == "invalid_grant"


def test_code_bound_to_client_and_secret(emu, api: Api) -> None:
    code = get_code(emu, email="a@b.co")
    r = exchange(api, code, client_id="client_other")
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"
    r = exchange(api, code, client_secret="sk_wrong")
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"
    assert exchange(api, code).status_code == 200


def test_pkce(emu, api: Api) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(emu, challenge=challenge, email="a@b.co")
    assert exchange(api, code, code_verifier=verifier).status_code == 200
    code = get_code(emu, challenge=challenge, email="a@b.co")
    r = exchange(api, code, code_verifier="wrong-verifier-wrong-verifier-wrong-verifier")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    code = get_code(emu, challenge=challenge, email="a@b.co")
    r = exchange(api, code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_unknown_grant_and_missing_bearer(emu, api: Api) -> None:
    r = api.post(AUTH, json={"grant_type": "magic", "client_id": CLIENT_ID})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = Api(emu.url, key=None).post(AUTH, json={"grant_type": "refresh_token"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"
    assert r.headers["X-Request-ID"]


def test_form_body_accepted(emu, api: Api) -> None:
    code = get_code(emu, email="a@b.co")
    r = api.post(
        AUTH,
        data={
            "grant_type": "authorization_code",
            "client_id": CLIENT_ID,
            "client_secret": API_KEY,
            "code": code,
            "unknown": "ignored",
        },
    )
    assert r.status_code == 200


def test_refresh_rotates_and_keeps_sid(emu, api: Api) -> None:
    first = sign_in(emu, api, email="a@b.co")
    second = refresh(api, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert (
        claims_of(emu, second["access_token"])["sid"]
        == claims_of(emu, first["access_token"])["sid"]
    )
    assert second["user"]["id"] == first["user"]["id"]
    third = refresh(api, second["refresh_token"])
    assert third.status_code == 200


def test_refresh_grace_replays_same_pair(emu, api: Api) -> None:
    first = sign_in(emu, api, email="a@b.co")
    second = refresh(api, first["refresh_token"]).json()
    replay = refresh(api, first["refresh_token"]).json()
    assert replay["refresh_token"] == second["refresh_token"]
    assert replay["access_token"] == second["access_token"]
    emu.control.set_clock(advance=11)
    late = refresh(api, first["refresh_token"])
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    assert refresh(api, second["refresh_token"]).status_code == 200


def test_strict_refresh(emu, api: Api) -> None:
    emu.control.configure(refresh_grace_seconds=0)
    first = sign_in(emu, api, email="a@b.co")
    assert refresh(api, first["refresh_token"]).status_code == 200
    r = refresh(api, first["refresh_token"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_refresh_unknown_token(emu, api: Api) -> None:
    r = refresh(api, "nope")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert r.json()["error_description"]


def test_refresh_fails_after_revoke_and_logout(emu, api: Api) -> None:
    data = sign_in(emu, api, email="a@b.co")
    sid = claims_of(emu, data["access_token"])["sid"]
    assert api.post("/user_management/sessions/revoke", json={"session_id": sid}).status_code == 200
    assert refresh(api, data["refresh_token"]).json()["error"] == "invalid_grant"
    data = sign_in(emu, api, email="a@b.co")
    sid = claims_of(emu, data["access_token"])["sid"]
    pub = Api(emu.url, key=None)
    r = pub.get(
        "/user_management/sessions/logout",
        params={"session_id": sid, "return_to": "http://localhost:8000/bye"},
    )
    assert r.status_code == 302 and r.headers["Location"] == "http://localhost:8000/bye"
    assert refresh(api, data["refresh_token"]).json()["error"] == "invalid_grant"
    # Disallowed return_to: no redirect.
    r = pub.get(
        "/user_management/sessions/logout",
        params={"session_id": sid, "return_to": "https://evil.example/"},
    )
    assert r.status_code == 200 and r.json() == {"success": True}
    assert pub.get("/user_management/sessions/logout").status_code == 422
    sessions = api.get(f"/user_management/users/{data['user']['id']}/sessions").json()["data"]
    assert {s["status"] for s in sessions} == {"revoked"}
    assert all(s["ended_at"] for s in sessions)


def test_revoke_unknown_session(emu, api: Api) -> None:
    r = api.post("/user_management/sessions/revoke", json={"session_id": "session_nope"})
    assert r.status_code == 400


def test_refresh_switches_organization(emu, api: Api) -> None:
    seeded = emu.control.seed(
        {
            "organizations": [{"name": "One"}, {"name": "Two"}, {"name": "Other"}],
            "users": [{"email": "m@x.co"}],
            "memberships": [
                {"user": "m@x.co", "organization": "One"},
                {"user": "m@x.co", "organization": "Two", "role": "admin"},
            ],
        }
    )
    one, two, other = (o["id"] for o in seeded["organizations"])
    data = sign_in(emu, api, email="m@x.co", organization_id=one)
    assert data["organization_id"] == one
    switched = refresh(api, data["refresh_token"], organization_id=two).json()
    assert switched["organization_id"] == two
    claims = claims_of(emu, switched["access_token"])
    assert claims["org_id"] == two and claims["role"] == "admin"
    bad = refresh(api, switched["refresh_token"], organization_id=other)
    assert bad.status_code == 400 and bad.json()["error"] == "organization_membership_not_found"
    # A refresh without organization_id keeps the current organization.
    kept = refresh(api, switched["refresh_token"]).json()
    assert kept["organization_id"] == two


def test_refresh_reflects_role_change(emu, api: Api) -> None:
    data = sign_in(emu, api, email="a@b.co", organization_name="Acme")
    (m,) = emu.control.state()["memberships"]
    api.put(f"/user_management/organization_memberships/{m['id']}", json={"role_slug": "admin"})
    new = refresh(api, data["refresh_token"]).json()
    assert claims_of(emu, new["access_token"])["role"] == "admin"


def test_impersonation(emu, api: Api) -> None:
    data = sign_in(
        emu,
        api,
        email="u@b.co",
        impersonator_email="Admin@Corp.com",
        impersonation_reason="ticket 42",
    )
    assert data["authentication_method"] == "Impersonation"
    assert data["impersonator"] == {"email": "admin@corp.com", "reason": "ticket 42"}
    assert claims_of(emu, data["access_token"])["act"] == {"sub": "admin@corp.com"}
    again = refresh(api, data["refresh_token"]).json()
    assert again["impersonator"]["email"] == "admin@corp.com"
    assert claims_of(emu, again["access_token"])["act"] == {"sub": "admin@corp.com"}
    (session,) = emu.control.state()["sessions"]
    assert session["auth_method"] == "impersonation" and session["impersonator"]


@pytest.mark.parametrize("provider", ["GoogleOAuth", "MicrosoftOAuth", "GitHubOAuth"])
def test_oauth_providers(emu, api: Api, provider: str) -> None:
    data = sign_in(emu, api, email="o@b.co", provider=provider)
    assert data["authentication_method"] == provider
    tokens = data["oauth_tokens"]
    assert set(tokens) == {"provider", "access_token", "refresh_token", "expires_at", "scopes"}
    assert tokens["provider"] == provider
    # find-or-create by e-mail: a second sign-in is the same user.
    assert sign_in(emu, api, email="O@b.co", provider=provider)["user"]["id"] == data["user"]["id"]
    assert "oauth_tokens" not in refresh(api, data["refresh_token"]).json()


def test_preselected_provider_via_authorize(emu, api: Api) -> None:
    data = sign_in(emu, api, email="g@b.co", params={"provider": "GoogleOAuth"})
    assert data["authentication_method"] == "GoogleOAuth"


def test_password_grant(emu, api: Api) -> None:
    emu.control.seed({"users": [{"email": "p@b.co", "password": "s3cret!"}]})
    body = {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": API_KEY}
    ok = api.post(AUTH, json={**body, "email": "P@b.co", "password": "s3cret!"})
    assert ok.status_code == 200 and ok.json()["authentication_method"] == "Password"
    bad = api.post(AUTH, json={**body, "email": "p@b.co", "password": "nope"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_credentials"
    assert "s3cret" not in str(emu.control.state())


def test_organization_selection_required_and_grant(emu, api: Api) -> None:
    seeded = emu.control.seed(
        {
            "organizations": [{"name": "One"}, {"name": "Two"}],
            "users": [{"email": "p@b.co", "password": "pw"}],
            "memberships": [
                {"user": "p@b.co", "organization": "One"},
                {"user": "p@b.co", "organization": "Two"},
            ],
        }
    )
    body = {"client_id": CLIENT_ID, "client_secret": API_KEY}
    r = api.post(AUTH, json={**body, "grant_type": "password", "email": "p@b.co", "password": "pw"})
    assert r.status_code == 403
    err = r.json()
    assert err["code"] == "organization_selection_required"
    assert {o["name"] for o in err["organizations"]} == {"One", "Two"}
    assert err["user"]["email"] == "p@b.co"
    grant = "urn:workos:oauth:grant-type:organization-selection"
    two = seeded["organizations"][1]["id"]
    ok = api.post(
        AUTH,
        json={
            **body,
            "grant_type": grant,
            "pending_authentication_token": err["pending_authentication_token"],
            "organization_id": two,
        },
    )
    assert ok.status_code == 200 and ok.json()["organization_id"] == two
    reused = api.post(
        AUTH,
        json={
            **body,
            "grant_type": grant,
            "pending_authentication_token": err["pending_authentication_token"],
            "organization_id": two,
        },
    )
    assert reused.status_code == 400


def test_single_membership_scopes_implicitly(emu, api: Api) -> None:
    emu.control.seed(
        {
            "organizations": [{"name": "One"}],
            "users": [{"email": "p@b.co"}],
            "memberships": [{"user": "p@b.co", "organization": "One"}],
        }
    )
    assert sign_in(emu, api, email="p@b.co")["organization_id"].startswith("org_")


def test_clock_offset_mints_short_lived_tokens(emu, api: Api) -> None:
    emu.control.set_clock(offset=-290)
    data = sign_in(emu, api, email="a@b.co")
    raw = jwt.decode(data["access_token"], options={"verify_signature": False})
    now = time.time()
    assert raw["iat"] <= now
    assert 5 <= raw["exp"] - now <= 11
    emu.control.set_clock(offset=3600)
    raw = jwt.decode(
        refresh(api, data["refresh_token"]).json()["access_token"],
        options={"verify_signature": False},
    )
    assert raw["iat"] <= time.time() + 1
    assert raw["exp"] - time.time() > 3600


def test_session_expiry_uses_emulated_clock(emu, api: Api) -> None:
    emu.control.configure(session_ttl=60)
    data = sign_in(emu, api, email="a@b.co")
    emu.control.set_clock(advance=61)
    assert refresh(api, data["refresh_token"]).json()["error"] == "invalid_grant"


def test_access_token_ttl_config(emu, api: Api) -> None:
    emu.control.configure(access_token_ttl=60)
    raw = jwt.decode(
        sign_in(emu, api, email="a@b.co")["access_token"], options={"verify_signature": False}
    )
    assert raw["exp"] - raw["iat"] == 60


def test_deleted_user_code_fails(emu, api: Api) -> None:
    code = get_code(emu, email="gone@b.co")
    (user,) = emu.control.state()["users"]
    assert api.delete(f"/user_management/users/{user['id']}").status_code == 204
    assert exchange(api, code).json()["error"] == "invalid_grant"


def test_jwks(emu, api: Api) -> None:
    pub = Api(emu.url, key=None)
    keys = pub.get(f"/sso/jwks/{CLIENT_ID}").json()["keys"]
    (key,) = keys
    assert {"kty", "n", "e", "kid", "alg", "use", "x5c", "x5t#S256"} <= set(key)
    assert key["alg"] == "RS256" and key["use"] == "sig"
    assert pub.get("/sso/jwks/client_other").status_code == 404
    emu.control.reset()
    assert pub.get(f"/sso/jwks/{CLIENT_ID}").json()["keys"][0]["kid"] == key["kid"]
