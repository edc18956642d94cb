"""``user.has_perm`` with WorkOS permissions: O(1) per call after the first in a request.

Counts, never times: the request's permission slugs are iterated once per request
however many times a view asks, and however many permissions the session carries.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit.core.permissions import reset_active_permissions, set_active_permissions


class CountingSlugs(list[str]):
    """Permission slugs that count how often they are walked through."""

    def __init__(self, slugs: list[str]) -> None:
        super().__init__(slugs)
        self.walks = 0

    def __iter__(self) -> Any:
        self.walks += 1
        return super().__iter__()


@pytest.mark.django_db
@pytest.mark.parametrize("how_many", [3, 200])
def test_has_perm_walks_the_permissions_once_per_request(how_many: int) -> None:
    user = get_user_model().objects.create_user("perm-user", "p@example.test", "x")
    slugs = CountingSlugs([f"thing{i}:write" for i in range(how_many)])
    token = set_active_permissions(user.pk, slugs)
    try:
        for _ in range(100):
            assert user.has_perm(f"thing{how_many - 1}:write")
            assert user.has_perm("thing0:write")
    finally:
        reset_active_permissions(token)
    assert slugs.walks == 1
    assert not user.has_perm("thing0:write")  # the binding ended with the request


@pytest.mark.django_db
def test_has_perm_cache_is_per_request(emu: Any, authkit_sign_in: Any) -> None:
    """A second request gets its own binding: a role change shows at once."""
    client = Client()
    authkit_sign_in(client, email="ada@acme.test", organization_name="Acme", role="admin")
    assert client.get("/members/").status_code == 200
    member = Client()
    authkit_sign_in(member, email="bob@acme.test", organization_name="Acme", role="member")
    assert member.get("/members/").status_code == 403
    assert client.get("/members/").status_code == 200
