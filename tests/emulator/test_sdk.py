"""Fidelity: the official ``workos`` SDK against the emulator. A disagreement is our bug."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

workos = pytest.importorskip("workos")

from workos.organization_membership._resource import RoleSingle  # noqa: E402
from workos.session import seal_session_from_auth_response  # noqa: E402
from workos.user_management._resource import PasswordPlaintext  # noqa: E402

from tests.emulator.conftest import API_KEY, CLIENT_ID, REDIRECT, query_of  # noqa: E402


@pytest.fixture
def client(emu):
    return workos.WorkOSClient(
        api_key=API_KEY, client_id=CLIENT_ID, base_url=emu.url, max_retries=0
    )


def _sign_in(emu, client, pkce: bool = True, **choice):
    um = client.user_management
    if pkce:
        start = um.get_authorization_url_with_pkce(redirect_uri=REDIRECT, provider="authkit")
        q = query_of(emu.control.complete_sign_in(start["url"], **choice))
        assert q["state"] == start["state"]
        return um.authenticate_with_code_pkce(code=q["code"], code_verifier=start["code_verifier"])
    url = um.get_authorization_url(redirect_uri=REDIRECT, provider="authkit", state="s1")
    q = query_of(emu.control.complete_sign_in(url, **choice))
    return um.authenticate_with_code(code=q["code"])


def test_code_flow_and_refresh(emu, client) -> None:
    auth = _sign_in(
        emu, client, pkce=False, email="sdk@x.co", organization_name="Acme", role="admin"
    )
    assert auth.user.email == "sdk@x.co" and auth.organization_id
    method = auth.authentication_method
    assert getattr(method, "value", method) == "Password"
    again = client.user_management.authenticate_with_refresh_token(refresh_token=auth.refresh_token)
    assert (
        again.refresh_token != auth.refresh_token and again.organization_id == auth.organization_id
    )


def test_pkce_flow(emu, client) -> None:
    auth = _sign_in(emu, client, email="pkce@x.co")
    assert auth.access_token and auth.refresh_token


def test_oauth_and_impersonation_parse(emu, client) -> None:
    auth = _sign_in(emu, client, email="g@x.co", provider="GoogleOAuth")
    assert auth.oauth_tokens is not None and auth.oauth_tokens.scopes
    auth = _sign_in(emu, client, email="i@x.co", impersonator_email="root@corp.com")
    assert auth.impersonator is not None and auth.impersonator.email == "root@corp.com"


def test_refresh_errors_raise_bad_request(emu, client) -> None:
    from workos._errors import BadRequestError

    with pytest.raises(BadRequestError) as info:
        client.user_management.authenticate_with_refresh_token(refresh_token="nope")
    assert info.value.error == "invalid_grant" and info.value.request_id


def test_org_selection_error_class(emu, client) -> None:
    from workos._errors import OrganizationSelectionRequiredError

    emu.control.seed(
        {
            "organizations": [{"name": "One"}, {"name": "Two"}],
            "users": [{"email": "p@x.co", "password": "pw"}],
            "memberships": [
                {"user": "p@x.co", "organization": "One"},
                {"user": "p@x.co", "organization": "Two"},
            ],
        }
    )
    with pytest.raises(OrganizationSelectionRequiredError) as info:
        client.user_management.authenticate_with_password(email="p@x.co", password="pw")
    err = info.value
    assert err.pending_authentication_token
    org_id = (
        err.organizations[0]["id"]
        if isinstance(err.organizations[0], dict)
        else err.organizations[0].id
    )
    auth = client.user_management.authenticate_with_organization_selection(
        pending_authentication_token=err.pending_authentication_token, organization_id=org_id
    )
    assert auth.organization_id == org_id


def test_get_jwks(emu, client) -> None:
    jwks = client.user_management.get_jwks(client_id=CLIENT_ID)
    assert jwks.keys[0].kid == emu.control.state()["kid"]


def test_sealed_session_authenticate_and_refresh(emu, client) -> None:
    auth = _sign_in(emu, client, email="seal@x.co", organization_name="Acme", role="admin")
    password = Fernet.generate_key().decode()
    sealed = seal_session_from_auth_response(
        access_token=auth.access_token,
        refresh_token=auth.refresh_token,
        user=auth.user.to_dict(),
        cookie_password=password,
    )
    session = client.user_management.load_sealed_session(
        session_data=sealed, cookie_password=password
    )
    result = session.authenticate()
    assert result.authenticated, result
    assert result.session_id.startswith("session_")
    assert result.organization_id == auth.organization_id
    assert result.role == "admin" and "widgets:write" in result.permissions
    refreshed = session.refresh()
    assert refreshed.authenticated, refreshed
    assert refreshed.session_id == result.session_id
    logout_url = session.get_logout_url(return_to="http://localhost:8000/")
    assert logout_url.startswith(emu.url)


def test_expired_token_is_invalid_jwt(emu, client) -> None:
    emu.control.set_clock(offset=-301)
    auth = _sign_in(emu, client, email="exp@x.co")
    password = Fernet.generate_key().decode()
    sealed = seal_session_from_auth_response(
        access_token=auth.access_token,
        refresh_token=auth.refresh_token,
        user=auth.user.to_dict(),
        cookie_password=password,
    )
    result = client.user_management.load_sealed_session(
        session_data=sealed, cookie_password=password
    ).authenticate()
    assert not result.authenticated
    assert getattr(result.reason, "value", result.reason) == "invalid_jwt"


def test_users_crud_and_pagination(emu, client) -> None:
    um = client.user_management
    created = [
        um.create_user(
            email=f"u{i}@x.co", first_name=f"U{i}", password=PasswordPlaintext(password="pw")
        )
        for i in range(5)
    ]
    page = um.list_users(limit=2)
    assert [u.email for u in page.data] == ["u4@x.co", "u3@x.co"]
    assert page.list_metadata.after == created[3].id
    every = [u.email for u in page.auto_paging_iter()]
    assert every == [f"u{i}@x.co" for i in (4, 3, 2, 1, 0)]
    assert um.list_users(email="U2@x.co").data[0].id == created[2].id
    assert um.get_user(created[0].id).email == "u0@x.co"
    updated = um.update_user(created[0].id, first_name="Zed", external_id="ext-0")
    assert updated.first_name == "Zed"
    assert um.get_user_by_external_id("ext-0").id == created[0].id
    um.delete_user(created[0].id)
    from workos._errors import ConflictError, NotFoundError

    with pytest.raises(NotFoundError):
        um.get_user(created[0].id)
    with pytest.raises(ConflictError):
        um.create_user(email="u1@x.co")


def test_organizations_and_memberships(emu, client) -> None:
    orgs = client.organizations
    acme = orgs.create_organization(name="Acme", domains=["acme.com"], external_id="e-acme")
    globex = orgs.create_organization(name="Globex")
    assert [o.id for o in orgs.list_organizations(domains=["acme.com", "x.com"]).data] == [acme.id]
    assert [o.id for o in orgs.list_organizations(search="glob").data] == [globex.id]
    assert orgs.get_organization(acme.id).domains[0].domain == "acme.com"
    assert orgs.get_organization_by_external_id("e-acme").id == acme.id
    assert orgs.update_organization(globex.id, name="Globex 2").name == "Globex 2"
    user = client.user_management.create_user(email="m@x.co")
    om = client.organization_membership
    m = om.create_organization_membership(
        user_id=user.id, organization_id=acme.id, role=RoleSingle(role_slug="admin")
    )
    assert m.role.slug == "admin" and m.user.id == user.id
    listed = om.list_organization_memberships(user_id=user.id, statuses=["active"])
    assert [x.id for x in listed.data] == [m.id]
    assert om.get_organization_membership(m.id).organization_id == acme.id
    assert (
        om.update_organization_membership(m.id, role=RoleSingle(role_slug="member")).role.slug
        == "member"
    )
    assert om.deactivate_organization_membership(m.id).status == "inactive"
    assert om.reactivate_organization_membership(m.id).status == "active"
    om.delete_organization_membership(m.id)
    orgs.delete_organization(globex.id)
    assert [o.id for o in orgs.list_organizations().data] == [acme.id]


def test_sessions_list_and_revoke(emu, client) -> None:
    auth = _sign_in(emu, client, email="s@x.co")
    um = client.user_management
    sessions = um.list_sessions(auth.user.id).data
    assert len(sessions) == 1 and sessions[0].user_id == auth.user.id
    um.revoke_session(session_id=sessions[0].id)
    status = um.list_sessions(auth.user.id).data[0].status
    assert getattr(status, "value", status) == "revoked"


def test_retry_after_fault_is_honoured(emu) -> None:
    retrying = workos.WorkOSClient(
        api_key=API_KEY, client_id=CLIENT_ID, base_url=emu.url, max_retries=2
    )
    emu.control.fault("/user_management/users", method="GET", status=429, retry_after=0, count=2)
    assert retrying.user_management.list_users().data == []
    calls = emu.control.calls(path="/user_management/users")
    assert [c["status"] for c in calls] == [429, 429, 200]


def test_identities_and_organization_domains(emu, client) -> None:
    auth = _sign_in(emu, client, email="gh@x.co", provider="GitHubOAuth")
    (identity,) = client.user_management.get_user_identities(auth.user.id)
    assert getattr(identity.provider, "value", identity.provider) == "GitHubOAuth"
    org = client.organizations.create_organization(name="Dom")
    domains = client.organization_domains
    created = domains.create_organization_domain(domain="dom.com", organization_id=org.id)
    assert getattr(created.state, "value", created.state) == "pending"
    assert domains.get_organization_domain(created.id).domain == "dom.com"
    verified = domains.verify_organization_domain(created.id)
    assert getattr(verified.state, "value", verified.state) == "verified"
    assert client.organizations.list_organizations(domains=["dom.com"]).data[0].id == org.id
    domains.delete_organization_domain(created.id)
    assert client.organizations.get_organization(org.id).domains == []
