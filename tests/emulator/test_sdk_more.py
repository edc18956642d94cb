"""The rest of the served SDK calls: organization roles, SSO with PKCE, the generic
``create_authenticate``, and webhook endpoints."""

from __future__ import annotations

import pytest

workos = pytest.importorskip("workos")

from workos._errors import NotFoundError  # noqa: E402
from workos.organization_membership._resource import RoleSingle  # noqa: E402

from tests.emulator.conftest import API_KEY, CLIENT_ID, REDIRECT, get_code, query_of  # noqa: E402


@pytest.fixture
def client(emu):
    return workos.WorkOSClient(
        api_key=API_KEY, client_id=CLIENT_ID, base_url=emu.url, max_retries=0
    )


def test_organization_role_permissions_and_external_id_checks(emu, client) -> None:
    authz = client.authorization
    org = client.organizations.create_organization(name="Roles Org")
    authz.create_organization_role(org.id, name="Support", slug="org-support")
    assert authz.update_organization_role(org.id, "org-support", name="Helpdesk").name == "Helpdesk"
    role = authz.set_organization_role_permissions(
        org.id, "org-support", permissions=["widgets:read", "members:manage"]
    )
    assert role.permissions == ["widgets:read", "members:manage"]
    authz.remove_organization_role_permission(org.id, "org-support", "members:manage")
    slugs = [r.slug for r in authz.list_organization_roles(org.id).data]
    assert "org-support" in slugs and "admin" in slugs
    with pytest.raises(NotFoundError):
        authz.list_organization_roles("org_missing")
    authz.create_permission(slug="reports:read", name="Read reports")
    assert (
        authz.add_environment_role_permission("member", body_slug="reports:read").permissions[-1]
        == "reports:read"
    )
    user = client.user_management.create_user(email="r@x.co")
    m = client.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=org.id, role=RoleSingle(role_slug="org-support")
    )
    perms = authz.list_effective_permissions_by_external_id(m.id, "organization", org.id)
    assert [p.slug for p in perms.data] == ["widgets:read"]


def test_sso_with_pkce_and_no_secret(emu) -> None:
    emu.control.seed(
        {"organizations": [{"name": "Acme", "domains": ["acme.test"]}],
         "connections": [{"id": "conn_pkce", "organization": "Acme"}]}
    )  # fmt: skip
    public = workos.create_public_client(client_id=CLIENT_ID, base_url=emu.url)
    start = public.sso.get_authorization_url_with_pkce(
        redirect_uri=REDIRECT, connection="conn_pkce"
    )
    q = query_of(emu.control.complete_sign_in(start["url"], email="p@acme.test"))
    result = public.sso.get_profile_and_token_pkce(
        code=q["code"], code_verifier=start["code_verifier"]
    )
    assert result.profile.email == "p@acme.test" and result.access_token


def test_create_authenticate_with_a_plain_body(emu, client) -> None:
    code = get_code(emu, email="generic@x.co")
    auth = client.user_management.create_authenticate(
        body={"grant_type": "authorization_code", "client_id": CLIENT_ID,
              "client_secret": API_KEY, "code": code}
    )  # fmt: skip
    assert auth.user.email == "generic@x.co"


def test_webhook_endpoints(emu, client) -> None:
    hooks = client.webhooks
    made = hooks.create_webhook_endpoint(
        endpoint_url="http://127.0.0.1:9/hook", events=["user.created"]
    )
    assert made.secret and made.events == ["user.created"]
    assert [e.id for e in hooks.list_webhook_endpoints().data] == [made.id]
    changed = hooks.update_webhook_endpoint(made.id, status="disabled")
    assert getattr(changed.status, "value", changed.status) == "disabled"
    hooks.delete_webhook_endpoint(made.id)
    with pytest.raises(NotFoundError):
        hooks.delete_webhook_endpoint(made.id)


def test_redirect_uris_are_the_authorize_allow_list(emu, client) -> None:
    from tests.emulator.conftest import Api, authorize_url

    um = client.user_management
    outside = "https://app.example.com/callback"
    url = authorize_url(emu, redirect_uri=outside).removeprefix(emu.url)
    assert Api(emu.url, key=None).get(url).status_code == 400
    made = um.create_redirect_uri(uri=outside)
    assert made.uri == outside
    assert Api(emu.url, key=None).get(url).status_code == 200  # the hosted page
    assert outside in [u.uri for u in um.list_redirect_uris().data]
    um.delete_redirect_uris(made.id)
    assert Api(emu.url, key=None).get(url).status_code == 400
    origin = um.create_cors_origin(origin="https://app.example.com")
    assert [o.id for o in um.list_cors_origins().data] == [origin.id]
    from workos._errors import ConflictError, UnprocessableEntityError

    with pytest.raises(ConflictError):
        um.create_cors_origin(origin="https://app.example.com/")
    with pytest.raises(UnprocessableEntityError):
        um.create_redirect_uri(uri="not a url")


