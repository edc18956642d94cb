"""The AuthKit session of a request: server-side tokens, refresh and sign-out.

Tokens live encrypted in :class:`~django_authkit.models.AuthKitSession`; the
Django session holds only the verified claims the hot path reads
(``HOT_KEY``). A refresh locks the session row, so one worker spends the
single-use refresh token and the others adopt what it stored.
"""

from __future__ import annotations

import enum
import logging
import time
from datetime import datetime, timezone
from typing import Any

from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone as dj_timezone

from django_authkit import crypto, signals
from django_authkit.client import get_workos
from django_authkit.client.errors import APIError, RateLimitExceededError, ServerError, WorkOSError
from django_authkit.client.models import AuthenticationResponse
from django_authkit.conf import authkit_settings
from django_authkit.models import AuthKitSession
from django_authkit.tokens import InvalidAccessToken, KeysUnavailable, verify_access_token

logger = logging.getLogger("django_authkit.sessions")

HOT_KEY = "_authkit"
HOT_CLAIMS = (
    "sub",
    "sid",
    "org_id",
    "role",
    "roles",
    "permissions",
    "entitlements",
    "feature_flags",
    "exp",
)


class Outcome(enum.Enum):
    REFRESHED = "refreshed"  # this request spent the refresh token
    ADOPTED = "adopted"  # another request had just refreshed; we took its tokens
    ENDED = "ended"  # WorkOS refused, or the session was revoked: signed out
    UNAVAILABLE = "unavailable"  # WorkOS could not be reached; session kept


def hot_data(claims: dict[str, Any], impersonator: dict[str, Any] | None) -> dict[str, Any]:
    data = {k: claims[k] for k in HOT_CLAIMS if claims.get(k) not in (None, [], "")}
    if impersonator:
        data["impersonator"] = impersonator
    return data


