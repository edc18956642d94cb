"""``authkit_sync``: a full, paginated, idempotent pull of WorkOS into the ORM mirror."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from django_authkit.models import Membership, Organization, WorkOSUser
from django_authkit.workos import get_workos

USERS = 105  # more than one page of 100


@pytest.fixture
def seeded(emu: Any, settings: Any) -> dict[str, Any]:
    settings.AUTHKIT = {
        **settings.AUTHKIT,
        "ROLE_GROUPS": {"admin": ["Editors"]},
        "STAFF_ROLES": ["admin"],
    }
    seeded: dict[str, Any] = emu.control.seed(
        {
            "organizations": [
                {"name": "Acme", "domains": ["acme.test"], "metadata": {"tier": "gold"}},
                {"name": "Globex"},
            ],
            "users": [
                {"email": f"user{i:03d}@acme.test", "first_name": f"User{i}"} for i in range(USERS)
            ],
            "memberships": [
                {"user": "user000@acme.test", "organization": "Acme", "role": "admin"},
                {"user": "user001@acme.test", "organization": "Acme", "role": "member"},
                {"user": "user001@acme.test", "organization": "Globex", "role": "admin"},
                {"user": "user002@acme.test", "organization": "Globex", "status": "inactive"},
            ],
        }
    )
    # Both organizations' roles grant power on this site (STAFF_ORGANIZATIONS).
    settings.AUTHKIT = {**settings.AUTHKIT, "STAFF_ORGANIZATIONS": [
        o["id"] for o in seeded["organizations"]]}
    return seeded


def sync(*args: str) -> str:
    out = StringIO()
    call_command("authkit_sync", *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[Any, ...]:
    return (
        sorted(get_user_model().objects.values_list("email", "first_name", "is_staff")),
        sorted(Organization.objects.values_list("workos_id", "name")),
        sorted(Membership.objects.values_list("user__email", "organization__name", "role",
                                              "status", "workos_id")),
    )  # fmt: skip


def test_full_pull_creates_the_mirror(emu: Any, seeded: dict[str, Any]) -> None:
    output = sync()
    assert "Organizations: 2" in output and f"Users: {USERS}" in output
    assert "users: 100..." in output  # progress while paging
    assert f"Synced 2 organizations, {USERS} users, 4 memberships." in output
    assert get_user_model().objects.count() == USERS == WorkOSUser.objects.count()
    acme = Organization.objects.get(name="Acme")
    assert (acme.domains, acme.metadata) == (["acme.test"], {"tier": "gold"})
    assert Membership.objects.count() == 4
    assert Membership.objects.get(user__email="user002@acme.test").status == "inactive"
    admin = get_user_model().objects.get(email="user000@acme.test")
    assert admin.is_staff and admin.groups.filter(name="Editors").exists()
    assert get_user_model().objects.get(email="user001@acme.test").is_staff  # admin of Globex
    assert not get_user_model().objects.get(email="user002@acme.test").is_staff
    user_pages = emu.control.calls(path="/user_management/users", method="GET")
    assert len(user_pages) == 2


def test_full_pull_is_idempotent(emu: Any, seeded: dict[str, Any]) -> None:
    sync()
    before = snapshot()
    sync()
    assert snapshot() == before


def test_full_pull_follows_changes_and_removals(emu: Any, seeded: dict[str, Any]) -> None:
    sync()
    workos = get_workos().user_management
    admin = get_user_model().objects.get(email="user000@acme.test")
    membership = workos.list_organization_memberships(user_id=admin.workos.workos_id).data[0]
    workos.delete_organization_membership(membership.id)
    workos.update_user(admin.workos.workos_id, first_name="Renamed")
    sync("--quiet")
    admin.refresh_from_db()
    assert admin.first_name == "Renamed"
    assert not admin.is_staff and not admin.groups.exists()
    assert not Membership.objects.filter(user=admin).exists()


def test_quiet_prints_nothing(emu: Any, seeded: dict[str, Any]) -> None:
    assert sync("--quiet") == ""
    assert Organization.objects.count() == 2


def test_without_create_users_only_linked_users_are_updated(
    emu: Any, seeded: dict[str, Any], settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "CREATE_USERS": False}
    sync()
    assert not get_user_model().objects.exists() and not Membership.objects.exists()
    assert Organization.objects.count() == 2


def test_workos_failure_is_a_command_error(emu: Any, seeded: dict[str, Any]) -> None:
    emu.control.fault("/organizations", status=503, count=None)
    with pytest.raises(CommandError, match="ServerError"):
        sync()
