"""Client authentication at ``/user_management/authenticate`` as WorkOS does it.

A confidential client sends the API key as ``client_secret`` (body), as a Bearer
header, or both; a public PKCE client sends neither; a wrong credential is
``invalid_client`` (never the REST endpoints' ``unauthorized``).
"""

from __future__ import annotations

import pytest

workos = pytest.importorskip("workos")

from workos._errors import BadRequestError  # noqa: E402

from tests.emulator.conftest import (  # noqa: E402
    API_KEY,
    CLIENT_ID,
    REDIRECT,
    Api,
    exchange,
    get_code,
    pkce_pair,
    query_of,
    refresh,
)

AUTH = "/user_management/authenticate"


def test_body_only_client_secret_signs_in(emu) -> None:
    bare = Api(emu.url, key=None)  # no Authorization header at all
    code = get_code(emu, email="body@x.co")
    r = exchange(bare, code)
    assert r.status_code == 200, r.text
    again = refresh(bare, r.json()["refresh_token"])
    assert again.status_code == 200, again.text


def test_bearer_only_still_signs_in(emu, api) -> None:
    code = get_code(emu, email="bearer@x.co")
    body = {"grant_type": "authorization_code", "client_id": CLIENT_ID, "code": code}
    assert api.post(AUTH, json=body).status_code == 200


def test_public_pkce_client_signs_in_and_refreshes_with_the_sdk(emu) -> None:
    public = workos.create_public_client(client_id=CLIENT_ID, base_url=emu.url)
    um = public.user_management
    start = um.get_authorization_url_with_pkce(redirect_uri=REDIRECT, provider="authkit")
    q = query_of(emu.control.complete_sign_in(start["url"], email="spa@x.co"))
    auth = um.authenticate_with_code_pkce(code=q["code"], code_verifier=start["code_verifier"])
    assert auth.user.email == "spa@x.co" and auth.access_token
    calls = emu.control.calls(path=AUTH)
    assert calls[-1]["status"] == 200
    bare = Api(emu.url, key=None)
    body = {"grant_type": "refresh_token", "client_id": CLIENT_ID}
    r = bare.post(AUTH, json={**body, "refresh_token": auth.refresh_token})
    assert r.status_code == 200, r.text


def test_public_client_may_not_skip_pkce_or_use_other_grants(emu) -> None:
    bare = Api(emu.url, key=None)
    code = get_code(emu, email="nopkce@x.co")
    body = {"grant_type": "authorization_code", "client_id": CLIENT_ID, "code": code}
    r = bare.post(AUTH, json=body)
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"
    r = bare.post(
        AUTH,
        json={"grant_type": "password", "client_id": CLIENT_ID, "email": "a@b.c", "password": "x"},
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"
    # A session a confidential client opened is not refreshable without its secret.
    confidential = exchange(Api(emu.url), get_code(emu, email="conf@x.co")).json()
    r = bare.post(
        AUTH,
        json={
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "refresh_token": confidential["refresh_token"],
        },
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"
    # And PKCE still has to verify.
    _verifier, challenge = pkce_pair()
    code = get_code(emu, challenge=challenge, email="spa2@x.co")
    r = bare.post(AUTH, json={**body, "code": code, "code_verifier": "x" * 43})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_wrong_key_is_invalid_client_in_the_sdk(emu) -> None:
    bad = workos.WorkOSClient(
        api_key="sk_test_wrong", client_id=CLIENT_ID, base_url=emu.url, max_retries=0
    )
    code = get_code(emu, email="wrong@x.co")
    with pytest.raises(BadRequestError) as info:
        bad.user_management.authenticate_with_code(code=code)
    assert info.value.error == "invalid_client" and info.value.error_description
    # Body secret right, header wrong: still refused.
    r = Api(emu.url, key="sk_test_wrong").post(
        AUTH,
        json={
            "grant_type": "authorization_code",
            "client_id": CLIENT_ID,
            "client_secret": API_KEY,
            "code": get_code(emu, email="w2@x.co"),
        },
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"
    # REST endpoints keep their own answer for a bad key.
    r = Api(emu.url, key="sk_test_wrong").get("/user_management/users")
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized", "code": "unauthorized"}