def _expiry(claims: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(int(claims["exp"]), tz=timezone.utc)


def start(
    request: HttpRequest, user: Any, auth: AuthenticationResponse, claims: dict[str, Any]
) -> AuthKitSession:
    """Store a freshly signed-in session's tokens and expose its claims to the hot path."""
    impersonator = (
        {"email": auth.impersonator.email, "reason": auth.impersonator.reason}
        if auth.impersonator
        else None
    )
    row, _ = AuthKitSession.objects.update_or_create(
        session_id=claims["sid"],
        defaults={
            "user": user,
            "organization_id": claims.get("org_id") or "",
            "access_token": crypto.encrypt(auth.access_token),
            "refresh_token": crypto.encrypt(auth.refresh_token),
            "access_token_expires_at": _expiry(claims),
            "authentication_method": auth.authentication_method or "",
            "impersonator": impersonator,
            "ended_at": None,
        },
    )
    request.session[HOT_KEY] = hot_data(claims, impersonator)
    return row


def needs_refresh(hot: dict[str, Any], now: float | None = None) -> bool:
    return int(hot.get("exp", 0)) - (now or time.time()) <= int(authkit_settings.REFRESH_AHEAD)


def refresh(request: HttpRequest, organization_id: str | None = None) -> Outcome:
    """Refresh the request's session exactly once across workers; see :class:`Outcome`."""
    hot = request.session.get(HOT_KEY) or {}
    sid = hot.get("sid")
    if not sid:
        return Outcome.ENDED
    with transaction.atomic():
        row = AuthKitSession.objects.select_for_update().filter(session_id=sid).first()
        if row is None or row.ended_at is not None or row.user_id != _user_pk(request):
            return Outcome.ENDED
        if organization_id is None and _adoptable(row):
            claims = _verify_stored(row)
            if claims is not None:
                request.session[HOT_KEY] = hot_data(claims, row.impersonator)
                return Outcome.ADOPTED
        refresh_token = crypto.decrypt(row.refresh_token)
        if refresh_token is None:  # SECRET_KEY rotated without a fallback
            _end(row, "undecryptable")
            return Outcome.ENDED
        try:
            auth = get_workos().user_management.authenticate_with_refresh_token(
                refresh_token=refresh_token, organization_id=organization_id
            )
        except (ServerError, RateLimitExceededError) as exc:
            logger.warning("WorkOS refresh unavailable for a session: %s", type(exc).__name__)
            return Outcome.UNAVAILABLE
        except APIError as exc:
            if not _is_refusal(exc, switching=organization_id is not None):
                logger.error(
                    "WorkOS answered %s to a refresh (request id %s); keeping the session.",
                    exc.status_code,
                    exc.request_id,
                )
                return Outcome.UNAVAILABLE
            logger.info("WorkOS refused a refresh (%s); ending the session.", exc.error or exc.code)
            _end(row, "refresh_refused")
            return Outcome.ENDED
        except WorkOSError as exc:
            logger.warning("WorkOS refresh unavailable for a session: %s", type(exc).__name__)
            return Outcome.UNAVAILABLE
        try:
            claims = verify_access_token(auth.access_token)
        except KeysUnavailable:
            return Outcome.UNAVAILABLE
        except InvalidAccessToken as exc:
            logger.warning("WorkOS returned an unusable access token on refresh: %s", exc.reason)
            _end(row, "invalid_token")
            return Outcome.ENDED
        if claims["sub"] != hot.get("sub") or claims["sid"] != sid:
            logger.warning("A refresh changed the session's user or sid; ending the session.")
            _end(row, "identity_changed")
            return Outcome.ENDED
        row.access_token = crypto.encrypt(auth.access_token)
        row.refresh_token = crypto.encrypt(auth.refresh_token)
        row.access_token_expires_at = _expiry(claims)
        row.organization_id = claims.get("org_id") or ""
        row.refreshed_at = dj_timezone.now()
        row.save()
    request.session[HOT_KEY] = hot_data(claims, row.impersonator)
    signals.session_refreshed.send(
        sender=AuthKitSession, user=row.user, session_id=sid, claims=claims
    )
    return Outcome.REFRESHED


def _is_refusal(exc: APIError, *, switching: bool) -> bool:
    """Only WorkOS saying no to this session ends it; our own misconfiguration does not."""
    if exc.is_invalid_grant:
        return True
    if switching:
        return False  # e.g. organization_membership_not_found: the old session is fine
    return exc.status_code in (400, 403)


def _user_pk(request: HttpRequest) -> Any:
    from django.contrib.auth import SESSION_KEY, get_user_model

    raw = request.session.get(SESSION_KEY)
    try:
        return get_user_model()._meta.pk.to_python(raw)
    except Exception:
        return None


def _adoptable(row: AuthKitSession) -> bool:
    ahead = int(authkit_settings.REFRESH_AHEAD)
    return row.access_token_expires_at.timestamp() - time.time() > ahead


def _verify_stored(row: AuthKitSession) -> dict[str, Any] | None:
    token = crypto.decrypt(row.access_token)
    if token is None:
        return None
    try:
        return verify_access_token(token)
    except InvalidAccessToken:
        return None


def _end(row: AuthKitSession, reason: str) -> None:
    row.ended_at = dj_timezone.now()
    row.save(update_fields=["ended_at"])
    signals.session_ended.send(
        sender=AuthKitSession, user=row.user, session_id=row.session_id, reason=reason
    )


def current_access_token(request: HttpRequest) -> str | None:
    """The session's access token, refreshed first when it is about to expire."""
    hot = request.session.get(HOT_KEY)
    if not hot:
        return None
    if needs_refresh(hot) and refresh(request) not in (Outcome.REFRESHED, Outcome.ADOPTED):
        return None
    row = AuthKitSession.objects.filter(session_id=hot["sid"], ended_at__isnull=True).first()
    return crypto.decrypt(row.access_token) if row else None


def sign_out(request: HttpRequest) -> str | None:
    """End the local session and return the WorkOS session id to log out there."""
    hot = request.session.get(HOT_KEY) or {}
    sid = hot.get("sid")
    user = getattr(request, "user", None)
    if sid:
        AuthKitSession.objects.filter(session_id=sid, ended_at__isnull=True).update(
            ended_at=dj_timezone.now()
        )
    logout(request)
    signals.signed_out.send(sender=AuthKitSession, request=request, user=user, session_id=sid)
    return str(sid) if sid else None
