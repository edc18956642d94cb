"""Ending AuthKit sessions on the server's initiative: revoke, expire, refuse.

An ended session stops working on its next request: its row is marked ended,
and the browser's Django session is deleted from the session store. An app
token (``akt_``) is a row too, checked on every use, so it ends with the rest. With a
cookie-only session engine, which cannot be deleted server-side, a cache
marker is set and checked by the middleware instead.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone

from django_authkit import signals
from django_authkit.client.errors import NotFoundError, WorkOSError
from django_authkit.core.outage import CACHE_ERRORS, cache_or, note
from django_authkit.models import AuthKitSession
from django_authkit.tokens.app_tokens import is_app_session
from django_authkit.workos import get_workos

logger = logging.getLogger("django_authkit.revocation")

COOKIE_ENGINE = "django.contrib.sessions.backends.signed_cookies"
MARKER_TTL = 14 * 24 * 3600


_cookie_engine: list[bool] = []  # uses_cookie_sessions(), kept until SESSION_ENGINE changes


def uses_cookie_sessions() -> bool:
    """Whether sessions live in cookies only (read on every request, so computed once)."""
    if not _cookie_engine:
        _cookie_engine.append(str(settings.SESSION_ENGINE) == COOKIE_ENGINE)
    return _cookie_engine[0]


@receiver(setting_changed)
def _forget_cookie_engine(*, setting: str, **kwargs: Any) -> None:
    if setting == "SESSION_ENGINE":
        _cookie_engine.clear()


def marker_key(session_id: str) -> str:
    return f"authkit:ended:{session_id}"


def is_marked_ended(session_id: str) -> bool:
    """Whether the cookie session ``session_id`` was ended here. With the cache down the
    session's row answers instead (one query per request, only during the outage)."""
    try:
        return bool(cache.get(marker_key(session_id)))
    except CACHE_ERRORS as exc:
        note("cache", exc)
        return AuthKitSession.objects.filter(
            session_id=session_id, ended_at__isnull=False
        ).exists()


def end_session(row: AuthKitSession, reason: str, *, at_workos: bool = False) -> bool:
    """End ``row`` locally (and at WorkOS when asked). Returns False if WorkOS failed.

    The local end always happens, so a WorkOS outage never keeps a revoked
    session usable here.
    """
    ok = True
    if at_workos and not is_app_session(row.session_id):  # an app token: none at WorkOS
        ok = revoke_at_workos(row.session_id)
    updated = AuthKitSession.objects.filter(pk=row.pk, ended_at__isnull=True).update(
        ended_at=timezone.now(), end_reason=reason[:32]
    )
    if row.django_session_key and not uses_cookie_sessions():
        engine: Any = import_module(settings.SESSION_ENGINE)
        engine.SessionStore(session_key=row.django_session_key).delete()
    if uses_cookie_sessions():
        # The cache down: the row is marked ended (read above while the cache stays
        # down); the session's next refresh ends it either way.
        cache_or(lambda: cache.set(marker_key(row.session_id), reason, timeout=MARKER_TTL),
                 None)
    if updated:
        signals.session_ended.send(
            sender=AuthKitSession, user=row.user, session_id=row.session_id, reason=reason
        )
    return ok


def revoke_at_workos(session_id: str) -> bool:

    try:
        get_workos().user_management.revoke_session(session_id)
    except NotFoundError:
        return True  # already gone there
    except WorkOSError as exc:
        logger.warning("Could not revoke a session at WorkOS: %s", type(exc).__name__)
        return False
    return True


def revoke_user_sessions(user: Any, *, at_workos: bool = True, reason: str = "revoked") -> int:
    """End every active AuthKit session of ``user``; return how many were ended.

    This is what the admin's "Revoke sessions" action calls, and what a site
    calls when an account is compromised or deactivated.
    """
    rows = list(AuthKitSession.objects.filter(user=user, ended_at__isnull=True))
    for row in rows:
        end_session(row, reason, at_workos=at_workos)
    return len(rows)


def revoke_session_by_id(
    session_id: str, *, at_workos: bool = True, reason: str = "revoked"
) -> bool:
    """End one session by its WorkOS id; True if it was active here."""
    row = AuthKitSession.objects.filter(session_id=session_id, ended_at__isnull=True).first()
    if row is None:
        return False
    end_session(row, reason, at_workos=at_workos)
    return True
