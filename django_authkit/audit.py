"""Deprecated path, kept for one release: use :mod:`django_authkit.events.audit`."""

from __future__ import annotations

import warnings

from django_authkit.events.audit import record_audit_event

warnings.warn(
    "django_authkit.audit moved to django_authkit.events.audit; "
    "the old path goes in the next release.",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["record_audit_event"]
