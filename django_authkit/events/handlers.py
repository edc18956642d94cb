"""What each WorkOS event does to Django: one table, shared by webhooks and the Events API.

:func:`process_event` records every event by its id (unique), applies it at most
once, and sends :data:`~django_authkit.signals.workos_event`. The handlers only
call :mod:`django_authkit.provisioning`, whose rows remember WorkOS's
``updated_at``, so an older event never overwrites newer state; a deletion is
remembered by its recorded event, so a late ``*.updated`` cannot resurrect it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from django_authkit import signals
from django_authkit.client.models import (
    Connection,
    Directory,
    DirectoryGroup,
    DirectoryUser,
    Event,
    Invitation,
    Organization,
    OrganizationDomain,
    OrganizationMembership,
    User,
    UserSession,
    WorkOSModel,
)
from django_authkit.identity import provisioning
from django_authkit.identity.rules import same_email
from django_authkit.models import WebhookEvent, WorkOSUser
from django_authkit.sessions.revocation import revoke_user_sessions

logger = logging.getLogger("django_authkit.events")

PROCESSED, DUPLICATE, FAILED = "ok", "duplicate", "failed"

Handler = Callable[[Event, Any], None]

#: Event name prefixes and the model their ``data`` is parsed into (longest first).
MODELS: tuple[tuple[str, type[WorkOSModel]], ...] = (
    ("organization_membership.", OrganizationMembership),
    ("organization_domain.", OrganizationDomain),
    ("organization.", Organization),
    ("user.", User),
    ("session.", UserSession),
    ("dsync.user.", DirectoryUser),
    ("dsync.activated", Directory),
    ("dsync.deleted", Directory),
    ("connection.", Connection),
    ("invitation.", Invitation),  # signalled (workos_event); its membership event mirrors
)

#: Every event type requested from the Events API (handled or signalled).
EVENT_TYPES: tuple[str, ...] = (
    "user.created", "user.updated", "user.deleted",
    "organization.created", "organization.updated", "organization.deleted",
    "organization_membership.created", "organization_membership.updated",
    "organization_membership.deleted",
    "session.created", "session.revoked",
    "dsync.activated", "dsync.deleted",
    "dsync.user.created", "dsync.user.updated", "dsync.user.deleted",
    "dsync.group.created", "dsync.group.updated", "dsync.group.deleted",
    "dsync.group.user_added", "dsync.group.user_removed",
    "connection.activated", "connection.deactivated", "connection.deleted",
    "invitation.created", "invitation.accepted", "invitation.revoked", "invitation.resent",
)  # fmt: skip


def typed_data(event: Event) -> Any:
    """``event.data`` as its model; ``dsync.group.user_*`` and unknown types stay a dict."""
    if event.event.startswith("dsync.group."):
        if event.event.endswith(("user_added", "user_removed")):
            return dict(event.data)
        return DirectoryGroup.from_dict(event.data)
    for prefix, model in MODELS:
        if event.event.startswith(prefix):
            return model.from_dict(event.data)
    return dict(event.data)


def deleted_at_workos(event_type: str, workos_id: str) -> bool:
    """Whether a deletion of this object was already recorded (a tombstone)."""
    return WebhookEvent.objects.filter(event_type=event_type, data__data__id=workos_id).exists()


# -- users ----------------------------------------------------------------------------


def apply_user(remote: User) -> Any | None:
    """Update the linked Django user, or provision one (``CREATE_USERS`` rules)."""
    if deleted_at_workos("user.deleted", remote.id):
        return provisioning.linked_user(remote.id)
    user = provisioning.sync_user(remote)
    if user is not None:
        return user
    user = provisioning.provision_user(remote)
    if user is not None:  # provisioning stamps "signed in now"; keep WorkOS's value instead
        WorkOSUser.objects.filter(workos_id=remote.id).update(
            last_sign_in_at=remote.last_sign_in_at
        )
    return user


def on_user_changed(event: Event, remote: User) -> None:
    apply_user(remote)


def on_user_deleted(event: Event, remote: User) -> None:
    """Keep the Django row for history, but drop its roles and end every session."""
    user = provisioning.linked_user(remote.id)
    if user is None:
        return
    for membership in list(user.authkit_memberships.select_related("organization")):
        provisioning.remove_membership(user, membership.organization)
    deactivate_user(user, "user_deleted")


def deactivate_user(user: Any, reason: str) -> None:
    """A user gone at WorkOS: identity closes the account, then every session of it ends."""
    provisioning.deactivate_user(user)
    revoke_user_sessions(user, at_workos=False, reason=reason)


# -- organizations and memberships ----------------------------------------------------


def on_organization_changed(event: Event, remote: Organization) -> None:
    if not deleted_at_workos("organization.deleted", remote.id):
        provisioning.upsert_organization(remote)


def on_organization_deleted(event: Event, remote: Organization) -> None:
    from django_authkit.models import Organization as LocalOrganization

    org = LocalOrganization.objects.filter(workos_id=remote.id).first()
    if org is None:
        return
    for membership in list(org.memberships.select_related("user")):
        provisioning.remove_membership(membership.user, org)
    org.delete()


def on_membership_changed(event: Event, remote: OrganizationMembership) -> None:
    apply_membership(remote)


def apply_membership(remote: OrganizationMembership) -> None:
    """Roles and status follow WorkOS; groups/staff follow through the role mapping."""
    if deleted_at_workos("organization_membership.deleted", remote.id):
        return
    if deleted_at_workos("organization.deleted", remote.organization_id):
        return
    user = provisioning.linked_user(remote.user_id)
    if user is None:
        logger.debug("Membership %s of an unknown user; left to sign-in or sync.", remote.id)
        return
    provisioning.apply_remote_membership(user, remote)


def on_membership_deleted(event: Event, remote: OrganizationMembership) -> None:
    from django_authkit.models import Membership

    local = (
        Membership.objects.select_related("user", "organization")
        .filter(
            user__workos__workos_id=remote.user_id,
            organization__workos_id=remote.organization_id,
        )
        .first()
    )
    if local is None or (local.workos_id and local.workos_id != remote.id):
        return  # already gone, or a newer membership replaced the deleted one
    provisioning.remove_membership(local.user, local.organization)


# -- sessions -------------------------------------------------------------------------


def on_session_revoked(event: Event, remote: UserSession) -> None:
    """The browser holding this session is anonymous from its next request."""
    from django_authkit.sessions.revocation import revoke_session_by_id

    revoke_session_by_id(remote.id, at_workos=False, reason="revoked_at_workos")


# -- directory sync (opt-in: SYNC_DIRECTORY_USERS) ------------------------------------


def on_directory_user(event: Event, remote: DirectoryUser) -> None:
    """Follow a directory's provisioning, but only within the directory's organization.

    A directory is run by a customer, and its e-mails are that customer's
    assertion: it may only act on Django users who are WorkOS members of the
    directory's own organization, and it never creates identities WorkOS lacks.
    """
    from django_authkit.conf import authkit_settings

    if not authkit_settings.SYNC_DIRECTORY_USERS or not remote.email or not remote.organization_id:
        return
    if event.event != "dsync.user.deleted" and remote.state == "active":
        _directory_user_active(remote.email, remote.organization_id)
    else:
        _directory_user_gone(remote.email, remote.organization_id)


def _directory_user_active(email: str, organization_id: str) -> None:
    """Provision the WorkOS user with this e-mail if WorkOS has them in the organization."""
    from django_authkit.workos import get_workos

    workos = get_workos()
    for remote in workos.user_management.list_users(email=email, limit=10).data:
        if not same_email(remote.email, email):  # the e-mail rule, not str.lower()
            continue
        memberships = workos.user_management.list_organization_memberships(
            user_id=remote.id, organization_id=organization_id
        ).data
        if not memberships:
            continue
        user = apply_user(remote)
        if user is not None:
            for membership in memberships:
                apply_membership(membership)


def _directory_user_gone(email: str, organization_id: str) -> None:
    """Deactivate the membership, end sessions there; deactivate users left with none."""
    from django_authkit.models import AuthKitSession, Membership
    from django_authkit.sessions.revocation import end_session

    memberships = Membership.objects.select_related("user__workos", "organization").filter(
        organization__workos_id=organization_id, user__workos__email__iexact=email.strip()
    )
    for membership in [m for m in memberships if same_email(m.user.workos.email, email)]:
        user = membership.user
        provisioning.upsert_membership(
            user,
            membership.organization,
            role=membership.role,
            roles=list(membership.roles or []),
            status="inactive",
        )
        rows = AuthKitSession.objects.filter(
            user=user, organization_id=organization_id, ended_at__isnull=True
        )
        for row in list(rows):
            end_session(row, "directory_deactivated")
        if not Membership.objects.filter(user=user, status="active").exists():
            deactivate_user(user, "directory_deactivated")


HANDLERS: dict[str, Handler] = {
    "user.created": on_user_changed,
    "user.updated": on_user_changed,
    "user.deleted": on_user_deleted,
    "organization.created": on_organization_changed,
    "organization.updated": on_organization_changed,
    "organization.deleted": on_organization_deleted,
    "organization_membership.created": on_membership_changed,
    "organization_membership.updated": on_membership_changed,
    "organization_membership.deleted": on_membership_deleted,
    "session.revoked": on_session_revoked,
    "dsync.user.created": on_directory_user,
    "dsync.user.updated": on_directory_user,
    "dsync.user.deleted": on_directory_user,
}


# -- processing -------------------------------------------------------------------------


def apply(event: Event, source: str) -> None:
    """Run the event's handler (if any), then tell the site through the signal."""
    data = typed_data(event)
    handler = HANDLERS.get(event.event)
    if handler is not None:
        handler(event, data)
    signals.workos_event.send(
        sender=Event, event=event, event_type=event.event, data=data, source=source
    )


