"""Deprecated path, kept for one release: use :mod:`django_authkit.admin.portal`."""

from __future__ import annotations

import warnings

from django_authkit.admin.portal import AdminPortalMixin

warnings.warn(
    "django_authkit.admin_portal moved to django_authkit.admin.portal; "
    "the old path goes in the next release.",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["AdminPortalMixin"]
