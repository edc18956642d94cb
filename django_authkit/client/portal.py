"""``client.portal``: Admin Portal links (``POST /portal/generate_link``, ``/portal/revoke_link``).

The shapes are the official Python SDK's (``workos.admin_portal``): ``organization``
and ``intent`` go in the body and the answer is ``{"link": ...}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django_authkit.client._parsing import WorkOSModel
from django_authkit.client._resource import Resource, compact

#: What an Admin Portal session can be opened for (the SDK's ``GenerateLinkIntent``).
INTENTS = (
    "sso",
    "dsync",
    "audit_logs",
    "log_streams",
    "domain_verification",
    "certificate_renewal",
    "bring_your_own_key",
)


@dataclass(kw_only=True)
class PortalLink(WorkOSModel):
    #: A short-lived (five minutes) bearer link: whoever has it can configure the org.
    link: str = field(repr=False)


class Portal(Resource):
    """Admin Portal links for an organization's IT admins."""

    def generate_link(
        self,
        *,
        organization: str,
        intent: str | None = None,
        return_url: str | None = None,
        success_url: str | None = None,
        external_user_id: str | None = None,
        it_contact_emails: Sequence[str] | None = None,
    ) -> PortalLink:
        """A one-time Admin Portal link for ``organization`` opened at ``intent``."""
        if not organization:
            raise ValueError("organization is required")
        if it_contact_emails is not None and len(it_contact_emails) > 20:
            raise ValueError("it_contact_emails accepts at most 20 e-mails")
        body = compact(
            organization=organization,
            intent=intent,
            return_url=return_url,
            success_url=success_url,
            external_user_id=external_user_id,
            it_contact_emails=list(it_contact_emails) if it_contact_emails is not None else None,
        )
        return self._send("POST", PortalLink, "portal", "generate_link", body=body)

    def revoke_link(self, *, organization: str, external_user_id: str) -> None:
        """Revoke every link made for ``external_user_id`` and end the sessions they opened."""
        body = {"organization": organization, "external_user_id": external_user_id}
        self._transport.request("POST", "/portal/revoke_link", body=body)
