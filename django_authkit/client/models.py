"""Typed views of WorkOS objects.

Each model is a dataclass built by ``Model.from_dict(json)``: unknown keys are
ignored (and kept in ``raw``), nulls fall back to the field default, timestamps
become aware ``datetime`` objects. Secret-bearing fields (tokens, codes, webhook
secrets) are left out of ``repr`` so that logging a model never leaks one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django_authkit.client._parsing import WorkOSModel, parse_datetime

__all__ = [
    "AuditLogExport",
    "AuthenticationChallenge",
    "AuthenticationFactor",
    "AuthenticationFactorEnrollment",
    "AuthenticationResponse",
    "Connection",
    "ConnectionDomain",
    "Directory",
    "DirectoryGroup",
    "DirectoryUser",
    "EmailVerification",
    "Event",
    "Impersonator",
    "Invitation",
    "MagicAuth",
    "OAuthTokens",
    "Organization",
    "OrganizationDomain",
    "OrganizationMembership",
    "PasswordReset",
    "Profile",
    "ProfileAndToken",
    "User",
    "UserIdentity",
    "UserSession",
    "WebhookEndpoint",
    "WorkOSModel",
    "parse_datetime",
]


# -- users and sign-in ---------------------------------------------------------------


@dataclass(kw_only=True)
class User(WorkOSModel):
    id: str
    email: str
    email_verified: bool = False
    first_name: str | None = None
    last_name: str | None = None
    profile_picture_url: str | None = None
    external_id: str | None = None
    last_sign_in_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    locale: str | None = None


@dataclass(kw_only=True)
class Impersonator(WorkOSModel):
    email: str
    reason: str | None = None


@dataclass(kw_only=True)
class OAuthTokens(WorkOSModel):
    provider: str | None = None
    access_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: int | None = None
    scopes: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class AuthenticationResponse(WorkOSModel):
    user: User
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    organization_id: str | None = None
    authentication_method: str | None = None
    impersonator: Impersonator | None = None
    oauth_tokens: OAuthTokens | None = None


@dataclass(kw_only=True)
class UserSession(WorkOSModel):
    id: str
    user_id: str | None = None
    organization_id: str | None = None
    status: str | None = None
    auth_method: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    impersonator: Impersonator | None = None
    expires_at: datetime | None = None
    ended_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True)
class UserIdentity(WorkOSModel):
    idp_id: str | None = None
    type: str | None = None
    provider: str | None = None


@dataclass(kw_only=True)
class Invitation(WorkOSModel):
    id: str
    email: str
    state: str | None = None
    organization_id: str | None = None
    inviter_user_id: str | None = None
    accepted_user_id: str | None = None
    role_slug: str | None = None
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None
    expires_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    token: str | None = field(default=None, repr=False)
    accept_invitation_url: str | None = field(default=None, repr=False)


@dataclass(kw_only=True)
class PasswordReset(WorkOSModel):
    id: str
    user_id: str | None = None
    email: str | None = None
    expires_at: datetime | None = None
    created_at: datetime | None = None
    password_reset_token: str | None = field(default=None, repr=False)
    password_reset_url: str | None = field(default=None, repr=False)


@dataclass(kw_only=True)
class EmailVerification(WorkOSModel):
    id: str
    user_id: str | None = None
    email: str | None = None
    expires_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    code: str | None = field(default=None, repr=False)


@dataclass(kw_only=True)
class MagicAuth(EmailVerification):
    """Same shape as an e-mail verification: a one-time code sent to ``email``."""


@dataclass(kw_only=True)
class AuthenticationFactor(WorkOSModel):
    id: str
    type: str | None = None
    user_id: str | None = None
    totp: dict[str, Any] | None = field(default=None, repr=False)
    sms: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True)
class AuthenticationChallenge(WorkOSModel):
    id: str
    authentication_factor_id: str | None = None
    expires_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    code: str | None = field(default=None, repr=False)


@dataclass(kw_only=True)
class AuthenticationFactorEnrollment(WorkOSModel):
    authentication_factor: AuthenticationFactor
    authentication_challenge: AuthenticationChallenge | None = None


# -- organizations -------------------------------------------------------------------


@dataclass(kw_only=True)
class OrganizationDomain(WorkOSModel):
    id: str | None = None
    domain: str = ""
    state: str | None = None
    organization_id: str | None = None
    verification_strategy: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True)
class Organization(WorkOSModel):
    id: str
    name: str
    domains: list[OrganizationDomain] = field(default_factory=list)
    external_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    allow_profiles_outside_organization: bool | None = None
    stripe_customer_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True)
class OrganizationMembership(WorkOSModel):
    """A user's membership; ``role`` is the primary role slug, ``roles`` all slugs."""

    id: str
    user_id: str
    organization_id: str
    status: str | None = None
    role: str | None = None
    roles: list[str] = field(default_factory=list)
    organization_name: str | None = None
    directory_managed: bool = False
    custom_attributes: dict[str, Any] = field(default_factory=dict)
    user: User | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def _prepare(cls, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """Flatten ``role: {slug}`` and ``roles: [{slug}]`` into slugs."""
        flat = dict(data)
        flat["role"] = _slug(flat.get("role"))
        roles = flat.get("roles")
        if isinstance(roles, list):
            flat["roles"] = [s for s in (_slug(r) for r in roles) if s]
        elif flat["role"]:
            flat["roles"] = [flat["role"]]
        return flat


def _slug(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("slug")
    return value if isinstance(value, str) and value else None


# -- SSO and Directory Sync ----------------------------------------------------------


@dataclass(kw_only=True)
class ConnectionDomain(WorkOSModel):
    id: str | None = None
    domain: str = ""


@dataclass(kw_only=True)
class Connection(WorkOSModel):
    id: str
    connection_type: str | None = None
    name: str | None = None
    state: str | None = None
    status: str | None = None
    organization_id: str | None = None
    domains: list[ConnectionDomain] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True)
class Profile(WorkOSModel):
    id: str
    email: str | None = None
    connection_id: str | None = None
    connection_type: str | None = None
    organization_id: str | None = None
    idp_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    role: dict[str, Any] | None = None
    groups: list[str] = field(default_factory=list)
    custom_attributes: dict[str, Any] = field(default_factory=dict)
    raw_attributes: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(kw_only=True)
class ProfileAndToken(WorkOSModel):
    profile: Profile
    access_token: str = field(repr=False)
    token_type: str = "Bearer"
    expires_in: int | None = None
    oauth_tokens: OAuthTokens | None = None


@dataclass(kw_only=True)
class Directory(WorkOSModel):
    id: str
    name: str | None = None
    organization_id: str | None = None
    type: str | None = None
    state: str | None = None
    domain: str | None = None
    external_key: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True)
class DirectoryGroup(WorkOSModel):
    id: str
    name: str | None = None
    idp_id: str | None = None
    directory_id: str | None = None
    organization_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True)
class DirectoryUser(WorkOSModel):
    id: str
    directory_id: str | None = None
    organization_id: str | None = None
    idp_id: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    state: str | None = None
    role: dict[str, Any] | None = None
    custom_attributes: dict[str, Any] = field(default_factory=dict)
    groups: list[DirectoryGroup] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


# -- audit logs, events, webhooks ----------------------------------------------------


@dataclass(kw_only=True)
class AuditLogExport(WorkOSModel):
    id: str
    state: str | None = None
    url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True)
class Event(WorkOSModel):
    """An Events API item or a webhook delivery: ``event`` names it, ``data`` is the object."""

    id: str
    event: str
    data: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    context: dict[str, Any] | None = None


@dataclass(kw_only=True)
class WebhookEndpoint(WorkOSModel):
    id: str
    endpoint_url: str | None = None
    secret: str | None = field(default=None, repr=False)
    status: str | None = None
    events: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
