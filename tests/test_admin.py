"""The User admin shows WorkOS data and acts on it; the admin login can go through AuthKit."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit.models import AuthKitSession, Membership


@pytest.fixture
def ada(emu: Any, authkit_sign_in: Any) -> Any:
    authkit_sign_in(
        Client(), email="ada@acme.test", first_name="Ada", organization_name="Acme", role="admin"
    )
    return get_user_model().objects.get(email="ada@acme.test")


def _change_url(user: Any) -> str:
    return f"/admin/auth/user/{user.pk}/change/"


def test_user_page_shows_workos_inlines(staff: Client, ada: Any) -> None:
    page = staff.get(_change_url(ada)).content.decode()
    assert ada.workos.workos_id in page
    assert "Acme" in page and "admin" in page  # membership inline
    assert AuthKitSession.objects.get(user=ada).session_id in page  # sessions inline


def test_workos_owned_fields_are_read_only(staff: Client, ada: Any) -> None:
    page = staff.get(_change_url(ada)).content.decode()
    assert 'name="email"' not in page and 'name="first_name"' not in page
    root = get_user_model().objects.get(username="root")
    assert 'name="email"' in staff.get(_change_url(root)).content.decode()


def _act(staff: Client, action: str, user: Any) -> str:
    response = staff.post(
        "/admin/auth/user/", {"action": action, "_selected_action": [user.pk]}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def test_sync_from_workos(staff: Client, ada: Any, emu: Any) -> None:
    headers = {"Authorization": f"Bearer {emu.api_key}"}
    requests.put(
        f"{emu.url}/user_management/users/{ada.workos.workos_id}",
        json={"first_name": "Augusta"},
        headers=headers,
        timeout=5,
    ).raise_for_status()
    page = _act(staff, "sync_from_workos", ada)
    assert "Sync from WorkOS: 1 synced" in page
    ada.refresh_from_db()
    assert ada.first_name == "Augusta"


def test_sync_deactivates_a_user_deleted_at_workos(staff: Client, ada: Any, emu: Any) -> None:
    headers = {"Authorization": f"Bearer {emu.api_key}"}
    requests.delete(
        f"{emu.url}/user_management/users/{ada.workos.workos_id}", headers=headers, timeout=5
    ).raise_for_status()
    assert "1 deactivated" in _act(staff, "sync_from_workos", ada)
    ada.refresh_from_db()
    assert not ada.is_active
    assert not AuthKitSession.objects.filter(user=ada, ended_at__isnull=True).exists()


def test_sync_removes_memberships_gone_at_workos(staff: Client, ada: Any, emu: Any) -> None:
    headers = {"Authorization": f"Bearer {emu.api_key}"}
    membership = Membership.objects.get(user=ada)
    listed = requests.get(
        f"{emu.url}/user_management/organization_memberships",
        params={"user_id": ada.workos.workos_id},
        headers=headers,
        timeout=5,
    ).json()["data"]
    requests.delete(
        f"{emu.url}/user_management/organization_memberships/{listed[0]['id']}",
        headers=headers,
        timeout=5,
    ).raise_for_status()
    _act(staff, "sync_from_workos", ada)
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_revoke_sessions_action(staff: Client, ada: Any) -> None:
    assert "Revoked 1 session" in _act(staff, "revoke_sessions", ada)
    assert AuthKitSession.objects.get(user=ada).end_reason == "admin_revoked"


def test_send_password_reset_action(staff: Client, ada: Any, emu: Any) -> None:
    assert "Password reset sent to 1 user" in _act(staff, "send_password_reset", ada)
    calls = emu.control.calls(path="/user_management/password_reset")
    assert len(calls) == 1 and calls[0]["status"] == 201


def test_admin_login_through_authkit(emu: Any, settings: Any, client: Client) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ADMIN_LOGIN_VIA_AUTHKIT": True}
    response = client.get("/admin/login/", {"next": "/admin/auth/user/"})
    assert response.status_code == 302
    assert response["Location"] == "/auth/sign-in/?next=%2Fadmin%2Fauth%2Fuser%2F"
    hostile = client.get("/admin/login/", {"next": "https://evil.test/"})
    assert hostile["Location"] == "/auth/sign-in/?next=%2Fadmin%2F"
    # and the password form is not a back door
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 302


def test_admin_password_login_is_untouched_by_default(db: Any, client: Client) -> None:
    assert client.get("/admin/login/").status_code == 200


def test_staff_role_reaches_the_admin(emu: Any, authkit_sign_in: Any, settings: Any) -> None:
    emu.control.seed({"organizations": [{"id": "org_acme", "name": "Acme"}]})
    settings.AUTHKIT = {**settings.AUTHKIT, "STAFF_ROLES": ["admin"], "SUPERUSER_ROLES": ["admin"],
                        "STAFF_ORGANIZATIONS": ["org_acme"]}
    client = Client()
    authkit_sign_in(client, email="boss@acme.test", organization_name="Acme", role="admin")
    assert client.get("/admin/").status_code == 200
    member = Client()
    authkit_sign_in(member, email="m@acme.test", organization_name="Acme", role="member")
    assert member.get("/admin/").status_code == 302
