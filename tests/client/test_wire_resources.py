"""Resources the emulator does not serve: method, path and body on the wire, and parsing.

Each row calls the client against the scripted server, then checks the one request it
sent and the model built from a canned WorkOS answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from django_authkit.client import WorkOSClient
from tests.client.conftest import Scripted

TS = "2026-01-15T12:00:00.000Z"
USER = {"id": "user_1", "email": "ada@acme.test", "email_verified": True}
INVITATION = {"id": "invitation_1", "email": "bob@acme.test", "state": "pending", "token": "tok"}
FACTOR = {"id": "auth_factor_1", "type": "totp", "created_at": TS, "updated_at": TS}
CHALLENGE = {"id": "auth_challenge_1", "authentication_factor_id": "auth_factor_1"}
PROFILE = {
    "id": "prof_1",
    "email": "ada@acme.test",
    "connection_id": "conn_1",
    "raw_attributes": {},
}
LIST_OF: Callable[[dict[str, Any]], dict[str, Any]] = lambda item: {  # noqa: E731
    "object": "list",
    "data": [item],
    "list_metadata": {"before": None, "after": None},
}

Row = tuple[Callable[[WorkOSClient], Any], str, str, Any, Any, Callable[[Any], bool]]

ROWS: dict[str, Row] = {
    "send_invitation": (
        lambda c: c.user_management.send_invitation(
            email="bob@acme.test", organization_id="org_1", role_slug="member"
        ),
        "POST",
        "/user_management/invitations",
        {"email": "bob@acme.test", "organization_id": "org_1", "role_slug": "member"},
        INVITATION,
        lambda r: r.id == "invitation_1" and "tok" not in repr(r),
    ),
    "list_invitations": (
        lambda c: c.user_management.list_invitations(organization_id="org_1"),
        "GET",
        "/user_management/invitations?organization_id=org_1",
        None,
        LIST_OF(INVITATION),
        lambda r: [i.email for i in r] == ["bob@acme.test"],
    ),
    "get_invitation": (
        lambda c: c.user_management.get_invitation("invitation_1"),
        "GET",
        "/user_management/invitations/invitation_1",
        None,
        INVITATION,
        lambda r: r.state == "pending",
    ),
    "find_invitation_by_token": (
        lambda c: c.user_management.find_invitation_by_token("tok/1"),
        "GET",
        "/user_management/invitations/by_token/tok%2F1",
        None,
        INVITATION,
        lambda r: r.id == "invitation_1",
    ),
    "revoke_invitation": (
        lambda c: c.user_management.revoke_invitation("invitation_1"),
        "POST",
        "/user_management/invitations/invitation_1/revoke",
        None,
        {**INVITATION, "state": "revoked"},
        lambda r: r.state == "revoked",
    ),
    "resend_invitation": (
        lambda c: c.user_management.resend_invitation("invitation_1", locale="fr"),
        "POST",
        "/user_management/invitations/invitation_1/resend",
        {"locale": "fr"},
        INVITATION,
        lambda r: r.id == "invitation_1",
    ),
    "create_password_reset": (
        lambda c: c.user_management.create_password_reset(email="ada@acme.test"),
        "POST",
        "/user_management/password_reset",
        {"email": "ada@acme.test"},
        {"id": "password_reset_1", "email": "ada@acme.test", "password_reset_token": "prt"},
        lambda r: r.id == "password_reset_1" and "prt" not in repr(r),
    ),
    "confirm_password_reset": (
        lambda c: c.user_management.confirm_password_reset(token="prt", new_password="pw"),
        "POST",
        "/user_management/password_reset/confirm",
        {"token": "prt", "new_password": "pw"},
        {"user": USER},
        lambda r: r.id == "user_1",
    ),
    "send_verification_email": (
        lambda c: c.user_management.send_verification_email("user_1"),
        "POST",
        "/user_management/users/user_1/email_verification/send",
        None,
        {"user": USER},
        lambda r: r.email == "ada@acme.test",
    ),
    "verify_email": (
        lambda c: c.user_management.verify_email("user_1", code="123456"),
        "POST",
        "/user_management/users/user_1/email_verification/confirm",
        {"code": "123456"},
        {"user": USER},
        lambda r: r.email_verified is True,
    ),
    "create_magic_auth": (
        lambda c: c.user_management.create_magic_auth(email="ada@acme.test"),
        "POST",
        "/user_management/magic_auth",
        {"email": "ada@acme.test"},
        {"id": "magic_auth_1", "email": "ada@acme.test", "code": "654321", "expires_at": TS},
        lambda r: (
            r.expires_at == datetime(2026, 1, 15, 12, tzinfo=timezone.utc)
            and "654321" not in repr(r)
        ),
    ),
    "enroll_auth_factor": (
        lambda c: c.user_management.enroll_auth_factor(
            "user_1", totp_issuer="Acme", totp_user="ada@acme.test"
        ),
        "POST",
        "/user_management/users/user_1/auth_factors",
        {"type": "totp", "totp_issuer": "Acme", "totp_user": "ada@acme.test"},
        {"authentication_factor": FACTOR, "authentication_challenge": CHALLENGE},
        lambda r: (
            r.authentication_factor.id == "auth_factor_1"
            and r.authentication_challenge.id == "auth_challenge_1"
        ),
    ),
    "list_auth_factors": (
        lambda c: c.user_management.list_auth_factors("user_1"),
        "GET",
        "/user_management/users/user_1/auth_factors",
        None,
        LIST_OF(FACTOR),
        lambda r: [f.type for f in r] == ["totp"],
    ),
    "challenge_auth_factor": (
        lambda c: c.user_management.challenge_auth_factor("auth_factor_1"),
        "POST",
        "/auth/factors/auth_factor_1/challenge",
        None,
        CHALLENGE,
        lambda r: r.authentication_factor_id == "auth_factor_1",
    ),
    "get_user_identities": (
        lambda c: c.user_management.get_user_identities("user_1"),
        "GET",
        "/user_management/users/user_1/identities",
        None,
        [{"idp_id": "1", "type": "OAuth", "provider": "GoogleOAuth"}],
        lambda r: [i.provider for i in r] == ["GoogleOAuth"],
    ),
    "password grant": (
        lambda c: c.user_management.authenticate_with_password(email="a@b.c", password="pw"),
        "POST",
        "/user_management/authenticate",
        {
            "grant_type": "password",
            "client_id": "client_wire",
            "client_secret": "sk_test_wire",
            "email": "a@b.c",
            "password": "pw",
        },
        {"user": USER, "access_token": "a", "refresh_token": "r"},
        lambda r: r.user.id == "user_1",
    ),
    "totp grant": (
        lambda c: c.user_management.authenticate_with_totp(
            code="123456", pending_authentication_token="pat", authentication_challenge_id="ch"
        ),
        "POST",
        "/user_management/authenticate",
        {
            "grant_type": "urn:workos:oauth:grant-type:mfa-totp",
            "client_id": "client_wire",
            "client_secret": "sk_test_wire",
            "code": "123456",
            "pending_authentication_token": "pat",
            "authentication_challenge_id": "ch",
        },
        {"user": USER, "access_token": "a", "refresh_token": "r"},
        lambda r: r.access_token == "a",
    ),
    "sso token": (
        lambda c: c.sso.get_profile_and_token(code="sso_code"),
        "POST",
        "/sso/token",
        {
            "grant_type": "authorization_code",
            "client_id": "client_wire",
            "client_secret": "sk_test_wire",
            "code": "sso_code",
        },
        {"token_type": "Bearer", "access_token": "sso_at", "expires_in": 600, "profile": PROFILE},
        lambda r: r.profile.id == "prof_1" and r.expires_in == 600 and "sso_at" not in repr(r),
    ),
    "list_connections": (
        lambda c: c.sso.list_connections(organization_id="org_1"),
        "GET",
        "/connections?organization_id=org_1",
        None,
        LIST_OF({"id": "conn_1", "connection_type": "OktaSAML", "domains": [{"domain": "a.t"}]}),
        lambda r: r.data[0].domains[0].domain == "a.t",
    ),
    "list_directory_users": (
        lambda c: c.directory_sync.list_users(directory_id="directory_1", limit=10),
        "GET",
        "/directory_users?directory=directory_1&limit=10",
        None,
        LIST_OF({"id": "directory_user_1", "email": None, "groups": [{"id": "directory_group_1"}]}),
        lambda r: r.data[0].groups[0].id == "directory_group_1",
    ),
    "get_directory": (
        lambda c: c.directory_sync.get_directory("directory_1"),
        "GET",
        "/directories/directory_1",
        None,
        {"id": "directory_1", "type": "okta scim v2.0", "state": "linked"},
        lambda r: r.state == "linked",
    ),
    "create_audit_export": (
        lambda c: c.audit_logs.create_export(
            organization_id="org_1",
            range_start=datetime(2026, 1, 1, tzinfo=timezone.utc),
            range_end="2026-02-01T00:00:00Z",
        ),
        "POST",
        "/audit_logs/exports",
        {
            "organization_id": "org_1",
            "range_start": "2026-01-01T00:00:00Z",
            "range_end": "2026-02-01T00:00:00Z",
        },
        {"id": "audit_log_export_1", "state": "pending", "url": None},
        lambda r: r.state == "pending",
    ),
}


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_resource_on_the_wire(scripted: Scripted, row: Row) -> None:
    call, method, path, body, reply, check = row
    scripted.reply(200, reply)
    client = WorkOSClient(api_key="sk_test_wire", client_id="client_wire", base_url=scripted.url)
    result = call(client)
    (req,) = scripted.requests
    assert (req.method, req.path) == (method, path)
    assert (json.loads(req.body) if req.body else None) == body
    assert check(result)


def test_sso_profile_uses_the_sso_token_not_the_api_key(scripted: Scripted) -> None:
    scripted.reply(200, PROFILE)
    client = WorkOSClient(api_key="sk_test_wire", client_id="client_wire", base_url=scripted.url)
    assert client.sso.get_profile(access_token="sso_access").email == "ada@acme.test"
    assert scripted.requests[0].headers["authorization"] == "Bearer sso_access"


def test_audit_log_event_validation_and_caller_key(scripted: Scripted) -> None:
    client = WorkOSClient(api_key="sk_test_wire", client_id="client_wire", base_url=scripted.url)
    with pytest.raises(ValueError):
        client.audit_logs.create_event(organization_id="org_1", event={"action": "x"})
    event = {
        "action": "user.signed_in",
        "occurred_at": datetime(2026, 1, 15, 12, tzinfo=timezone.utc),
        "actor": {"id": "user_1", "type": "user"},
        "targets": [],
        "context": {"location": "10.0.0.1"},
    }
    client.audit_logs.create_event(organization_id="org_1", event=event, idempotency_key="k-1")
    (req,) = scripted.requests
    assert req.headers["idempotency-key"] == "k-1"
    assert json.loads(req.body)["event"]["occurred_at"] == "2026-01-15T12:00:00Z"


def test_directory_lists_need_a_scope() -> None:
    client = WorkOSClient(api_key="k", client_id="c")
    with pytest.raises(ValueError):
        client.directory_sync.list_users()
    with pytest.raises(ValueError):
        client.directory_sync.list_groups()
