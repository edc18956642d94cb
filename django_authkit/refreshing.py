"""Refresh a session's tokens exactly once across threads, processes and hosts.

WorkOS refresh tokens are single-use. Where the database can lock rows
(PostgreSQL, MySQL, Oracle) the session row is locked with ``SELECT ... FOR
UPDATE``: the first request spends the refresh token, the others block on the
row, then find fresh tokens and adopt them. Where it cannot (SQLite), an
atomic ``cache.add`` lock (Redis/Memcached in production) plays that part and
the others poll the row until the winner has stored its result.
"""

from __future__ import annotations

import enum
import logging
import time
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone as dj_timezone

from django_authkit import crypto, signals
from django_authkit.client import get_workos
from django_authkit.client.errors import APIError, RateLimitExceededError, ServerError, WorkOSError
from django_authkit.conf import authkit_settings
from django_authkit.models import AuthKitSession
from django_authkit.revocation import end_session
from django_authkit.tokens import InvalidAccessToken, KeysUnavailable, verify_access_token

logger = logging.getLogger("django_authkit.refreshing")

POLL_INTERVAL = 0.05


#: WorkOS's code for the last organization switch it refused in this context, e.g.
#: ``sso_required``: the switch view then sends the user to re-authenticate.
last_refusal: ContextVar[str | None] = ContextVar("authkit_last_refusal", default=None)


class Outcome(enum.Enum):
    REFRESHED = "refreshed"  # this request spent the refresh token
    ADOPTED = "adopted"  # another request had just refreshed; we took its tokens
    ENDED = "ended"  # WorkOS refused, or the session was revoked: signed out
    REFUSED = "refused"  # an organization switch WorkOS refused; session unchanged
    UNAVAILABLE = "unavailable"  # WorkOS could not be reached; session kept


def refresh(request: HttpRequest, organization_id: str | None = None) -> Outcome:
    """Refresh (or switch the organization of) the request's session; see :class:`Outcome`."""
    from django_authkit.sessions import HOT_KEY

    hot = request.session.get(HOT_KEY) or {}
    sid = hot.get("sid")
    if not sid:
        return Outcome.ENDED
    if connection.features.has_select_for_update:
        return _refresh_row(request, hot, organization_id)
    return _refresh_with_cache_lock(request, hot, organization_id)


def _refresh_with_cache_lock(
    request: HttpRequest, hot: dict[str, Any], organization_id: str | None
) -> Outcome:
    key = f"authkit:refresh-lock:{hot['sid']}"
    hold = float(authkit_settings.REQUEST_TIMEOUT) + 5
    deadline = time.monotonic() + float(authkit_settings.REFRESH_WAIT)
    while True:
        if cache.add(key, 1, timeout=int(hold) + 1):
            try:
                return _refresh_row(request, hot, organization_id)
            finally:
                cache.delete(key)
        time.sleep(POLL_INTERVAL)
        if organization_id is None:
            row = AuthKitSession.objects.filter(session_id=hot["sid"]).first()
            if row is None or row.ended_at is not None:
                return Outcome.ENDED
            if _adoptable(row) and _adopt(request, row):
                return Outcome.ADOPTED
        if time.monotonic() > deadline:
            logger.warning("Gave up waiting for another request's refresh of a session.")
            return Outcome.UNAVAILABLE


