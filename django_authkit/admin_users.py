"""Deprecated path, kept for one release: use :mod:`django_authkit.admin.users`."""

from __future__ import annotations

import warnings

from django_authkit.admin.users import integrate_user_admin

warnings.warn(
    "django_authkit.admin_users moved to django_authkit.admin.users; "
    "the old path goes in the next release.",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["integrate_user_admin"]
