"""Deprecated path, kept for one release: use :mod:`django_authkit.events.handlers`."""

from __future__ import annotations

import warnings

from django_authkit.events.handlers import process_event, retry_failed

warnings.warn(
    "django_authkit.event_handlers moved to django_authkit.events.handlers; "
    "the old path goes in the next release.",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["process_event", "retry_failed"]
