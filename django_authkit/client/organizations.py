"""``client.organizations``: the ``/organizations`` API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django_authkit.client._resource import Resource, compact
from django_authkit.client.models import Organization
from django_authkit.client.pagination import ListPage

DomainData = Mapping[str, str]


def _domain_data(domain_data: Sequence[DomainData] | None) -> list[dict[str, str]] | None:
    """``[{"domain": "acme.com", "state": "verified"|"pending"}]``, checked before sending."""
    if domain_data is None:
        return None
    out = []
    for item in domain_data:
        if not isinstance(item, Mapping) or not item.get("domain"):
            raise ValueError("domain_data items need a 'domain' (and optionally a 'state')")
        out.append({k: str(v) for k, v in item.items()})
    return out


class Organizations(Resource):
    """Organizations and their domains."""

    def list_organizations(
        self,
        *,
        domains: Sequence[str] | None = None,
        search: str | None = None,
        limit: int | None = None,
        before: str | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> ListPage[Organization]:
        """Organizations, optionally those owning any of ``domains`` or matching ``search``."""
        params = {
            "domains": list(domains) if domains else None,
            "search": search,
            "limit": limit,
            "before": before,
            "after": after,
            "order": order,
        }
        return self._list(Organization, "organizations", params=params)

    def get_organization(self, organization_id: str) -> Organization:
        """One organization by WorkOS id."""
        return self._get(Organization, "organizations", organization_id)

    def get_organization_by_external_id(self, external_id: str) -> Organization:
        """One organization by the id your system gave it."""
        return self._get(Organization, "organizations", "external_id", external_id)

    def create_organization(
        self,
        *,
        name: str,
        domain_data: Sequence[DomainData] | None = None,
        external_id: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Organization:
        """Create an organization. Never retried: a repeat would create a twin."""
        body = compact(
            name=name,
            domain_data=_domain_data(domain_data),
            external_id=external_id,
            metadata=dict(metadata) if metadata is not None else None,
        )
        return self._send("POST", Organization, "organizations", body=body)

    def update_organization(
        self,
        organization_id: str,
        *,
        name: str | None = None,
        domain_data: Sequence[DomainData] | None = None,
        external_id: str | None = None,
        metadata: Mapping[str, str | None] | None = None,
        stripe_customer_id: str | None = None,
    ) -> Organization:
        """Change the given fields; the ones left as ``None`` are not sent."""
        body: dict[str, Any] = compact(
            name=name,
            domain_data=_domain_data(domain_data),
            external_id=external_id,
            metadata=dict(metadata) if metadata is not None else None,
            stripe_customer_id=stripe_customer_id,
        )
        return self._send("PUT", Organization, "organizations", organization_id, body=body)

    def delete_organization(self, organization_id: str) -> None:
        """Delete an organization (WorkOS removes its memberships too)."""
        self._delete("organizations", organization_id)
