"""Adapters used by the tests to show a site's policy overrides."""

from __future__ import annotations

from django_authkit.adapter import DefaultAdapter
from django_authkit.client.models import User


class ClosedSignUpAdapter(DefaultAdapter):
    def is_open_for_signup(self, workos_user: User) -> bool:
        return workos_user.email.endswith("@invited.test")