def _refresh_row(request: HttpRequest, hot: dict[str, Any], organization_id: str | None) -> Outcome:
    sid = hot["sid"]
    with transaction.atomic():
        row = AuthKitSession.objects.select_for_update().filter(session_id=sid).first()
        if row is None or row.ended_at is not None or row.user_id != _user_pk(request):
            return Outcome.ENDED
        if organization_id is None and _adoptable(row) and _adopt(request, row):
            return Outcome.ADOPTED
        refresh_token = crypto.decrypt(row.refresh_token)
        if refresh_token is None:  # SECRET_KEY rotated without a fallback
            end_session(row, "undecryptable")
            return Outcome.ENDED
        try:
            auth = get_workos().user_management.authenticate_with_refresh_token(
                refresh_token=refresh_token, organization_id=organization_id
            )
        except (ServerError, RateLimitExceededError) as exc:
            logger.warning("WorkOS refresh unavailable: %s", type(exc).__name__)
            return Outcome.UNAVAILABLE
        except APIError as exc:
            return _refused(row, exc, switching=organization_id is not None)
        except WorkOSError as exc:
            logger.warning("WorkOS refresh unavailable: %s", type(exc).__name__)
            return Outcome.UNAVAILABLE
        try:
            claims = verify_access_token(auth.access_token)
        except KeysUnavailable:
            return Outcome.UNAVAILABLE
        except InvalidAccessToken as exc:
            logger.warning("WorkOS returned an unusable access token on refresh: %s", exc.reason)
            end_session(row, "invalid_token")
            return Outcome.ENDED
        if claims["sub"] != hot.get("sub") or claims["sid"] != sid:
            logger.warning("A refresh changed the session's user or sid; ending the session.")
            end_session(row, "identity_changed")
            return Outcome.ENDED
        row.access_token = crypto.encrypt(auth.access_token)
        row.refresh_token = crypto.encrypt(auth.refresh_token)
        row.access_token_expires_at = expiry(claims)
        row.organization_id = claims.get("org_id") or ""
        row.refreshed_at = dj_timezone.now()
        row.save()
    _store_claims(request, claims, row)
    if _membership_changed(hot, claims):
        from django_authkit.provisioning import sync_membership
        from django_authkit.sessions import apply_policy

        membership = sync_membership(row.user, claims)
        apply_policy(request, membership.organization if membership else None)
    signals.session_refreshed.send(
        sender=AuthKitSession, user=row.user, session_id=sid, claims=claims
    )
    return Outcome.REFRESHED


def _refused(row: AuthKitSession, exc: APIError, *, switching: bool) -> Outcome:
    """Only WorkOS saying no to this session ends it; our own misconfiguration does not."""
    if exc.is_invalid_grant or (not switching and exc.status_code in (400, 403)):
        logger.info("WorkOS refused a refresh (%s); ending the session.", exc.error or exc.code)
        end_session(row, "refresh_refused")
        return Outcome.ENDED
    if switching and exc.status_code in (400, 403, 404):
        last_refusal.set(str(exc.error or exc.code or ""))
        return Outcome.REFUSED
    logger.error(
        "WorkOS answered %s to a refresh (request id %s); keeping the session.",
        exc.status_code,
        exc.request_id,
    )
    return Outcome.UNAVAILABLE


def _membership_changed(hot: dict[str, Any], claims: dict[str, Any]) -> bool:
    return any(hot.get(k) != claims.get(k) for k in ("org_id", "role", "roles", "permissions"))


def expiry(claims: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(int(claims["exp"]), tz=timezone.utc)


def _adoptable(row: AuthKitSession) -> bool:
    ahead = int(authkit_settings.REFRESH_AHEAD)
    return row.access_token_expires_at.timestamp() - time.time() > ahead


def _adopt(request: HttpRequest, row: AuthKitSession) -> bool:
    token = crypto.decrypt(row.access_token)
    if token is None:
        return False
    try:
        claims = verify_access_token(token)
    except InvalidAccessToken:
        return False
    _store_claims(request, claims, row)
    return True


def _store_claims(request: HttpRequest, claims: dict[str, Any], row: AuthKitSession) -> None:
    from django_authkit.sessions import HOT_KEY, hot_data

    previous = request.session.get(HOT_KEY) or {}
    request.session[HOT_KEY] = hot_data(claims, row.impersonator, previous)


def _user_pk(request: HttpRequest) -> Any:
    raw = request.session.get(SESSION_KEY)
    try:
        return get_user_model()._meta.pk.to_python(raw)
    except Exception:
        return None
