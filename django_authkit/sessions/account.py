"""A signed-in user's own WorkOS sessions: list them, end one, end all the others.

Only the sessions WorkOS lists for the request's own WorkOS user can be ended, so
nobody ends another user's session by naming its id (whatever their role). A
session is ended at WorkOS (its refresh token stops working) and here (the row is
marked ended and the browser's Django session deleted). The current session is
not ended here: that is sign-out. A WorkOS failure raises
:class:`~django_authkit.workos.failures.Refusal` with the mapping's outcome (503
with ``Retry-After`` for an outage); the web layer renders it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from django_authkit.client.errors import NotFoundError, WorkOSError
from django_authkit.client.models import UserSession
from django_authkit.models import AuthKitSession
from django_authkit.sessions import revocation
from django_authkit.workos import failures, get_workos

#: How many sessions are listed (the newest first).
LIMIT = 100

NOT_YOURS = failures.Failure(
    failures.REFUSED, "session_not_found", _("No such session of yours is active."), 404,
)
CURRENT = failures.Failure(
    failures.REFUSED, "current_session", _("To end this session, sign out."), 400,
)
NO_SESSION = failures.Failure(
    failures.REFUSED, "no_session", _("Sign in with WorkOS to manage your sessions."), 403,
)


@dataclass(frozen=True)
class SessionInfo:
    """One of the user's active sessions, as the page and the JSON show it."""

    id: str
    current: bool
    organization_id: str | None
    auth_method: str | None
    ip_address: str | None
    user_agent: str | None
    created_at: datetime | None
    last_seen_at: datetime | None
    expires_at: datetime | None
    impersonated: bool

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("created_at", "last_seen_at", "expires_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def _identity(request: HttpRequest) -> tuple[str, str]:
    authkit = getattr(request, "authkit", None)
    if not authkit:
        raise failures.Refusal(NO_SESSION)
    return str(authkit.user_id), str(authkit.session_id)


def _active(user_id: str) -> list[UserSession]:
    try:
        page = get_workos().user_management.list_sessions(user_id, limit=LIMIT, order="desc")
    except WorkOSError as exc:
        raise failures.Refusal(failures.report(exc, during="listing a user's sessions")) from None
    return [s for s in page.data
            if s.user_id in (None, user_id) and (s.status or "active") == "active"
            and s.ended_at is None]


def list_sessions(request: HttpRequest) -> list[SessionInfo]:
    """The request's user's active sessions at WorkOS, the current one first."""
    user_id, current = _identity(request)
    sessions = _active(user_id)
    seen = dict(
        AuthKitSession.objects.filter(session_id__in=[s.id for s in sessions])
        .values_list("session_id", "refreshed_at")
    )
    infos = [
        SessionInfo(
            id=s.id, current=s.id == current, organization_id=s.organization_id,
            auth_method=s.auth_method, ip_address=s.ip_address, user_agent=s.user_agent,
            created_at=s.created_at,
            last_seen_at=seen.get(s.id) or s.updated_at or s.created_at,
            expires_at=s.expires_at, impersonated=s.impersonator is not None,
        )
        for s in sessions
    ]
    return sorted(infos, key=lambda i: not i.current)


def end(request: HttpRequest, session_id: str) -> None:
    """End one of the user's other sessions, at WorkOS and here."""
    user_id, current = _identity(request)
    if session_id == current:
        raise failures.Refusal(CURRENT)
    if session_id not in {s.id for s in _active(user_id)}:
        raise failures.Refusal(NOT_YOURS)
    _end(session_id)


def end_others(request: HttpRequest) -> int:
    """End every session of the user but this one; how many were ended."""
    user_id, current = _identity(request)
    others = [s.id for s in _active(user_id) if s.id != current]
    for session_id in others:
        _end(session_id)
    return len(others)


def _end(session_id: str) -> None:
    try:
        get_workos().user_management.revoke_session(session_id)
    except NotFoundError:
        pass  # already gone at WorkOS: still end it here
    except WorkOSError as exc:
        raise failures.Refusal(failures.report(exc, during="ending a session")) from None
    revocation.revoke_session_by_id(session_id, at_workos=False, reason="ended_by_user")
