"""The official SDK's feature flags, passwordless, widgets and vault calls."""

from __future__ import annotations

import jwt
import pytest

workos = pytest.importorskip("workos")

from workos._errors import (  # noqa: E402
    BadRequestError,
    ConflictError,
    NotFoundError,
    UnprocessableEntityError,
)

from tests.emulator.conftest import API_KEY, CLIENT_ID, Api, query_of, sign_in  # noqa: E402


@pytest.fixture
def client(emu):
    return workos.WorkOSClient(
        api_key=API_KEY, client_id=CLIENT_ID, base_url=emu.url, max_retries=0
    )


def _claims(auth):
    return jwt.decode(auth["access_token"], options={"verify_signature": False})


def test_feature_flags_follow_the_api_into_the_token(emu, api, client) -> None:
    emu.control.seed(
        {
            "organizations": [{"name": "Flagged", "feature_flags": ["new-nav"]}],
            "users": [{"email": "f@x.co"}],
            "memberships": [{"user": "f@x.co", "organization": "Flagged"}],
            "feature_flags": [{"slug": "beta-reports", "name": "Beta reports"}],
        }
    )
    ff = client.feature_flags
    org = client.organizations.list_organizations().data[0]
    user = client.user_management.list_users().data[0]
    assert {f.slug for f in ff.list_feature_flags().data} == {"new-nav", "beta-reports"}
    assert [f.slug for f in ff.list_organization_feature_flags(org.id).data] == ["new-nav"]
    assert _claims(sign_in(emu, api, user_id=user.id))["feature_flags"] == ["new-nav"]
    ff.add_flag_target(org.id, "beta-reports")
    assert ff.get_feature_flag("beta-reports").enabled
    assert _claims(sign_in(emu, api, user_id=user.id))["feature_flags"] == [
        "beta-reports",
        "new-nav",
    ]
    assert ff.disable_feature_flag("new-nav").enabled is False
    ff.remove_flag_target(org.id, "beta-reports")
    assert _claims(sign_in(emu, api, user_id=user.id))["feature_flags"] == []
    ff.enable_feature_flag("new-nav")
    assert [f.slug for f in ff.list_user_feature_flags(user.id).data] == ["new-nav"]
    with pytest.raises(NotFoundError):
        ff.get_feature_flag("ghost")
    with pytest.raises(NotFoundError):
        ff.add_flag_target("org_missing", "new-nav")


def test_entitlements_from_the_seed_reach_the_token(emu, api) -> None:
    emu.control.seed(
        {
            "organizations": [{"name": "Paid", "entitlements": ["audit-logs"]}],
            "users": [{"email": "e@x.co"}],
            "memberships": [{"user": "e@x.co", "organization": "Paid"}],
        }
    )
    assert _claims(sign_in(emu, api, email="e@x.co"))["entitlements"] == ["audit-logs"]


def test_passwordless_session_link_signs_in_through_sso_token(emu, client) -> None:
    session = client.passwordless.create_session(
        email="ml@x.co", type="MagicLink", redirect_uri="http://localhost:8000/cb", state="s9"
    )
    assert session.link.startswith(emu.url) and session.email == "ml@x.co"
    assert client.passwordless.send_session(session.id) is True
    mail = emu.control.outbox(email="ml@x.co")
    assert mail and mail[0]["url"] == session.link
    r = Api(emu.url, key=None).get(session.link.removeprefix(emu.url))
    assert r.status_code == 302
    q = query_of(r.headers["Location"])
    assert q["state"] == "s9"
    result = client.sso.get_profile_and_token(code=q["code"])
    assert result.profile.email == "ml@x.co" and result.profile.connection_type == "MagicLink"
    assert Api(emu.url, key=None).get(session.link.removeprefix(emu.url)).status_code == 400
    with pytest.raises(UnprocessableEntityError):
        client.passwordless.create_session(email="nope", type="MagicLink")


