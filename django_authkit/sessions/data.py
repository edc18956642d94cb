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
#: The claims every AuthKit session holds, stored as one JSON array (``pack_hot``);
#: ``auth_time`` is stored as seconds before ``started`` (a sign-in's are the same
#: second, give or take), or null (WorkOS's own access tokens carry none).
PACKED = ("sub", "sid", "exp", "started", "key", "auth_time")
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


def pack_hot(hot: dict[str, Any]) -> list[Any] | dict[str, Any]:
    """The form ``hot`` takes in the Django session: ``[sub, sid, exp, started, key, age]``.

    Django decodes the whole session on every request (base64, HMAC, zlib, JSON); a
    nested object of named claims costs it a third more than the same values in an
    array, and the array keeps cookie sessions smaller. Claims beyond ``PACKED``
    (organization, roles, policy...) follow as one object, the array's seventh item.
    A claim the array cannot hold exactly (a missing one, a time that is not an
    integer) keeps the object form, which :func:`unpack_hot` reads as well (as it
    reads sessions stored before the packed form).
    """
    sub, sid, exp, started, key, auth_time = (hot.get(name) for name in PACKED)
    if not (
        isinstance(sub, str) and isinstance(sid, str) and isinstance(key, str)
        and type(exp) is int and type(started) is int
        and (auth_time is None or type(auth_time) is int)
    ):
        return dict(hot)
    rest = {k: v for k, v in hot.items() if k not in PACKED}
    age = None if auth_time is None else started - auth_time
    return [sub, sid, exp, started, key, age, rest] if rest else [sub, sid, exp, started, key, age]


def unpack_hot(stored: Any) -> dict[str, Any]:
    """The claims ``pack_hot`` stored (an array, or the object form).

    Raises ``ValueError`` for anything else: the session is signed by this site, so
    only a bug or a downgrade writes one.
    """
    if type(stored) is not list:
        if isinstance(stored, dict):
            return stored  # the object form
        raise ValueError("not packed AuthKit claims")
    if len(stored) == 6:  # no claim beyond PACKED: the usual case, kept cheap
        sub, sid, exp, started, key, age = stored
        extra = None
    else:
        sub, sid, exp, started, key, age, extra = stored
        if not isinstance(extra, dict):
            raise ValueError("not packed AuthKit claims")
    hot = {"sub": sub, "sid": sid, "exp": exp, "started": started, "key": key}
    if age is not None:
        hot["auth_time"] = started - age
    if extra:
        hot.update(extra)
    return hot


def read_hot(session: SessionBase) -> dict[str, Any] | None:
    """The AuthKit claims the Django session holds, or None when it holds none.

    A value that cannot be read counts as none (logged), never a 500; the middleware
    signs such a session out before any view runs (:func:`unpack_hot` raises there).
    """
    stored = session.get(HOT_KEY)
    if not stored:
        return None
    try:
        return unpack_hot(stored)
    except ValueError:
        logger.warning("The session's AuthKit claims could not be read; ignored.")
        return None


def write_hot(session: SessionBase, hot: dict[str, Any]) -> None:
    """Set the session's AuthKit claims the usual way (saved with the session)."""
    session[HOT_KEY] = pack_hot(hot)


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
    packed = pack_hot(hot)
    if not _merge_into_store(session, packed):
        session[HOT_KEY] = packed
        return
    cast(Any, session)._get_session()[HOT_KEY] = packed  # in memory only: nothing to save


def _merge_into_store(session: SessionBase, hot: list[Any] | dict[str, Any]) -> bool:
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


def _merge_db_row(
    session: DBStore, key: str, user: Any, hot: list[Any] | dict[str, Any]
) -> None:
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
