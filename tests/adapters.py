"""Adapters used by the tests to show a site's policy overrides."""

from __future__ import annotations

from django_authkit.client.models import User
from django_authkit.identity.adapter import DefaultAdapter


class ClosedSignUpAdapter(DefaultAdapter):
    def is_open_for_signup(self, workos_user: User) -> bool:
        return workos_user.email.endswith("@invited.test")
