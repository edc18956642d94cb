"""Phase 2: standalone SSO, Directory Sync and audit logs, checked with the official SDK."""

from __future__ import annotations

import uuid

import pytest

from tests.emulator.conftest import (
    API_KEY,
    CLIENT_ID,
    REDIRECT,
    Api,
    authorize_url,
    exchange,
    query_of,
)

workos = pytest.importorskip("workos")

from workos._errors import BadRequestError, NotFoundError  # noqa: E402

SEED = {
    "organizations": [{"name": "Acme", "domains": ["acme.com"]}],
    "connections": [{"id": "conn_acme", "organization": "Acme", "connection_type": "OktaSAML"}],
    "directories": [
        {
            "id": "directory_acme",
            "organization": "Acme",
            "type": "okta scim v2.0",
            "groups": [{"id": "directory_group_eng", "name": "Engineering"}],
            "users": [
                {
                    "email": "Dev@acme.com",
                    "first_name": "Dev",
                    "groups": ["Engineering"],
                    "role": "admin",
                },
                {"email": "ops@acme.com", "state": "inactive"},
            ],
        }
    ],
}


@pytest.fixture
def client(emu):
    emu.control.seed(SEED)
    return workos.WorkOSClient(
        api_key=API_KEY, client_id=CLIENT_ID, base_url=emu.url, max_retries=0
    )


def test_connections(emu, client) -> None:
    conns = client.sso.list_connections(
        organization_id=emu.control.state()["organizations"][0]["id"]
    )
    assert [c.id for c in conns.data] == ["conn_acme"]
    conn = client.sso.get_connection("conn_acme")
    assert conn.domains[0].domain == "acme.com"
    assert getattr(conn.connection_type, "value", conn.connection_type) == "OktaSAML"
    client.sso.delete_connection("conn_acme")
    with pytest.raises(NotFoundError):
        client.sso.get_connection("conn_acme")


def test_sso_flow_with_sdk(emu, client) -> None:
    url = client.sso.get_authorization_url(redirect_uri=REDIRECT, connection="conn_acme", state="s")
    q = query_of(emu.control.complete_sign_in(url, email="Jane@acme.com", first_name="Jane"))
    assert q["state"] == "s"
    result = client.sso.get_profile_and_token(code=q["code"])
    profile = result.profile
    assert profile.email == "jane@acme.com" and profile.connection_id == "conn_acme"
    assert (
        profile.organization_id and profile.first_name == "Jane" and profile.id.startswith("prof_")
    )
    assert result.expires_in == 600
    assert client.sso.get_profile(access_token=result.access_token).id == profile.id
    with pytest.raises(BadRequestError):
        client.sso.get_profile_and_token(code=q["code"])
    # Standalone SSO creates no AuthKit user or session.
    state = emu.control.state()
    assert state["users"] == [] and state["sessions"] == []


def test_sso_page_is_identity_only(emu, client, api: Api) -> None:
    url = client.sso.get_authorization_url(redirect_uri=REDIRECT, connection="conn_acme")
    html = api.get(url[len(emu.url) :]).text
    assert "SSO connection" in html and "OktaSAML" in html
    assert "Continue with Google" not in html and 'name="organization_name"' not in html


def test_sso_by_organization_and_errors(emu, client, api: Api) -> None:
    org_id = emu.control.state()["organizations"][0]["id"]
    url = client.sso.get_authorization_url(redirect_uri=REDIRECT, organization=org_id)
    assert "code" in query_of(emu.control.complete_sign_in(url, email="a@acme.com"))
    url = client.sso.get_authorization_url(redirect_uri=REDIRECT, connection="conn_nope")
    assert (
        query_of(emu.control.complete_sign_in(url, email="a@acme.com"))["error"]
        == "invalid_connection"
    )
    r = Api(emu.url, key=None).get("/sso/profile", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


def test_authkit_with_connection_id_is_sso_in_org(emu, client, api: Api) -> None:
    url = authorize_url(emu, provider=None, connection_id="conn_acme")
    code = query_of(emu.control.complete_sign_in(url, email="sso@acme.com"))["code"]
    data = exchange(api, code).json()
    assert data["authentication_method"] == "SSO"
    assert data["organization_id"] == emu.control.state()["organizations"][0]["id"]
    bad = emu.control.complete_sign_in(authorize_url(emu, provider=None, connection_id="conn_x"))
    assert query_of(bad)["error"] == "invalid_connection"


def test_directory_sync(emu, client) -> None:
    ds = client.directory_sync
    (directory,) = ds.list_directories().data
    assert directory.id == "directory_acme" and ds.get_directory(directory.id).name
    users = ds.list_users(directory="directory_acme").data
    assert {u.email for u in users} == {"dev@acme.com", "ops@acme.com"}
    in_group = ds.list_users(group="directory_group_eng").data
    assert [u.email for u in in_group] == ["dev@acme.com"]
    assert in_group[0].groups[0].name == "Engineering"
    assert ds.get_user(in_group[0].id).email == "dev@acme.com"
    groups = ds.list_groups(user=in_group[0].id).data
    assert [g.id for g in groups] == ["directory_group_eng"]
    assert ds.get_group("directory_group_eng").name == "Engineering"
    ds.delete_directory("directory_acme")
    assert ds.list_directories().data == [] and ds.list_users(directory="directory_acme").data == []


def test_audit_logs(emu, client, api: Api) -> None:
    from workos.audit_logs.models import AuditLogEvent

    org_id = emu.control.state()["organizations"][0]["id"]
    event = {
        "action": "user.signed_in",
        "occurred_at": "2026-01-15T12:00:00.000Z",
        "actor": {"id": "user_1", "type": "user"},
        "targets": [{"id": "team_1", "type": "team"}],
        "context": {"location": "127.0.0.1"},
        "metadata": {"k": "v"},
    }
    key = str(uuid.uuid4())
    for _ in range(2):
        client.audit_logs.create_event(
            organization_id=org_id, event=AuditLogEvent.from_dict(event), idempotency_key=key
        )
    received = Api(emu.url).get("/_emulator/audit_logs").json()["data"]
    assert len(received) == 1 and received[0]["event"]["action"] == "user.signed_in"
    bad = api.post("/audit_logs/events", json={"organization_id": org_id, "event": {"action": "x"}})
    assert bad.status_code == 400 and bad.json()["errors"]
    assert (
        api.post(
            "/audit_logs/events", json={"organization_id": "org_nope", "event": event}
        ).status_code
        == 404
    )
    export = client.audit_logs.create_export(
        organization_id=org_id, range_start="2026-01-01T00:00:00Z", range_end="2026-02-01T00:00:00Z"
    )
    assert getattr(export.state, "value", export.state) == "pending"
    ready = client.audit_logs.get_export(export.id)
    assert getattr(ready.state, "value", ready.state) == "ready" and ready.url
    csv = Api(emu.url, key=None).http.get(ready.url).text
    assert "user.signed_in" in csv
