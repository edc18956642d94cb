"""What the Django session holds for an AuthKit session: the verified claims of the hot path.

The lowest module of the sessions layer: :mod:`~django_authkit.sessions` (start,
lifetime, sign-out) and :mod:`~django_authkit.refreshing` (single-flight
refresh) both read and write this data, so neither needs the other.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from django_authkit.conf import authkit_settings

HOT_KEY = "_authkit"
HOT_CLAIMS = (
    "sub", "sid", "org_id", "role", "roles", "permissions", "entitlements", "feature_flags", "exp",
    "auth_time",
)
KEPT = ("started", "seen", "key", "policy")  # bookkeeping that survives a refresh
MEMBERSHIP_CLAIMS = ("org_id", "role", "roles", "permissions")
#: How much of the Django session key the session keeps to notice the key was cycled
#: (16 of 32 random characters: a new key never looks like the old one by chance).
KEY_MARK_LENGTH = 16


def session_key_mark(key: str) -> str:
    """What the session keeps of its own Django session key (see ``track_session_key``).

    Only a prefix: every request decodes the session, and a shorter one costs less.
    """
    return key[:KEY_MARK_LENGTH]


def hot_data(
    claims: dict[str, Any],
    impersonator: dict[str, Any] | None,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data = {k: claims[k] for k in HOT_CLAIMS if claims.get(k) not in (None, [], "")}
    if impersonator:
        data["impersonator"] = impersonator
    for key in KEPT:
        if previous and key in previous:
            data[key] = previous[key]
    return data


def expiry(claims: dict[str, Any]) -> datetime:
    """The ``exp`` of verified claims as an aware datetime."""
    return datetime.fromtimestamp(int(claims["exp"]), tz=timezone.utc)


def needs_refresh(hot: dict[str, Any], now: float | None = None) -> bool:
    return int(hot.get("exp", 0)) - (now or time.time()) <= int(authkit_settings.REFRESH_AHEAD)


def membership_changed(previous: dict[str, Any], claims: dict[str, Any]) -> bool:
    """Whether a refresh moved the session's organization, role or permissions."""
    return any(previous.get(k) != claims.get(k) for k in MEMBERSHIP_CLAIMS)
