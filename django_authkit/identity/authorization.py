"""Object permissions through WorkOS authorization: ``user.has_perm(perm, obj)``.

When the adapter maps ``obj`` to a WorkOS resource (``resource_for(obj)`` returns
``(resource_type_slug, external_id)``, or ``(..., organization_id)`` naming the
organization that owns it: another organization's object is then denied without
asking), the answer is WorkOS's resource-level check
for the user's membership in the request's organization (the session's
``org_id``): the organization the power comes from is always the one the user is
signed in to. Answers are kept for the rest of the request. An object the adapter
does not map is left to Django (``None``). Outside a request with an AuthKit
session, or without an active membership, the answer is no.

A WorkOS outage (or any failure to get an answer) is a denial, logged at WARNING,
and kept for the rest of the request: never a 500, and never a grant.
"""

from __future__ import annotations

import logging
from typing import Any

from django_authkit.client.errors import WorkOSError
from django_authkit.core.permissions import active_organization, request_cache
from django_authkit.identity.adapter import get_adapter
from django_authkit.models import Membership, WorkOSUser
from django_authkit.workos import get_workos

logger = logging.getLogger("django_authkit.authorization")


def check_object(user: Any, perm: str, obj: Any) -> bool | None:
    """WorkOS's answer for ``perm`` on ``obj``; ``None`` when ``obj`` is not a WorkOS resource."""
    resource = get_adapter().resource_for(obj)
    if resource is None:
        return None
    kind, external_id, *owner = (str(part) for part in resource)
    organization_id = active_organization(user)
    if not organization_id or (owner and owner[0] != organization_id):
        return False  # no organization, or the object is another organization's
    cache = request_cache(user)
    if cache is None:  # bound with the organization, so never None here; be safe
        cache = {}
    key = ("check", organization_id, perm, kind, external_id)
    if key not in cache:
        cache[key] = _ask(user, organization_id, perm, kind, external_id, cache)
    return cache[key]


def _ask(
    user: Any, organization_id: str, perm: str, kind: str, external_id: str,
    cache: dict[Any, Any],
) -> bool:
    try:
        membership_id = _membership_id(user, organization_id, cache)
        if membership_id is None:
            return False
        answer = get_workos().authorization.check(
            membership_id, permission_slug=perm,
            resource_external_id=external_id, resource_type_slug=kind,
        )
    except WorkOSError as exc:
        logger.warning(
            "Denied %s on a %s: WorkOS authorization did not answer (%s).",
            perm, kind, type(exc).__name__,
        )
        return False
    return bool(answer.authorized)


def _membership_id(user: Any, organization_id: str, cache: dict[Any, Any]) -> str | None:
    """The WorkOS membership id of ``user`` in ``organization_id`` (mirrored once found)."""
    key = ("membership", organization_id)
    if key in cache:
        found: str | None = cache[key]
        return found
    row = Membership.objects.filter(
        user=user, organization__workos_id=organization_id, status="active"
    ).first()
    found = None
    if row is not None and row.workos_id:
        found = row.workos_id
    elif row is not None:
        workos_user_id = (
            WorkOSUser.objects.filter(user=user).values_list("workos_id", flat=True).first()
        )
        if workos_user_id:
            page = get_workos().user_management.list_organization_memberships(
                user_id=workos_user_id, organization_id=organization_id, limit=1
            )
            found = page.data[0].id if page.data else None
            if found and not Membership.objects.filter(workos_id=found).exists():
                Membership.objects.filter(pk=row.pk).update(workos_id=found)
    cache[key] = found
    return found
