"""Mirror WorkOS users, organizations and memberships into the ORM.

One place applies WorkOS data to Django, whatever brought it: a sign-in's
verified claims, a webhook, the Events API, or ``authkit_sync``. Each mirror
row remembers the WorkOS ``updated_at`` it reflects, so an older event never
overwrites newer state. Role mapping (``ROLE_GROUPS``, ``STAFF_ROLES``,
``SUPERUSER_ROLES``) is recomputed from the user's active memberships in the
organizations ``STAFF_ORGANIZATIONS`` names whenever one changes.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from django_authkit.client.models import Organization as RemoteOrganization
from django_authkit.client.models import OrganizationMembership as RemoteMembership
from django_authkit.client.models import User as RemoteUser
from django_authkit.identity.adapter import get_adapter, get_hooks
from django_authkit.identity.rules import (
    IdentityRefused,
    assign_changed,
    clean_json,
    clean_text,
    max_length_of,
)
from django_authkit.identity.users import provision, sync_linked
from django_authkit.models import Membership, Organization, WorkOSUser

logger = logging.getLogger("django_authkit.provisioning")


def is_stale(current: datetime | None, incoming: datetime | None) -> bool:
    """True when ``incoming`` data is older than what the row already reflects."""
    return current is not None and incoming is not None and incoming < current


# -- users ----------------------------------------------------------------------


def provision_user(workos_user: RemoteUser) -> Any | None:
    """Find, link or create the Django user of ``workos_user`` (the hooks in force)."""
    try:
        return provision(workos_user, get_hooks())
    except IdentityRefused as exc:  # e.g. an e-mail user model and an address in use
        logger.warning("Did not provision WorkOS user %s: %s.", workos_user.id, exc.code)
        return None


def linked_user(workos_user_id: str) -> Any | None:
    link = WorkOSUser.objects.select_related("user").filter(workos_id=workos_user_id).first()
    return link.user if link else None


def sync_user(workos_user: RemoteUser) -> Any | None:
    """Update an already linked Django user from WorkOS data; never creates one."""
    link = WorkOSUser.objects.select_related("user").filter(workos_id=workos_user.id).first()
    if link is None:
        return None
    if is_stale(link.workos_updated_at, workos_user.updated_at):
        return link.user
    return sync_linked(link, workos_user, get_hooks())


def deactivate_user(user: Any) -> None:
    """A user gone at WorkOS: keep the Django row (history), but it can no longer sign in.

    Ending the user's sessions is the caller's part (the events layer does both:
    :func:`django_authkit.events.handlers.deactivate_user`); identity never reaches
    into sessions.
    """
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])


# -- organizations --------------------------------------------------------------


def upsert_organization(remote: RemoteOrganization) -> Organization:
    org, _ = Organization.objects.get_or_create(workos_id=remote.id)
    if is_stale(org.workos_updated_at, remote.updated_at):
        return org
    org.name = clean_text(remote.name, max_length_of(Organization, "name"))
    org.external_id = clean_text(remote.external_id, max_length_of(Organization, "external_id"))
    org.domains = clean_json([d.domain for d in remote.domains])
    org.metadata = clean_json(dict(remote.metadata or {}))
    org.workos_updated_at = remote.updated_at
    org.save()
    return org


def ensure_organization(workos_id: str) -> Organization:
    """The local row of an organization, fetching its details from WorkOS when new."""
    org, created = Organization.objects.get_or_create(workos_id=workos_id)
    if created or not org.name:
        from django_authkit.client.errors import WorkOSError
        from django_authkit.workos import get_workos

        try:
            return upsert_organization(get_workos().organizations.get_organization(workos_id))
        except WorkOSError as exc:
            logger.warning("Could not fetch organization %s: %s", workos_id, type(exc).__name__)
    return org


# -- memberships ----------------------------------------------------------------


def upsert_membership(
    user: Any,
    organization: Organization,
    *,
    role: str,
    roles: list[str] | None = None,
    permissions: list[str] | None = None,
    status: str = "active",
    workos_id: str | None = None,
    updated_at: datetime | None = None,
) -> Membership:
    """Create or update a membership and re-apply the user's role mapping."""
    values: dict[str, Any] = {
        "role": clean_text(role, max_length_of(Membership, "role")),
        "roles": clean_json(list(roles or ([role] if role else []))),
        "status": clean_text(status, max_length_of(Membership, "status")) or "active",
    }
    if permissions is not None:
        values["permissions"] = clean_json(list(permissions))
    if workos_id:
        values["workos_id"] = workos_id
    try:
        with transaction.atomic():
            membership, created = Membership.objects.get_or_create(
                user=user,
                organization=organization,
                defaults={**values, "workos_updated_at": updated_at},
            )
    except IntegrityError:  # a concurrent sign-in created it
        membership, created = Membership.objects.get(user=user, organization=organization), False
    if not created:
        if is_stale(membership.workos_updated_at, updated_at):
            return membership
        if updated_at is not None:
            values["workos_updated_at"] = updated_at
        changed = assign_changed(membership, values)
        if changed:
            membership.save(update_fields=[*changed, "updated_at"])
    apply_role_mapping(user)
    return membership