def test_widget_token(emu, client) -> None:
    org = client.organizations.create_organization(name="Widgets")
    user = client.user_management.create_user(email="w@x.co")
    with pytest.raises(workos._errors.AuthorizationError):
        client.widgets.create_token(organization_id=org.id, user_id=user.id)
    from workos.organization_membership._resource import RoleSingle

    client.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=org.id, role=RoleSingle(role_slug="admin")
    )
    made = client.widgets.create_token(
        organization_id=org.id, user_id=user.id, scopes=["widgets:users-table:manage"]
    )
    claims = jwt.decode(made.token, options={"verify_signature": False})
    assert claims["sub"] == user.id and claims["org_id"] == org.id
    with pytest.raises(UnprocessableEntityError):
        client.widgets.create_token(user_id=user.id, scopes=["widgets:users-table:manage"])


def test_vault_kv_and_local_encryption(emu, client) -> None:
    vault = client.vault
    meta = vault.create_kv(key_context={"org": "o1"}, name="db-password", value="s3cret")
    obj = vault.get_kv(meta.id)
    assert obj.value == "s3cret" and obj.name == "db-password"
    assert vault.get_name("db-password").id == meta.id
    vault.update_kv(meta.id, value="n3w")
    assert vault.get_kv(meta.id).value == "n3w"
    versions = vault.list_kv_versions(meta.id)
    assert len(versions.data) == 2 and versions.data[0].current_version
    assert [o.name for o in vault.list_kv().data] == ["db-password"]
    assert vault.list_kv_metadata(meta.id).name == "db-password"
    with pytest.raises(ConflictError):
        vault.create_kv(key_context={"org": "o1"}, name="db-password", value="x")
    with pytest.raises(ConflictError):
        vault.delete_kv(meta.id, version_check="vault_version_stale")
    vault.delete_kv(meta.id)
    with pytest.raises(NotFoundError):
        vault.get_kv(meta.id)
    sealed = vault.encrypt(data="hello", key_context={"tenant": "t1"}, associated_data="aad")
    assert vault.decrypt(encrypted_data=sealed, associated_data="aad") == "hello"
    key = vault.create_data_key(context={"tenant": "t1"})
    again = vault.create_rekey(context={"tenant": "t2"}, encrypted_keys=key.encrypted_keys)
    assert again.data_key == key.data_key
    assert vault.create_decrypt(keys=again.encrypted_keys).data_key == key.data_key
    with pytest.raises(BadRequestError):
        vault.create_decrypt(keys="bm90IGEga2V5")


def test_audit_log_actions_schemas_and_retention(emu, client) -> None:
    from workos.audit_logs._resource import RetentionPeriod, RetentionPeriodInDays
    from workos.audit_logs.models import AuditLogSchemaTarget

    org = client.organizations.create_organization(name="Audited")
    schema = client.audit_logs.create_schema(
        "document.updated", targets=[AuditLogSchemaTarget(type="document")]
    )
    assert schema.version == 1
    again = client.audit_logs.create_schema(
        "document.updated", targets=[AuditLogSchemaTarget(type="document")]
    )
    assert again.version == 2
    actions = client.audit_logs.list_actions()
    assert [a.name for a in actions.data] == ["document.updated"]
    assert actions.data[0].schema.version == 2
    assert [s.version for s in client.audit_logs.list_action_schemas("document.updated").data] == [
        2,
        1,
    ]
    with pytest.raises(NotFoundError):
        client.audit_logs.list_action_schemas("nothing.here")
    with pytest.raises(UnprocessableEntityError):
        client.audit_logs.create_schema("x.y", targets=[])
    audit = client.audit_logs
    assert audit.get_organization_audit_logs_retention(org.id).retention_period_in_days == 365
    got = audit.update_organization_audit_logs_retention(
        org.id, retention=RetentionPeriod(retention_period="3_MONTHS")
    )
    assert got.retention_period_in_days == 90
    got = audit.update_organization_audit_logs_retention(
        org.id, retention=RetentionPeriodInDays(retention_period_in_days=30)
    )
    assert got.retention_period_in_days == 30
