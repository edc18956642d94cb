"""Organization memberships (``/user_management/organization_memberships``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django_authkit.client._resource import Resource
from django_authkit.client.models import OrganizationMembership
from django_authkit.client.pagination import ListPage

_BASE = ("user_management", "organization_memberships")


def _roles(role_slug: str | None, role_slugs: Sequence[str] | None) -> dict[str, Any]:
    """The role part of a body: one slug, or several, never both."""
    if role_slug is not None and role_slugs is not None:
        raise ValueError("Pass role_slug or role_slugs, not both")
    if role_slugs is not None:
        return {"role_slugs": list(role_slugs)}
    return {"role_slug": role_slug} if role_slug is not None else {}


class MembershipsMixin(Resource):
    """Membership calls, reached as ``client.user_management.*``."""

    def list_organization_memberships(
        self,
        *,
        user_id: str | None = None,
        organization_id: str | None = None,
        statuses: Sequence[str] | None = None,
        limit: int | None = None,
        before: str | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> ListPage[OrganizationMembership]:
        """Memberships of a user, of an organization, or both."""
        params = {
            "user_id": user_id,
            "organization_id": organization_id,
            "statuses": list(statuses) if statuses else None,
            "limit": limit,
            "before": before,
            "after": after,
            "order": order,
        }
        return self._list(OrganizationMembership, *_BASE, params=params)

    def create_organization_membership(
        self,
        *,
        user_id: str,
        organization_id: str,
        role_slug: str | None = None,
        role_slugs: Sequence[str] | None = None,
    ) -> OrganizationMembership:
        """Add a user to an organization (with the default role unless one is given)."""
        body = {"user_id": user_id, "organization_id": organization_id}
        return self._send(
            "POST", OrganizationMembership, *_BASE, body={**body, **_roles(role_slug, role_slugs)}
        )

    def get_organization_membership(self, membership_id: str) -> OrganizationMembership:
        """One membership by id."""
        return self._get(OrganizationMembership, *_BASE, membership_id)

    def update_organization_membership(
        self,
        membership_id: str,
        *,
        role_slug: str | None = None,
        role_slugs: Sequence[str] | None = None,
    ) -> OrganizationMembership:
        """Change a membership's role(s)."""
        return self._send(
            "PUT", OrganizationMembership, *_BASE, membership_id, body=_roles(role_slug, role_slugs)
        )

    def deactivate_organization_membership(self, membership_id: str) -> OrganizationMembership:
        """Suspend a membership without deleting it."""
        return self._send("PUT", OrganizationMembership, *_BASE, membership_id, "deactivate")

    def reactivate_organization_membership(self, membership_id: str) -> OrganizationMembership:
        """Restore a deactivated membership."""
        return self._send("PUT", OrganizationMembership, *_BASE, membership_id, "reactivate")

    def delete_organization_membership(self, membership_id: str) -> None:
        """Remove a membership for good."""
        self._delete(*_BASE, membership_id)
