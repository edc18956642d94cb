"""What the Django session holds for an AuthKit session: the verified claims of the hot path.

The lowest module of the sessions layer: :mod:`~django_authkit.sessions` (start,
lifetime, sign-out) and :mod:`~django_authkit.refreshing` (single-flight
refresh) both read and write this data, so neither needs the other.

AuthKit writes only what it owns (:func:`store_hot`): a refresh, an activity stamp
or a followed session key is merged into the *stored* session (re-read, and written only
if it did not change meanwhile) instead of marking the whole session modified, so
a concurrent request's write of the site's own data (a cart item) is never
overwritten by a request that only refreshed.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import SESSION_KEY as USER_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.backends.signed_cookies import SessionStore as CookieStore
from django.core.cache import caches
from django.db import router
from django.http import HttpRequest
from django.utils import timezone as dj_timezone

from django_authkit.conf import authkit_settings

logger = logging.getLogger("django_authkit.sessions")

HOT_KEY = "_authkit"
MERGE_ATTEMPTS = 5  # compare-and-set rounds when other requests keep saving the session
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


def store_hot(request: HttpRequest, hot: dict[str, Any]) -> None:
    """Keep ``hot`` as the session's AuthKit claims without rewriting anything else in it.

    The request's own copy of the session is updated in memory but not marked
    modified; the stored session is re-read and only ``HOT_KEY`` replaced in it, so
    what another request of the same browser wrote meanwhile stays. Where that is
    not possible (signed-cookie sessions, whose store is the browser's cookie; a
    session the request already changed or has not saved yet) the key is set the
    usual way and saved with the session.
    """
    session = request.session
    if not _merge_into_store(session, hot):
        session[HOT_KEY] = hot
        return
    cast(Any, session)._get_session()[HOT_KEY] = hot  # in memory only: nothing to save


def _merge_into_store(session: SessionBase, hot: dict[str, Any]) -> bool:
    """Replace ``HOT_KEY`` in the stored session; False: set it the usual way instead.

    A stored session that is gone or now belongs to another sign-in is left alone
    (True: handled, nothing to write): a refresh never brings a session back.
    """
    key = session.session_key
    if not key or session.modified or isinstance(session, CookieStore):
        return False
    user = session.get(USER_KEY)
    if isinstance(session, DBStore):
        _merge_db_row(session, key, user, hot)
        if isinstance(session, CachedDBStore):
            # The next load reads the merged row.
            caches[settings.SESSION_CACHE_ALIAS].delete(session.cache_key)
        return True
    fresh = type(session)(session_key=key)
    if fresh.get(USER_KEY) is None or str(fresh.get(USER_KEY)) != str(user):
        return True
    fresh[HOT_KEY] = hot
    fresh.save()
    return True


def _merge_db_row(session: DBStore, key: str, user: Any, hot: dict[str, Any]) -> None:
    """Database sessions: read the row, merge, and write it only if it did not change since.

    A compare-and-set (``UPDATE ... WHERE session_data = <what was read>``), retried
    on a fresh read when another request saved the session in between: atomic on
    every database (SQLite too, which has no row lock), and no lock is held.
    """
    model = session.model
    alias = router.db_for_write(model)
    rows = model.objects.using(alias).filter(session_key=key, expire_date__gt=dj_timezone.now())
    for _attempt in range(MERGE_ATTEMPTS):
        stored = rows.values_list("session_data", flat=True).first()
        if stored is None:
            return
        data = session.decode(stored)
        if str(data.get(USER_KEY)) != str(user):
            return
        data[HOT_KEY] = hot
        if rows.filter(session_data=stored).update(session_data=session.encode(data)):
            return
    logger.warning("The session changed under every merge of AuthKit's claims; not stored.")
