"""Mirror organizations and memberships from verified token claims into the ORM."""

from __future__ import annotations

import logging
from typing import Any, cast

from django.contrib.auth.models import AbstractBaseUser

from django_authkit.models import Membership, Organization

logger = logging.getLogger("django_authkit.provisioning")


def sync_membership(user: AbstractBaseUser, claims: dict[str, Any]) -> Membership | None:
    """Record the user's role and permissions in the token's organization.

    The organization's name is fetched from WorkOS the first time it is seen;
    a failure there only leaves the name blank, it never fails the sign-in.
    """
    org_id = claims.get("org_id")
    if not isinstance(org_id, str) or not org_id:
        return None
    organization, created = Organization.objects.get_or_create(workos_id=org_id)
    if created or not organization.name:
        _fill_organization(organization)
    roles = claims.get("roles") or ([claims["role"]] if claims.get("role") else [])
    values = {
        "role": str(claims.get("role") or ""),
        "roles": [str(r) for r in roles],
        "permissions": [str(p) for p in claims.get("permissions") or []],
        "status": "active",
    }
    membership, created = Membership.objects.get_or_create(
        user=cast(Any, user), organization=organization, defaults=values
    )
    changed = [k for k, v in values.items() if getattr(membership, k) != v]
    if not created and changed:
        for key in changed:
            setattr(membership, key, values[key])
        membership.save(update_fields=[*changed, "updated_at"])
    return membership


def _fill_organization(organization: Organization) -> None:
    from django_authkit.client import get_workos
    from django_authkit.client.errors import WorkOSError

    try:
        remote = get_workos().organizations.get_organization(organization.workos_id)
    except WorkOSError as exc:
        logger.warning(
            "Could not fetch organization %s from WorkOS: %s",
            organization.workos_id,
            type(exc).__name__,
        )
        return
    organization.name = remote.name
    organization.external_id = remote.external_id or ""
    organization.domains = [d.domain for d in remote.domains]
    organization.metadata = dict(remote.metadata or {})
    organization.save()
