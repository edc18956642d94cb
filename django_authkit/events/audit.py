"""WorkOS audit logs: sign-in, sign-out and organization switches, plus a helper for sites.

With ``AUDIT_LOG`` on, the receivers here record ``user.signed_in``,
``user.signed_out`` and ``user.organization_switched`` in the organization the
session belongs to (sessions without one are not logged: audit logs are per
organization). The setting is read when each signal arrives, so it can be
switched per test or per deployment without reconnecting anything. A WorkOS
failure is logged, never raised into the sign-in.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from django_authkit import signals
from django_authkit.client.errors import WorkOSError
from django_authkit.conf import authkit_settings
from django_authkit.core.clientip import client_ip, user_agent
from django_authkit.models import AuthKitSession
from django_authkit.sessions.data import read_hot
from django_authkit.workos import get_workos

logger = logging.getLogger("django_authkit.audit")

__all__ = ["actor_for", "record_audit_event"]


def actor_for(user: Any) -> dict[str, Any]:
    """An audit-log actor or target for a Django user: its WorkOS id when linked."""
    link = getattr(user, "workos", None) if getattr(user, "pk", None) else None
    name = ""
    if hasattr(user, "get_full_name"):
        name = user.get_full_name()
    name = name or (user.get_username() if hasattr(user, "get_username") else "")
    entry: dict[str, Any] = {
        "id": link.workos_id if link is not None else f"django_user:{user.pk}",
        "type": "user",
    }
    if name:
        entry["name"] = name
    return entry


def _context(request: HttpRequest | None) -> dict[str, str]:
    context = {"location": "0.0.0.0"}  # noqa: S104  (WorkOS requires a location)
    if request is not None:
        context["location"] = client_ip(request) or context["location"]
        agent = user_agent(request)
        if agent:
            context["user_agent"] = agent
    return context


def record_audit_event(
    *,
    organization_id: str,
    action: str,
    actor: Mapping[str, Any] | Any,
    targets: Sequence[Mapping[str, Any]] = (),
    request: HttpRequest | None = None,
    metadata: Mapping[str, str | int | float | bool] | None = None,
    occurred_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> None:
    """Send one audit-log event to WorkOS; raises :class:`WorkOSError` on failure.

    ``actor`` is a WorkOS actor dict (``id``, ``type``, ``name``) or a Django user.
    ``request`` fills the required ``context`` (client IP, user agent). Give an
    ``idempotency_key`` stable for this occurrence, so a retry is never counted twice.
    """

    event: dict[str, Any] = {
        "action": action,
        "occurred_at": occurred_at or timezone.now(),
        "actor": dict(actor) if isinstance(actor, Mapping) else actor_for(actor),
        "targets": [dict(t) for t in targets],
        "context": _context(request),
        "version": 1,
    }
    if metadata:
        event["metadata"] = dict(metadata)
    get_workos().audit_logs.create_event(
        organization_id=organization_id,
        event=event,
        idempotency_key=idempotency_key or f"authkit:{action}:{uuid.uuid4()}",
    )


def _record_quietly(**kwargs: Any) -> None:
    try:
        record_audit_event(**kwargs)
    except (WorkOSError, ImproperlyConfigured, ValueError) as exc:
        logger.warning("Could not record audit event %s: %s", kwargs["action"], type(exc).__name__)


def _record_user_event(
    action: str,
    user: Any,
    *,
    organization_id: str,
    request: HttpRequest | None,
    metadata: Mapping[str, str | int | float | bool],
    occurrence: str,
    also: Sequence[Mapping[str, Any]] = (),
) -> None:
    """A receiver's event: ``user`` acts on itself (and ``also``), once per ``occurrence``."""
    actor = actor_for(user)
    _record_quietly(
        organization_id=organization_id,
        action=action,
        actor=actor,
        targets=[actor, *also],
        request=request,
        metadata=metadata,
        idempotency_key=f"authkit:{action}:{occurrence}",
    )


def _session_id(request: HttpRequest | None) -> str | None:

    session = getattr(request, "session", None)
    hot = read_hot(session) if session is not None else None
    sid = hot.get("sid") if hot else None
    return str(sid) if sid else None


@receiver(signals.signed_in, dispatch_uid="authkit.audit.signed_in")
def audit_signed_in(sender: Any, request: HttpRequest, user: Any, auth: Any, **kw: Any) -> None:
    if not authkit_settings.AUDIT_LOG or not getattr(auth, "organization_id", None):
        return
    sid = _session_id(request) or str(uuid.uuid4())
    metadata: dict[str, str | int | float | bool] = {"session_id": sid}
    if getattr(auth, "authentication_method", None):
        metadata["authentication_method"] = str(auth.authentication_method)
    if getattr(auth, "impersonator", None) is not None:
        metadata["impersonator"] = str(auth.impersonator.email)
    _record_user_event(
        "user.signed_in",
        user,
        organization_id=auth.organization_id,
        request=request,
        metadata=metadata,
        occurrence=sid,
    )


@receiver(signals.signed_out, dispatch_uid="authkit.audit.signed_out")
def audit_signed_out(
    sender: Any, request: HttpRequest, user: Any, session_id: str | None, **kw: Any
) -> None:

    if not authkit_settings.AUDIT_LOG or not session_id or not getattr(user, "pk", None):
        return
    row = AuthKitSession.objects.filter(session_id=session_id).first()
    if row is None or not row.organization_id:
        return
    _record_user_event(
        "user.signed_out",
        user,
        organization_id=row.organization_id,
        request=request,
        metadata={"session_id": session_id},
        occurrence=session_id,
    )


@receiver(signals.organization_switched, dispatch_uid="authkit.audit.organization_switched")
def audit_organization_switched(
    sender: Any,
    request: HttpRequest | None,
    user: Any,
    session_id: str | None,
    organization_id: str,
    previous_organization_id: str | None = None,
    **kw: Any,
) -> None:
    if not authkit_settings.AUDIT_LOG or not organization_id:
        return
    metadata: dict[str, str | int | float | bool] = {"session_id": session_id or ""}
    if previous_organization_id:
        metadata["previous_organization_id"] = previous_organization_id
    _record_user_event(
        "user.organization_switched",
        user,
        organization_id=organization_id,
        request=request,
        metadata=metadata,
        occurrence=f"{session_id}:{uuid.uuid4()}",
        also=[{"id": organization_id, "type": "organization"}],
    )
