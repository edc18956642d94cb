"""The official SDK's API keys and Admin Portal calls against the emulator."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

workos = pytest.importorskip("workos")

from workos._errors import NotFoundError, UnprocessableEntityError  # noqa: E402

from tests.emulator.conftest import API_KEY, CLIENT_ID, Api  # noqa: E402


@pytest.fixture
def client(emu):
    return workos.WorkOSClient(
        api_key=API_KEY, client_id=CLIENT_ID, base_url=emu.url, max_retries=0
    )


@pytest.fixture
def org(client):
    return client.organizations.create_organization(name="Keys Inc")


def test_organization_api_key_create_validate_expire_delete(emu, client, org) -> None:
    keys = client.api_keys
    made = keys.create_organization_api_key(org.id, name="CI", permissions=["widgets:read"])
    assert made.value.startswith("sk_") and made.obfuscated_value.endswith(made.value[-4:])
    assert made.owner.id == org.id and made.permissions == ["widgets:read"]
    checked = keys.create_validation(value=made.value)
    assert checked.api_key is not None and checked.api_key.id == made.id
    assert checked.api_key.last_used_at is not None
    assert keys.create_validation(value="sk_wrong").api_key is None
    listed = keys.list_organization_api_keys(org.id)
    assert [k.id for k in listed.data] == [made.id]
    keys.create_api_key_expire(made.id)
    assert keys.create_validation(value=made.value).api_key is None
    keys.delete_api_key(made.id)
    with pytest.raises(NotFoundError):
        keys.delete_api_key(made.id)


def test_api_key_scheduled_expiry_and_unknown_permission(emu, client, org) -> None:
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    made = client.api_keys.create_organization_api_key(org.id, name="Soon", expires_at=later)
    assert client.api_keys.create_validation(value=made.value).api_key is not None
    emu.control.set_clock(advance=2 * 3600)
    assert client.api_keys.create_validation(value=made.value).api_key is None
    with pytest.raises(UnprocessableEntityError):
        client.api_keys.create_organization_api_key(org.id, name="x", permissions=["nope:x"])
    with pytest.raises(NotFoundError):
        client.api_keys.create_organization_api_key("org_missing", name="x")


def test_user_api_key_needs_membership(emu, client, org) -> None:
    from workos._errors import BadRequestError
    from workos.organization_membership._resource import RoleSingle

    user = client.user_management.create_user(email="keys@x.co")
    with pytest.raises(BadRequestError):
        client.user_management.create_user_api_key(user.id, name="k", organization_id=org.id)
    client.organization_membership.create_organization_membership(
        user_id=user.id, organization_id=org.id, role=RoleSingle(role_slug="member")
    )
    made = client.user_management.create_user_api_key(user.id, name="k", organization_id=org.id)
    found = client.api_keys.create_validation(value=made.value).api_key
    assert found is not None and found.owner.id == user.id
    assert [k.id for k in client.user_management.list_user_api_keys(user.id).data] == [made.id]


def test_admin_portal_link_opens_a_page(emu, client, org) -> None:
    link = client.admin_portal.generate_link(
        organization=org.id, intent="sso", success_url="http://localhost:8000/done"
    ).link
    page = Api(emu.url, key=None).get(link.removeprefix(emu.url))
    assert page.status_code == 200 and "Keys Inc" in page.text and "/done" in page.text
    with pytest.raises(NotFoundError):
        client.admin_portal.generate_link(organization="org_missing")
    with pytest.raises(UnprocessableEntityError):
        client.admin_portal.generate_link(organization=org.id, intent="nonsense")
    link2 = client.admin_portal.generate_link(organization=org.id, external_user_id="admin-1")
    client.admin_portal.revoke_link(organization=org.id, external_user_id="admin-1")
    assert Api(emu.url, key=None).get(link2.link.removeprefix(emu.url)).status_code == 404
