"""Every admin action that changes state needs its permission; ``view`` alone changes nothing.

Ada signs in through the emulator (her AuthKit session is real); staff members with
chosen permissions act on her in the admin; the emulator's call log shows what
reached WorkOS.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from django_authkit.models import AuthKitSession, Organization

USER_ACTIONS = ("sync_from_workos", "revoke_sessions", "send_password_reset")


@pytest.fixture
def ada(emu: Any, authkit_sign_in: Any) -> Any:
    response = authkit_sign_in(Client(), email="ada@acme.test", organization_name="Acme",
                               role="admin")
    assert response.status_code == 302
    return get_user_model().objects.get(email="ada@acme.test")


def staff(name: str, *perms: str) -> Client:
    """A staff member (not superuser) holding exactly ``perms`` (``app_label.codename``)."""
    user = get_user_model().objects.create_user(name, f"{name}@example.test", "pw-12345!",
                                                is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def act(client: Client, url: str, action: str, pk: Any) -> Any:
    """Post an admin action as the changelist form does (with its CSRF token)."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    token = client.cookies["csrftoken"].value
    return client.post(url, {"csrfmiddlewaretoken": token, "action": action,
                             "_selected_action": [pk], "index": 0})


def offered(client: Client, url: str) -> set[str]:
    page = client.get(url).content.decode()
    return {a for a in (*USER_ACTIONS, "delete_selected") if f'value="{a}"' in page}


def live_sessions(user: Any) -> int:
    return AuthKitSession.objects.filter(user=user, ended_at__isnull=True).count()


def test_view_only_staff_can_change_nothing_on_users(emu: Any, ada: Any) -> None:
    viewer = staff("viewer", "auth.view_user")
    assert viewer.get("/admin/auth/user/").status_code == 200
    assert offered(viewer, "/admin/auth/user/") == set()
    emu.control.clear_calls()
    for action in USER_ACTIONS:
        response = act(viewer, "/admin/auth/user/", action, ada.pk)
        assert response.status_code in (200, 302, 403), (action, response.status_code)
    assert live_sessions(ada) == 1
    assert emu.control.calls(path="/user_management/password_reset") == []
    assert emu.control.calls(path=f"/user_management/users/{ada.workos.workos_id}") == []
    assert emu.control.calls(path="/user_management/sessions/revoke") == []


def test_each_user_action_needs_its_own_permission(emu: Any, ada: Any) -> None:
    changer = staff("changer", "auth.view_user", "auth.change_user")
    assert offered(changer, "/admin/auth/user/") == {"sync_from_workos"}
    resetter = staff("resetter", "auth.view_user", "authkit.send_password_reset")
    assert offered(resetter, "/admin/auth/user/") == {"send_password_reset"}
    revoker = staff("revoker", "auth.view_user", "authkit.revoke_sessions")
    assert offered(revoker, "/admin/auth/user/") == {"revoke_sessions"}

    emu.control.clear_calls()
    act(changer, "/admin/auth/user/", "send_password_reset", ada.pk)  # not its permission
    assert emu.control.calls(path="/user_management/password_reset") == []
    act(resetter, "/admin/auth/user/", "send_password_reset", ada.pk)
    assert [c["status"] for c in emu.control.calls(path="/user_management/password_reset")] == [
        201]
    act(changer, "/admin/auth/user/", "sync_from_workos", ada.pk)
    assert len(emu.control.calls(path=f"/user_management/users/{ada.workos.workos_id}")) == 1
    act(resetter, "/admin/auth/user/", "revoke_sessions", ada.pk)  # not its permission
    assert live_sessions(ada) == 1
    act(revoker, "/admin/auth/user/", "revoke_sessions", ada.pk)
    assert live_sessions(ada) == 0


def test_revoking_on_the_sessions_admin_needs_the_permission(emu: Any, ada: Any) -> None:
    row = AuthKitSession.objects.get(user=ada)
    url = "/admin/authkit/authkitsession/"
    viewer = staff("viewer", "authkit.view_authkitsession")
    assert viewer.get(url).status_code == 200
    assert 'value="revoke_sessions"' not in viewer.get(url).content.decode()
    emu.control.clear_calls()
    act(viewer, url, "revoke_sessions", row.pk)
    assert live_sessions(ada) == 1
    assert emu.control.calls(path="/user_management/sessions/revoke") == []

    revoker = staff("revoker", "authkit.view_authkitsession", "authkit.revoke_sessions")
    assert 'value="revoke_sessions"' in revoker.get(url).content.decode()
    act(revoker, url, "revoke_sessions", row.pk)
    assert live_sessions(ada) == 0
    assert len(emu.control.calls(path="/user_management/sessions/revoke")) == 1
    assert AuthKitSession.objects.get(pk=row.pk).end_reason == "admin_revoked"


def test_the_admin_portal_needs_the_change_permission(emu: Any, ada: Any) -> None:
    org = Organization.objects.get()
    url = f"/admin/authkit/organization/{org.pk}/portal/"
    viewer = staff("viewer", "authkit.view_organization")
    assert viewer.get(f"/admin/authkit/organization/{org.pk}/change/").status_code == 200
    emu.control.clear_calls()
    assert viewer.get(url).status_code == 403
    token = viewer.cookies["csrftoken"].value if "csrftoken" in viewer.cookies else ""
    assert viewer.post(url, {"csrfmiddlewaretoken": token, "intent": "sso"}).status_code == 403
    assert emu.control.calls(path="/portal/generate_link") == []
    changer = staff("changer", "authkit.view_organization", "authkit.change_organization")
    assert changer.get(url).status_code == 200
