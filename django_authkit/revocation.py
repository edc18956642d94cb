"""Deprecated path, kept for one release: use :mod:`django_authkit.sessions.revocation`."""

from __future__ import annotations

import warnings

from django_authkit.sessions.revocation import (
    end_session,
    revoke_session_by_id,
    revoke_user_sessions,
)

warnings.warn(
    "django_authkit.revocation moved to django_authkit.sessions.revocation; "
    "the old path goes in the next release.",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["end_session", "revoke_session_by_id", "revoke_user_sessions"]