def test_email_change_with_a_code_from_the_outbox(emu, client) -> None:
    from workos._errors import BadRequestError, ConflictError

    um = client.user_management
    user = um.create_user(email="old@x.co")
    um.create_user(email="taken@x.co")
    with pytest.raises(ConflictError):
        um.send_email_change(user.id, new_email="taken@x.co")
    change = um.send_email_change(user.id, new_email="new@x.co")
    assert change.new_email == "new@x.co"
    code = emu.control.outbox(email="new@x.co")[0]["code"]
    with pytest.raises(BadRequestError):
        um.confirm_email_change(user.id, code="000000" if code != "000000" else "111111")
    done = um.confirm_email_change(user.id, code=code)
    assert done.user.email == "new@x.co" and um.get_user(user.id).email == "new@x.co"


def test_connections_through_the_api_sign_in(emu, client) -> None:
    from workos.sso._resource import CreateProtocolOptionsOIDC
    from workos.sso.models.create_connection_oidc_options import CreateConnectionOIDCOptions

    from tests.emulator.conftest import query_of as q_of

    org = client.organizations.create_organization(name="Conn Co")
    oidc = CreateConnectionOIDCOptions(
        discovery_endpoint="https://idp.example.com/.well-known/openid-configuration",
        client_id="idp-client",
    )
    made = client.sso.create_connection(
        organization_id=org.id, name="Conn SSO",
        protocol_options=CreateProtocolOptionsOIDC(oidc_options=oidc),
    )  # fmt: skip
    assert made.connection_type == "GenericOIDC" and made.organization_id == org.id
    conn_id = made.id
    conn = client.sso.update_connection(conn_id, name="Renamed SSO")
    assert conn.name == "Renamed SSO" and conn.organization_id == org.id
    url = client.sso.get_authorization_url(redirect_uri=REDIRECT, connection=conn_id, state="s")
    q = q_of(emu.control.complete_sign_in(url, email="c@conn.co"))
    assert client.sso.get_profile_and_token(code=q["code"]).profile.connection_id == conn_id
    with pytest.raises(NotFoundError):
        client.sso.update_connection("conn_missing", name="x")


def test_directory_sync_and_it_contacts(emu, client) -> None:
    from workos._errors import ConflictError, UnprocessableEntityError

    emu.control.seed(
        {"organizations": [{"name": "Dir Co"}],
         "directories": [{"id": "directory_1", "organization": "Dir Co"}]}
    )  # fmt: skip
    assert client.directory_sync.create_directory_sync("directory_1") is not None
    with pytest.raises(NotFoundError):
        client.directory_sync.create_directory_sync("directory_missing")
    org = client.organizations.list_organizations().data[0]
    orgs = client.organizations
    contact = orgs.create_it_contact(org.id, email="IT@dir.co")
    assert contact.email == "it@dir.co"
    with pytest.raises(ConflictError):
        orgs.create_it_contact(org.id, email="it@dir.co")
    assert [c.id for c in orgs.list_it_contacts(org.id).data] == [contact.id]
    orgs.invite_it_contact(org.id, contact.id, intents=["sso"])
    mail = emu.control.outbox(email="it@dir.co")[0]
    assert "/portal/launch?secret=" in mail["url"]
    with pytest.raises(UnprocessableEntityError):
        orgs.invite_it_contact(org.id, contact.id, intents=["nonsense"])
    orgs.revoke_it_contact(org.id, contact.id)
    from tests.emulator.conftest import Api

    assert Api(emu.url, key=None).get(mail["url"].removeprefix(emu.url)).status_code == 404
    orgs.delete_it_contact(org.id, contact.id)
    with pytest.raises(NotFoundError):
        orgs.delete_it_contact(org.id, contact.id)