def record(event: Event, source: str) -> WebhookEvent:
    """The event's row, created on first sight (racing writers share one row)."""
    body = dict(event.raw) or {"id": event.id, "event": event.event, "data": event.data}
    defaults = {
        "event_type": event.event[:100],
        "source": source,
        "occurred_at": event.created_at,
        "data": body,
    }
    try:
        with transaction.atomic():
            row, _ = WebhookEvent.objects.get_or_create(event_id=event.id, defaults=defaults)
    except IntegrityError:
        row = WebhookEvent.objects.get(event_id=event.id)
    return row


def process_event(event: Event, source: str = "webhook") -> str:
    """Apply ``event`` once: ``"ok"``, ``"duplicate"`` or ``"failed"``.

    A failed event keeps ``processed_at`` empty and its ``error`` text; the next
    delivery of the same id (a WorkOS redelivery, the Events API, or
    :func:`retry_failed`) applies it again. The row lock makes concurrent
    deliveries of one id run the handler once.
    """
    if len(event.id) > 64:
        raise ValueError("event id too long")
    record(event, source)
    with transaction.atomic():
        row = WebhookEvent.objects.select_for_update().get(event_id=event.id)
        if row.processed_at is not None:
            return DUPLICATE
        try:
            with transaction.atomic():
                apply(event, source)
        except Exception as exc:
            logger.error(
                "WorkOS event %s (%s) failed: %s",
                event.id,
                event.event,
                type(exc).__name__,
                exc_info=True,
            )
            row.error = f"{type(exc).__name__}: {exc}"[:2000]
            row.save(update_fields=["error"])
            return FAILED
        row.processed_at = timezone.now()
        row.error = ""
        row.save(update_fields=["processed_at", "error"])
    return PROCESSED


def retry_failed(limit: int = 1000) -> dict[str, int]:
    """Apply recorded events that failed, oldest first, from their stored bodies."""
    counts = {PROCESSED: 0, DUPLICATE: 0, FAILED: 0}
    rows = WebhookEvent.objects.filter(processed_at__isnull=True).exclude(error="")
    for row in rows.order_by("occurred_at", "received_at")[:limit]:
        try:
            event = Event.from_dict(row.data)
        except (TypeError, ValueError, KeyError):
            continue
        counts[process_event(event, row.source)] += 1
    return counts
