"""The policy adapter: one class a site overrides to decide who gets in and with what.

Set ``AUTHKIT["ADAPTER"]`` to a subclass of :class:`DefaultAdapter` (the idea of
django-allauth's adapters). The defaults follow the settings.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.utils.module_loading import import_string

from django_authkit.client.models import User as RemoteUser
from django_authkit.conf import authkit_settings


class DefaultAdapter:
    def is_open_for_signup(self, workos_user: RemoteUser) -> bool:
        """May a WorkOS user without a Django account get one? (``CREATE_USERS``)"""
        return bool(authkit_settings.CREATE_USERS)

    def can_link_by_email(self, workos_user: RemoteUser, local_user: Any) -> bool:
        """May a first sign-in take over ``local_user``, who has the same e-mail?

        Off unless ``LINK_BY_EMAIL``, and never for an unverified e-mail.
        """
        return bool(authkit_settings.LINK_BY_EMAIL) and bool(workos_user.email_verified)

    def groups_for_roles(self, roles: set[str]) -> set[str]:
        mapping: dict[str, list[str]] = authkit_settings.ROLE_GROUPS or {}
        return {name for role in roles for name in mapping.get(role, [])}

    def managed_groups(self) -> set[str]:
        """Groups role mapping adds and removes; other groups are never touched."""
        mapping: dict[str, list[str]] = authkit_settings.ROLE_GROUPS or {}
        return {name for names in mapping.values() for name in names}

    def staff_flags(self, roles: set[str]) -> dict[str, bool]:
        """``is_staff``/``is_superuser`` values for these roles; only managed flags appear."""
        flags: dict[str, bool] = {}
        if authkit_settings.STAFF_ROLES:
            flags["is_staff"] = bool(roles & set(authkit_settings.STAFF_ROLES))
        if authkit_settings.SUPERUSER_ROLES:
            flags["is_superuser"] = bool(roles & set(authkit_settings.SUPERUSER_ROLES))
        return flags


@lru_cache(maxsize=4)
def _adapter_for(path: str) -> DefaultAdapter:
    adapter: DefaultAdapter = import_string(path)()
    return adapter


def get_adapter() -> DefaultAdapter:
    return _adapter_for(str(authkit_settings.ADAPTER))