def test_jwt_template_adds_claims_to_access_tokens(emu, api, client) -> None:
    import jwt
    from workos._errors import UnprocessableEntityError

    from tests.emulator.conftest import sign_in

    um = client.user_management
    assert um.list_jwt_template().content == "{}"
    template = (
        '{"email": "{{ user.email }}", "tier": "{{ user.metadata.tier }}", '
        '"org": "{{organization.name}}"}'
    )
    assert um.update_jwt_template(content=template).content == template
    user = um.create_user(email="jwt@x.co", metadata={"tier": "gold"})
    auth = sign_in(emu, api, user_id=user.id, organization_name="Jwt Org")
    claims = jwt.decode(auth["access_token"], options={"verify_signature": False})
    assert claims["email"] == "jwt@x.co" and claims["tier"] == "gold" and claims["org"] == "Jwt Org"
    with pytest.raises(UnprocessableEntityError):
        um.update_jwt_template(content='{"sub": "x"}')
    with pytest.raises(UnprocessableEntityError):
        um.update_jwt_template(content="not json")


def test_sso_logout_client_token_and_audit_log_configuration(emu, client) -> None:
    import jwt
    from workos._errors import AuthorizationError

    from tests.emulator.conftest import Api

    emu.control.seed(
        {
            "organizations": [{"name": "Lo Co"}],
            "connections": [{"id": "conn_lo", "organization": "Lo Co"}],
        }
    )
    url = client.sso.get_authorization_url(redirect_uri=REDIRECT, connection="conn_lo", state="s")
    q = query_of(emu.control.complete_sign_in(url, email="lo@lo.co"))
    profile = client.sso.get_profile_and_token(code=q["code"]).profile
    out = client.sso.authorize_logout(profile_id=profile.id)
    bare = Api(emu.url, key=None)
    r = bare.get(
        out.logout_url.removeprefix(emu.url) + "&return_to=http%3A%2F%2Flocalhost%3A8000%2F"
    )
    assert r.status_code == 302 and r.headers["Location"] == "http://localhost:8000/"
    assert bare.get(out.logout_url.removeprefix(emu.url)).status_code == 400  # used once
    with pytest.raises(NotFoundError):
        client.sso.authorize_logout(profile_id="prof_missing")
    org = client.organizations.list_organizations().data[0]
    user = client.user_management.create_user(email="ct@lo.co")
    with pytest.raises(AuthorizationError):
        client.client_api.create_token(organization_id=org.id, user_id=user.id)
    client.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=org.id
    )
    made = client.client_api.create_token(organization_id=org.id, user_id=user.id)
    assert jwt.decode(made.token, options={"verify_signature": False})["sub"] == user.id
    config = client.organizations.get_audit_log_configuration(org.id)
    assert config.retention_period_in_days == 365 and config.log_stream is None


def test_waitlists_and_oauth_resources(emu, client) -> None:
    from workos._errors import ConflictError

    emu.control.seed({"waitlists": [{"id": "waitlist_beta", "name": "Beta"}]})
    um = client.user_management
    assert [w.id for w in um.list_waitlists().data] == ["waitlist_beta"]
    assert um.get_waitlist("waitlist_beta").id == "waitlist_beta"
    entry = um.create_waitlist_entry(
        "waitlist_beta", email="Wait@x.co", additional_fields={"co": "X"}
    )
    assert entry.email == "wait@x.co" and getattr(entry.state, "value", entry.state) == "pending"
    with pytest.raises(ConflictError):
        um.create_waitlist_entry("waitlist_beta", email="wait@x.co")
    approved = um.create_waitlist_entry_approve(entry.id)
    assert approved.approved_at is not None
    second = um.create_waitlist_entry("waitlist_beta", email="no@x.co")
    denied = um.create_waitlist_entry_deny(second.id).state
    assert getattr(denied, "value", denied) == "denied"
    assert [e.id for e in um.list_waitlist_entries("waitlist_beta", email="wait@x.co").data] == [
        entry.id
    ]
    um.delete_waitlist_entry(second.id)
    with pytest.raises(NotFoundError):
        um.delete_waitlist_entry(second.id)
    with pytest.raises(NotFoundError):
        um.get_waitlist("waitlist_missing")
    res = um.create_authkit_oauth_resource(uri="https://mcp.example.com")
    assert res.default is True
    other = um.create_authkit_oauth_resource(uri="https://api.example.com", default=True)
    assert [r.default for r in um.list_authkit_oauth_resources(order="asc").data] == [False, True]
    um.delete_authkit_oauth_resource(other.id)
    with pytest.raises(NotFoundError):
        um.delete_authkit_oauth_resource(other.id)
