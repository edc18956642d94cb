"""``client.authorization``: resource-level access checks (``POST .../check``).

The shape is the official Python SDK's (``workos.authorization.check``): an
organization membership, a permission slug, and the resource by WorkOS id or by
external id and resource type; the answer is ``{"authorized": bool}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django_authkit.client._parsing import WorkOSModel
from django_authkit.client._resource import Resource, compact


@dataclass(kw_only=True)
class AuthorizationCheck(WorkOSModel):
    authorized: bool


class Authorization(Resource):
    """WorkOS authorization (RBAC/FGA) questions about one organization membership."""

    def check(
        self,
        organization_membership_id: str,
        *,
        permission_slug: str,
        resource_id: str | None = None,
        resource_external_id: str | None = None,
        resource_type_slug: str | None = None,
    ) -> AuthorizationCheck:
        """May the membership do ``permission_slug`` on the resource?"""
        if not organization_membership_id or not permission_slug:
            raise ValueError("organization_membership_id and permission_slug are required")
        if resource_id is None and (resource_external_id is None or resource_type_slug is None):
            raise ValueError("name the resource: resource_id, or external id and type")
        body = compact(
            permission_slug=permission_slug,
            resource_id=resource_id,
            resource_external_id=resource_external_id if resource_id is None else None,
            resource_type_slug=resource_type_slug if resource_id is None else None,
        )
        return self._send(
            "POST", AuthorizationCheck, "authorization", "organization_memberships",
            organization_membership_id, "check", body=body,
        )
