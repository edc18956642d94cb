"""The WorkOS user behind an SSO profile, for API mode's SSO-first path.

The SSO API answers a profile (``prof_…``), not a WorkOS user, so the pipeline
finds or creates the WorkOS user it belongs to, at WorkOS (the source of truth):

* an existing WorkOS user with the profile's e-mail is used only when the
  profile comes from an organization's connection and that organization has
  verified the e-mail's domain, the same trust AuthKit itself gives SSO. Anything
  else would let whoever controls an identity provider claim any address;
* otherwise a WorkOS user is created (e-mail verified only on a verified domain);
* the user is made a member of the profile's organization, with ``DEFAULT_ROLE``
  (or WorkOS's default role): never a role the identity provider's profile names,
  which whoever runs that identity provider controls.

The claims returned stand in for a verified access token: the identity comes
from WorkOS's own server-to-server exchange.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _

from django_authkit.client.errors import APIError, WorkOSError
from django_authkit.client.models import Profile, User
from django_authkit.conf import authkit_settings
from django_authkit.workos import get_workos

logger = logging.getLogger("django_authkit.sso_identity")


class UnusableProfile(Exception):
    """The profile cannot be tied to a WorkOS user safely; ``message`` is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _domain_verified(organization_id: str | None, email: str) -> bool:
    if not organization_id or "@" not in email:
        return False
    domain = email.rsplit("@", 1)[1].lower()
    organization = get_workos().organizations.get_organization(organization_id)
    return any(
        d.domain.lower() == domain and (d.state or "verified") == "verified"
        for d in organization.domains
    )


def resolve(profile: Profile) -> tuple[User, dict[str, Any]]:
    """The WorkOS user for ``profile`` and claims for the pipeline (raises WorkOSError)."""
    email = (profile.email or "").strip()
    if not email:
        raise UnusableProfile(_("The identity provider sent no e-mail address."))
    workos = get_workos().user_management
    verified = _domain_verified(profile.organization_id, email)
    existing = workos.list_users(email=email, limit=1).data
    if existing:
        if not verified:
            raise UnusableProfile(
                _("An account with this e-mail address already exists; sign in with it.")
            )
        user = existing[0]
    else:
        user = workos.create_user(
            email=email,
            first_name=profile.first_name or None,
            last_name=profile.last_name or None,
            email_verified=verified,
        )
    claims: dict[str, Any] = {"sub": user.id}
    if profile.organization_id:
        claims.update(_membership(user.id, profile.organization_id))
    return user, claims


def _membership(user_id: str, organization_id: str) -> dict[str, Any]:
    """The user's role in the profile's organization, as WorkOS keeps it (the profile's
    own role is never asked for)."""
    workos = get_workos().user_management
    found = workos.list_organization_memberships(
        user_id=user_id, organization_id=organization_id, limit=1
    ).data
    membership = found[0] if found else None
    if membership is None:
        # Never ``profile.role``: the identity provider's say, not WorkOS's or the site's.
        slug = authkit_settings.DEFAULT_ROLE or None
        try:
            membership = workos.create_organization_membership(
                user_id=user_id, organization_id=organization_id, role_slug=slug
            )
        except APIError as exc:
            logger.warning("Could not add an SSO user to their organization: %s", exc.code)
            return {}
    roles = list(membership.roles or ([membership.role] if membership.role else []))
    return {"org_id": organization_id, "role": membership.role, "roles": roles}


__all__ = ["UnusableProfile", "WorkOSError", "resolve"]
