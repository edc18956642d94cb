"""The AuthKit session of a request: start, lifetime, tokens on demand, sign-out.

Tokens live encrypted in :class:`~django_authkit.models.AuthKitSession`; the
Django session holds only the verified claims the hot path reads
(``HOT_KEY``) plus two timestamps for the idle and absolute lifetimes. Refresh
coordination lives in :mod:`django_authkit.refreshing`. Every change after the
sign-in goes through :func:`~django_authkit.sessions.data.store_hot`, which
merges it into the stored session instead of rewriting the site's data.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.contrib.auth import logout
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from django_authkit import signals
from django_authkit.client.models import AuthenticationResponse
from django_authkit.conf import authkit_settings
from django_authkit.core import crypto
from django_authkit.models import AuthKitSession
from django_authkit.sessions.data import (
    HOT_CLAIMS,
    HOT_KEY,
    KEPT,
    expiry,
    hot_data,
    needs_refresh,
    read_hot,
    session_key_mark,
    store_hot,
    unpack_hot,
    write_hot,
)
from django_authkit.sessions.refresh import Outcome, Refresh, refresh
from django_authkit.sessions.revocation import end_session, uses_cookie_sessions

logger = logging.getLogger("django_authkit.sessions")

__all__ = [
    "HOT_CLAIMS", "HOT_KEY", "KEPT", "Outcome", "Refresh", "expiry", "hot_data", "needs_refresh",
    "read_hot", "refresh", "sign_out", "start", "unpack_hot", "write_hot",
]


def start(
    request: HttpRequest,
    user: Any,
    auth: AuthenticationResponse,
    claims: dict[str, Any],
    organization: Any | None = None,
) -> AuthKitSession:
    """Store a freshly signed-in session's tokens and expose its claims to the hot path.

    ``organization`` (the local row of the session's organization, if any) gives the
    session its policy (idle timeout, absolute lifetime) from the start. Call after
    :func:`django.contrib.auth.login`, so the recorded session key is the cycled one
    that revocation must delete.
    """
    impersonator = (
        {"email": auth.impersonator.email, "reason": auth.impersonator.reason}
        if auth.impersonator
        else None
    )
    # A cookie-only session has no server-side key to delete; revocation marks it instead.
    key = "" if uses_cookie_sessions() else (request.session.session_key or "")
    row = _insert_or_replace(
        claims["sid"],
        {
            "user": user,
            "organization_id": claims.get("org_id") or "",
            "access_token": crypto.encrypt(auth.access_token),
            "refresh_token": crypto.encrypt(auth.refresh_token),
            "access_token_expires_at": expiry(claims),
            "authentication_method": auth.authentication_method or "",
            "impersonator": impersonator,
            "django_session_key": key,
            "ended_at": None,
            "end_reason": "",
        },
    )
    now = int(time.time())
    hot = {**hot_data(claims, impersonator), "started": now, "key": session_key_mark(key)}
    policy = _policy(organization)
    if policy:  # no empty policy in every session
        hot["policy"] = policy
    if authkit_settings.IDLE_TIMEOUT or policy.get("idle"):
        hot["seen"] = now  # only an idle timeout reads it (the site's or the organization's)
    write_hot(request.session, hot)
    return row


def _insert_or_replace(session_id: str, values: dict[str, Any]) -> AuthKitSession:
    """The row of a new WorkOS session: one INSERT, as a new ``sid`` nearly always is.

    ``update_or_create`` would read (and lock) first and wrap the write in a
    transaction and a savepoint: five extra statements on every sign-in. The same
    ``sid`` again (a repeated exchange) only costs the refused INSERT and an UPDATE.
    """
    row = AuthKitSession(session_id=session_id, **values)
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():  # a savepoint, so a refused INSERT spoils nothing
                row.save(force_insert=True)
        else:
            row.save(force_insert=True)
        return row
    except IntegrityError:
        pass
    AuthKitSession.objects.filter(session_id=session_id).update(**values)
    return AuthKitSession.objects.get(session_id=session_id)


def apply_policy(request: HttpRequest, organization: Any | None) -> None:
    """Carry the organization's session policy in the session, so the hot path needs no query."""
    hot = read_hot(request.session)
    if not hot:
        return
    policy = _policy(organization)
    if policy != (hot.get("policy") or {}):  # no empty policy in every session
        hot = {**hot, "policy": policy}
        if policy.get("idle") and "seen" not in hot:
            hot["seen"] = int(time.time())
        store_hot(request, hot)


def _policy(organization: Any | None) -> dict[str, Any]:
    """The session limits an organization sets (``idle``, ``max_age``); empty: the site's."""
    return {
        name: value
        for name, value in (
            ("idle", getattr(organization, "idle_timeout", None)),
            ("max_age", getattr(organization, "session_max_age", None)),
        )
        if value
    }


def request_checks(hot: dict[str, Any], now: float) -> tuple[str | None, bool, int | None]:
    """What the middleware asks of every request, in one call:
    (``"max_age"``/``"idle"`` when the session has outlived its limits, else None;
    whether the access token is due for a refresh; the idle timeout in seconds).

    Limits are the organization's (``policy``), else the site's.
    """
    policy = hot.get("policy") or _NO_POLICY
    idle = policy.get("idle") or authkit_settings.IDLE_TIMEOUT
    max_age = policy.get("max_age") or authkit_settings.SESSION_MAX_AGE
    expired = None
    if max_age and now - int(hot.get("started", now)) > int(max_age):
        expired = "max_age"
    elif idle and now - int(hot.get("seen", now)) > int(idle):
        expired = "idle"
    return expired, needs_refresh(hot, now), int(idle) if idle else None


_NO_POLICY: dict[str, Any] = {}


def touch(
    request: HttpRequest, hot: dict[str, Any], now: float, idle: int | None
) -> dict[str, Any]:
    """Record activity, at most once per ``ACTIVITY_WRITE_INTERVAL`` (not on every request).

    Returns the claims as stored now.
    """
    if not idle:
        return hot
    interval = min(int(authkit_settings.ACTIVITY_WRITE_INTERVAL), max(1, idle // 2))
    if now - int(hot.get("seen", 0)) >= interval:
        hot = {**hot, "seen": int(now)}
        store_hot(request, hot)
    return hot


def track_session_key(request: HttpRequest, hot: dict[str, Any]) -> dict[str, Any]:
    """Follow a cycled Django session key so revocation deletes the right one (rare).

    Returns the claims as stored now.
    """
    key = request.session.session_key
    if key and session_key_mark(key) != hot.get("key"):
        AuthKitSession.objects.filter(session_id=hot["sid"]).update(django_session_key=key)
        hot = {**hot, "key": session_key_mark(key)}
        store_hot(request, hot)
    return hot


def end_current(request: HttpRequest, reason: str) -> None:
    """End the request's session here and at WorkOS (idle or max-age expiry)."""
    hot = read_hot(request.session) or {}
    row = AuthKitSession.objects.filter(session_id=hot.get("sid", "")).first()
    if row is not None:
        end_session(row, reason, at_workos=True)
    logout(request)


def current_access_token(request: HttpRequest) -> str | None:
    """The session's access token, refreshed first when it is about to expire."""
    hot = read_hot(request.session)
    if not hot:
        return None
    if needs_refresh(hot) and not refresh(request).ok:
        return None
    row = AuthKitSession.objects.filter(session_id=hot["sid"], ended_at__isnull=True).first()
    return crypto.decrypt(row.access_token) if row else None


def sign_out(request: HttpRequest) -> str | None:
    """End the local session and return the WorkOS session id to log out there."""
    hot = read_hot(request.session) or {}
    sid = hot.get("sid")
    user = getattr(request, "user", None)
    if sid:
        row = AuthKitSession.objects.filter(session_id=sid).first()
        if row is not None:
            end_session(row, "signed_out")
    logout(request)
    signals.signed_out.send(sender=AuthKitSession, request=request, user=user, session_id=sid)
    return str(sid) if sid else None