def apply_remote_membership(
    user: Any, remote: RemoteMembership, organization: Organization | None = None
) -> Membership:
    """Mirror a membership as WorkOS's API, webhooks and Events API describe it."""
    return upsert_membership(
        user,
        organization or ensure_organization(remote.organization_id),
        role=remote.role or "",
        roles=remote.roles,
        status=remote.status or "active",
        workos_id=remote.id,
        updated_at=remote.updated_at,
    )


def remove_membership(user: Any, organization: Organization) -> None:
    Membership.objects.filter(user=user, organization=organization).delete()
    apply_role_mapping(user)


def sync_membership(user: Any, claims: dict[str, Any]) -> Membership | None:
    """Record the role and permissions a verified token gives the user in its organization."""
    org_id = claims.get("org_id")
    if not isinstance(org_id, str) or not org_id:
        return None
    roles = claims.get("roles") or ([claims["role"]] if claims.get("role") else [])
    return upsert_membership(
        user,
        ensure_organization(org_id),
        role=str(claims.get("role") or ""),
        roles=[str(r) for r in roles],
        permissions=[str(p) for p in claims.get("permissions") or []],
    )


# -- role mapping ---------------------------------------------------------------


def apply_role_mapping(user: Any) -> None:
    """Make groups, ``is_staff`` and ``is_superuser`` follow the user's WorkOS roles in the
    organizations that may grant power (``STAFF_ORGANIZATIONS``).

    Only active memberships the adapter's ``counts_for_role_mapping`` accepts count
    (by default: in ``STAFF_ORGANIZATIONS``), whichever organization the session is
    in. Only groups named in ``ROLE_GROUPS`` are managed; other groups are left alone.
    ``is_staff``/``is_superuser`` are managed only when their setting lists roles.
    The adapter (``AUTHKIT["ADAPTER"]``) can change every part of this.
    """
    adapter = get_adapter()
    managed = adapter.managed_groups()
    active_roles: set[str] = set()
    memberships = Membership.objects.filter(user=user, status="active").select_related(
        "organization"
    )
    for membership in memberships:
        if adapter.counts_for_role_mapping(membership):
            active_roles.update(membership.roles or ([membership.role] if membership.role else []))
    if managed and hasattr(user, "groups"):
        wanted = adapter.groups_for_roles(active_roles) & managed
        current = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
        for name in wanted - current:
            user.groups.add(Group.objects.get_or_create(name=name)[0])
        if current - wanted:
            user.groups.remove(*Group.objects.filter(name__in=current - wanted))
    flags = {k: v for k, v in adapter.staff_flags(active_roles).items() if hasattr(user, k)}
    changed = assign_changed(user, flags)
    if changed:
        user.save(update_fields=changed)

