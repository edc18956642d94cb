"""Sign-in against the real emulator over HTTP: PKCE code exchange, refresh, logout."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from django_authkit.client import (
    AuthenticationError,
    AuthenticationResponse,
    BadRequestError,
    WorkOSClient,
)
from tests.client.conftest import EMU_CLIENT_ID, REDIRECT_URI


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_in(emu: Any, workos: WorkOSClient, **choice: Any) -> tuple[str, str]:
    """Run the hosted page; return (code, verifier)."""
    verifier, challenge = pkce()
    url = workos.user_management.get_authorization_url(
        redirect_uri=REDIRECT_URI, state="state-123", provider="authkit", code_challenge=challenge
    )
    choice.setdefault("email", "ada@acme.test")
    callback = emu.control.complete_sign_in(url, **choice)
    assert callback.startswith(REDIRECT_URI)
    query = parse_qs(urlsplit(callback).query)
    assert query["state"] == ["state-123"]
    return query["code"][0], verifier


def claims(workos: WorkOSClient, token: str) -> dict[str, Any]:
    jwks = workos.user_management.get_jwks()
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    public = jwt.PyJWK.from_dict(key).key
    return dict(jwt.decode(token, public, algorithms=["RS256"], options={"verify_aud": False}))


def test_code_exchange_with_pkce(emu: Any, workos: WorkOSClient) -> None:
    code, verifier = sign_in(emu, workos, first_name="Ada", organization_name="Acme", role="admin")
    auth = workos.user_management.authenticate_with_code(
        code=code, code_verifier=verifier, ip_address="10.1.2.3", user_agent="pytest"
    )
    assert isinstance(auth, AuthenticationResponse)
    assert auth.user.email == "ada@acme.test" and auth.user.first_name == "Ada"
    assert auth.user.id.startswith("user_") and auth.user.created_at is not None
    assert auth.organization_id is not None and auth.organization_id.startswith("org_")
    assert auth.refresh_token and auth.access_token.count(".") == 2
    token = claims(workos, auth.access_token)
    assert token["sub"] == auth.user.id and token["sid"].startswith("session_")
    assert token["org_id"] == auth.organization_id and token["role"] == "admin"
    (call,) = emu.control.calls(path="/user_management/authenticate")
    assert call["grant_type"] == "authorization_code" and call["status"] == 200


def test_a_code_is_single_use(emu: Any, workos: WorkOSClient) -> None:
    code, verifier = sign_in(emu, workos)
    workos.user_management.authenticate_with_code(code=code, code_verifier=verifier)
    with pytest.raises(BadRequestError) as info:
        workos.user_management.authenticate_with_code(code=code, code_verifier=verifier)
    assert info.value.is_invalid_grant and info.value.request_id
    assert code not in str(info.value)


def test_a_wrong_verifier_is_refused(emu: Any, workos: WorkOSClient) -> None:
    code, _ = sign_in(emu, workos)
    with pytest.raises(BadRequestError) as info:
        workos.user_management.authenticate_with_code(code=code, code_verifier=pkce()[0])
    assert info.value.is_invalid_grant


def test_refresh_rotates_and_the_old_token_dies_in_strict_mode(
    emu: Any, workos: WorkOSClient
) -> None:
    emu.control.configure(refresh_grace_seconds=0)
    code, verifier = sign_in(emu, workos, organization_name="Acme", role="member")
    first = workos.user_management.authenticate_with_code(code=code, code_verifier=verifier)
    second = workos.user_management.authenticate_with_refresh_token(
        refresh_token=first.refresh_token
    )
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert second.user.id == first.user.id and second.organization_id == first.organization_id
    assert claims(workos, second.access_token)["sid"] == claims(workos, first.access_token)["sid"]
    with pytest.raises(BadRequestError) as info:
        workos.user_management.authenticate_with_refresh_token(refresh_token=first.refresh_token)
    assert info.value.is_invalid_grant
    assert first.refresh_token not in str(info.value)
    third = workos.user_management.authenticate_with_refresh_token(
        refresh_token=second.refresh_token
    )
    assert third.refresh_token not in (first.refresh_token, second.refresh_token)


def test_refresh_replay_within_the_grace_window_returns_the_same_pair(
    emu: Any, workos: WorkOSClient
) -> None:
    code, verifier = sign_in(emu, workos)
    first = workos.user_management.authenticate_with_code(code=code, code_verifier=verifier)
    um = workos.user_management
    a = um.authenticate_with_refresh_token(refresh_token=first.refresh_token)
    b = um.authenticate_with_refresh_token(refresh_token=first.refresh_token)
    assert (a.access_token, a.refresh_token) == (b.access_token, b.refresh_token)


def test_logout_url_ends_the_session(emu: Any, workos: WorkOSClient) -> None:
    code, verifier = sign_in(emu, workos)
    auth = workos.user_management.authenticate_with_code(code=code, code_verifier=verifier)
    sid = claims(workos, auth.access_token)["sid"]
    sessions = workos.user_management.list_sessions(auth.user.id)
    assert [s.id for s in sessions] == [sid] and sessions.data[0].status == "active"
    url = workos.user_management.get_logout_url(session_id=sid, return_to="http://localhost:8000/")
    browser = requests.get(url, allow_redirects=False, timeout=5)
    assert browser.status_code == 302 and browser.headers["Location"] == "http://localhost:8000/"
    with pytest.raises(BadRequestError) as info:
        workos.user_management.authenticate_with_refresh_token(refresh_token=auth.refresh_token)
    assert info.value.is_invalid_grant


def test_revoke_session_ends_refresh(emu: Any, workos: WorkOSClient) -> None:
    emu.control.configure(refresh_grace_seconds=0)
    code, verifier = sign_in(emu, workos)
    auth = workos.user_management.authenticate_with_code(code=code, code_verifier=verifier)
    workos.user_management.revoke_session(claims(workos, auth.access_token)["sid"])
    with pytest.raises(BadRequestError) as info:
        workos.user_management.authenticate_with_refresh_token(refresh_token=auth.refresh_token)
    assert info.value.is_invalid_grant
    (session,) = workos.user_management.list_sessions(auth.user.id)
    assert session.status == "revoked"


def test_jwks(emu: Any, workos: WorkOSClient) -> None:
    jwks = workos.user_management.get_jwks()
    assert jwks["keys"] and all(k["kty"] == "RSA" and k["kid"] for k in jwks["keys"])
    assert workos.user_management.get_jwks_url() == f"{emu.url}/sso/jwks/{EMU_CLIENT_ID}"


def test_a_wrong_api_key_is_an_authentication_error(emu: Any) -> None:
    bad = WorkOSClient(api_key="sk_test_wrong", client_id=EMU_CLIENT_ID, base_url=emu.url)
    with pytest.raises(AuthenticationError) as info:
        bad.user_management.list_users()
    assert info.value.status_code == 401 and info.value.request_id
    assert "sk_test_wrong" not in str(info.value)


def test_organization_selection_step_up(emu: Any, workos: WorkOSClient) -> None:
    from django_authkit.client import OrganizationSelectionRequiredError

    code, verifier = sign_in(emu, workos, email="two@orgs.test")
    um = workos.user_management
    (user,) = um.list_users(email="two@orgs.test")
    orgs = [workos.organizations.create_organization(name=n) for n in ("North", "South")]
    for org in orgs:
        um.create_organization_membership(user_id=user.id, organization_id=org.id)
    with pytest.raises(OrganizationSelectionRequiredError) as info:
        um.authenticate_with_code(code=code, code_verifier=verifier)
    exc = info.value
    assert exc.status_code == 403 and exc.code == "organization_selection_required"
    assert sorted(o["name"] for o in exc.organizations) == ["North", "South"]
    assert exc.user is not None and exc.user["id"] == user.id
    assert exc.pending_authentication_token
    assert exc.pending_authentication_token not in str(exc)
    auth = um.authenticate_with_organization_selection(
        pending_authentication_token=exc.pending_authentication_token,
        organization_id=orgs[1].id,
    )
    assert auth.organization_id == orgs[1].id and auth.user.id == user.id
