"""Bring the ORM mirror up to date from WorkOS: a full pull, or the Events API.

Webhooks can be lost; these are the reliable paths. :func:`pull` lists every
organization, user and membership (idempotent, safe to repeat). :func:`pull_user`
re-reads one user (the admin's "Sync from WorkOS" action). :func:`poll_events`
reads the Events API from a stored cursor and feeds the same handlers as the
webhooks, so running it from cron, in a loop, or beside webhooks does no harm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from django_authkit.client.errors import NotFoundError
from django_authkit.events.handlers import (
    DUPLICATE,
    EVENT_TYPES,
    FAILED,
    PROCESSED,
    apply_user,
    deactivate_user,
    process_event,
    retry_failed,
)
from django_authkit.identity import provisioning
from django_authkit.models import EventCursor, Membership, WorkOSUser
from django_authkit.workos import get_workos

Progress = Callable[[str], None]
PAGE_SIZE = 100
STATUSES = ("active", "inactive", "pending")


def _quiet(message: str) -> None:
    """The default progress reporter says nothing."""


@dataclass
class PullResult:
    organizations: int = 0
    users: int = 0
    memberships: int = 0
    removed_memberships: int = 0


def pull(progress: Progress = _quiet) -> PullResult:
    """Mirror every WorkOS organization, user and membership; drop memberships WorkOS lost."""
    workos = get_workos()
    result = PullResult()
    organizations = []
    for remote_org in workos.organizations.list_organizations(limit=PAGE_SIZE).auto_paging_iter():
        organizations.append(provisioning.upsert_organization(remote_org))
        result.organizations += 1
        _tick(progress, "organizations", result.organizations)
    progress(f"Organizations: {result.organizations}")
    for remote_user in workos.user_management.list_users(limit=PAGE_SIZE).auto_paging_iter():
        apply_user(remote_user)
        result.users += 1
        _tick(progress, "users", result.users)
    progress(f"Users: {result.users}")
    for org in organizations:
        seen: set[int] = set()
        pages = workos.user_management.list_organization_memberships(
            organization_id=org.workos_id, statuses=STATUSES, limit=PAGE_SIZE
        )
        for remote in pages.auto_paging_iter():
            user = provisioning.linked_user(remote.user_id)
            if user is None:
                continue  # not mirrored here (CREATE_USERS is off)
            provisioning.apply_remote_membership(user, remote, org)
            seen.add(user.pk)
            result.memberships += 1
            _tick(progress, "memberships", result.memberships)
        for stale in Membership.objects.filter(organization=org).exclude(user__in=seen):
            provisioning.remove_membership(stale.user, org)
            result.removed_memberships += 1
    progress(f"Memberships: {result.memberships} ({result.removed_memberships} removed)")
    return result


def pull_user(user: Any) -> str:
    """Re-read one linked user and their memberships from WorkOS; return what happened.

    ``"synced"``, ``"deactivated"`` (deleted at WorkOS: the account is closed and its
    sessions end) or ``"not_linked"``. Raises the client's ``WorkOSError`` when WorkOS
    cannot be reached.
    """
    link = WorkOSUser.objects.filter(user=user).first()
    if link is None:
        return "not_linked"
    api = get_workos().user_management
    try:
        remote = api.get_user(link.workos_id)
    except NotFoundError:
        deactivate_user(user, "user_deleted")
        return "deactivated"
    provisioning.sync_user(remote)
    seen: set[int] = set()
    for item in api.list_organization_memberships(user_id=link.workos_id).auto_paging_iter():
        seen.add(provisioning.apply_remote_membership(user, item).pk)
    stale = Membership.objects.filter(user=user).exclude(pk__in=seen)
    if stale.exists():
        stale.delete()
        provisioning.apply_role_mapping(user)
    return "synced"


def _tick(progress: Progress, kind: str, count: int) -> None:
    if count % PAGE_SIZE == 0:
        progress(f"  {kind}: {count}...")


@dataclass
class PollResult:
    counts: dict[str, int] = field(default_factory=lambda: {PROCESSED: 0, DUPLICATE: 0, FAILED: 0})
    retried: dict[str, int] = field(default_factory=dict)
    cursor: str = ""


def poll_events(
    name: str = "default",
    *,
    events: tuple[str, ...] = EVENT_TYPES,
    limit: int = PAGE_SIZE,
    progress: Progress = _quiet,
) -> PollResult:
    """Apply every event after the stored cursor, advancing it event by event.

    Failed events do not block the cursor: they stay recorded and are retried
    (first thing) on the next run.
    """
    result = PollResult(retried=retry_failed())
    cursor, _ = EventCursor.objects.get_or_create(name=name)
    workos = get_workos()
    after = cursor.after or None
    while True:
        page = workos.events.list_events(events=list(events), after=after, limit=limit, order="asc")
        for event in page.data:
            result.counts[process_event(event, "events_api")] += 1
            after = event.id
            EventCursor.objects.filter(pk=cursor.pk).update(after=after, updated_at=timezone.now())
        total = sum(result.counts.values())
        progress(f"  events: {total} (cursor {after or '(start)'})")
        if not page.data or not page.has_more():
            break
    result.cursor = after or ""
    return result
