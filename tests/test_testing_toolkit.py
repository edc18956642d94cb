"""The toolkit sites use in their own tests: fixtures and factories over the real flow."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit.testing.factories import MembershipFactory, OrganizationFactory, UserFactory


def test_factories_create_workos_objects(authkit_emulator: Any) -> None:
    org = OrganizationFactory(name="Acme")
    user = UserFactory(first_name="Ada")
    membership = MembershipFactory(user=user, organization=org, role="admin")
    assert org["id"].startswith("org_") and user["id"].startswith("user_")
    assert user["email"] == "ada@example.test"
    assert membership["organization_id"] == org["id"] and membership["user_id"] == user["id"]


def test_sign_in_as_a_factory_user_with_a_role(
    authkit_emulator: Any, authkit_sign_in: Any, db: Any
) -> None:
    membership = MembershipFactory(role="admin")
    client = Client()
    response = authkit_sign_in(client, user_id=membership["user_id"],
                               organization_id=membership["organization_id"])
    assert response.status_code == 302
    home = client.get("/").json()
    assert (home["organization_id"], home["role"]) == (membership["organization_id"], "admin")
    assert get_user_model().objects.get().workos.workos_id == membership["user_id"]


def test_sub_factories_make_distinct_users(authkit_emulator: Any) -> None:
    first, second = MembershipFactory(), MembershipFactory()
    assert first["user_id"] != second["user_id"]
    assert first["organization_id"] != second["organization_id"]


def test_rotate_keys_fixture_rotates_and_sign_in_still_works(
    authkit_rotate_keys: Any, authkit_sign_in: Any, db: Any
) -> None:
    rotated = authkit_rotate_keys()
    assert len(rotated["published"]) == 2 and rotated["current"] == rotated["published"][0]
    assert authkit_sign_in(Client(), email="rot@example.test").status_code == 302
