"""In-memory records and their WorkOS JSON shapes (Appendix A keys are always present)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from django_authkit.emulator.ids import iso, iso_now

DEFAULT_ROLES: list[dict[str, Any]] = [
    {
        "slug": "admin",
        "name": "Admin",
        "permissions": ["widgets:read", "widgets:write", "members:manage"],
    },
    {"slug": "member", "name": "Member", "permissions": ["widgets:read"]},
]

# authentication_method in the authenticate reply -> auth_method of the session object.
SESSION_AUTH_METHODS = {
    "Password": "password",
    "Impersonation": "impersonation",
    "MagicAuth": "magic_code",
    "SSO": "sso",
    "Passkey": "passkey",
}


def hash_password(password: str) -> str:
    """Salted PBKDF2 so a state dump never shows a seeded password."""
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex()
    return f"{salt}${digest}"


def check_password(stored: str | None, password: str) -> bool:
    if not stored or "$" not in stored:
        return False
    salt, digest = stored.split("$", 1)
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex()
    return hmac.compare_digest(candidate, digest)


@dataclass
class Role:
    slug: str
    name: str
    permissions: list[str]
    description: str | None = None
    organization_id: str | None = None  # an organization role (``authorization`` API)
    created_at: float = 0.0
    updated_at: float = 0.0

    def to_api(self) -> dict[str, Any]:
        return {
            "object": "role",
            "slug": self.slug,
            "name": self.name,
            "permissions": list(self.permissions),
        }


@dataclass
class User:
    id: str
    email: str
    created_at: float
    updated_at: float
    first_name: str | None = None
    last_name: str | None = None
    email_verified: bool = True
    password_hash: str | None = None
    external_id: str | None = None
    profile_picture_url: str | None = None
    last_sign_in_at: float | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    locale: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.email

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "object": "user",
            "id": self.id,
            "email": self.email,
            "email_verified": self.email_verified,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "profile_picture_url": self.profile_picture_url,
            "external_id": self.external_id,
            "last_sign_in_at": iso(self.last_sign_in_at),
            "metadata": dict(self.metadata),
            "created_at": iso_now(self.created_at),
            "updated_at": iso_now(self.updated_at),
        }
        if self.locale:
            data["locale"] = self.locale
        return data


@dataclass
class Domain:
    id: str
    organization_id: str
    domain: str
    created_at: float
    updated_at: float
    state: str = "verified"

    def to_api(self) -> dict[str, Any]:
        return {
            "object": "organization_domain",
            "id": self.id,
            "organization_id": self.organization_id,
            "domain": self.domain,
            "state": self.state,
            "verification_strategy": "manual",
            "created_at": iso_now(self.created_at),
            "updated_at": iso_now(self.updated_at),
        }


@dataclass
class Organization:
    id: str
    name: str
    created_at: float
    updated_at: float
    domains: list[Domain] = field(default_factory=list)
    external_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    entitlements: list[str] | None = None
    feature_flags: list[str] | None = None
    allow_profiles_outside_organization: bool = False

    def to_api(self, *, event: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "object": "organization",
            "id": self.id,
            "name": self.name,
            "domains": [d.to_api() for d in self.domains],
            "metadata": dict(self.metadata),
            "external_id": self.external_id,
            "created_at": iso_now(self.created_at),
            "updated_at": iso_now(self.updated_at),
        }
        if not event:
            data["allow_profiles_outside_organization"] = self.allow_profiles_outside_organization
        return data


@dataclass
class Membership:
    id: str
    user_id: str
    organization_id: str
    roles: list[str]
    created_at: float
    updated_at: float
    status: str = "active"

    @property
    def role(self) -> str:
        return self.roles[0] if self.roles else "member"

    def to_event(self) -> dict[str, Any]:
        """The slimmer shape carried by ``organization_membership.*`` events."""
        return {
            "object": "organization_membership",
            "id": self.id,
            "user_id": self.user_id,
            "organization_id": self.organization_id,
            "status": self.status,
            "role": {"slug": self.role},
            "roles": [{"slug": r} for r in self.roles],
            "custom_attributes": {},
            "directory_managed": False,
            "created_at": iso_now(self.created_at),
            "updated_at": iso_now(self.updated_at),
        }

    def to_api(self, user: User, organization: Organization | None) -> dict[str, Any]:
        data = self.to_event()
        data["user"] = user.to_api()
        if organization is not None:
            data["organization_name"] = organization.name
        return data


@dataclass
class Session:
    id: str
    user_id: str
    organization_id: str | None
    authentication_method: str
    created_at: float
    updated_at: float
    expires_at: float
    impersonator: dict[str, Any] | None = None
    provider: str | None = None
    status: str = "active"
    ended_at: float | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    public_client: bool = False  # began with a PKCE code and no secret (may refresh so)

    @property
    def auth_method(self) -> str:
        if self.authentication_method.endswith("OAuth"):
            return "oauth"
        return SESSION_AUTH_METHODS.get(self.authentication_method, "unknown")

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "object": "session",
            "id": self.id,
            "user_id": self.user_id,
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "auth_method": self.auth_method,
            "status": self.status,
            "expires_at": iso_now(self.expires_at),
            "ended_at": iso(self.ended_at),
            "created_at": iso_now(self.created_at),
            "updated_at": iso_now(self.updated_at),
        }
        if self.organization_id:
            data["organization_id"] = self.organization_id
        if self.impersonator:
            data["impersonator"] = dict(self.impersonator)
        return data


@dataclass
class Grant:
    """What a sign-in decided: who, which org, how. Carried by codes and pending tokens."""

    user_id: str
    organization_id: str | None
    authentication_method: str
    impersonator: dict[str, Any] | None = None
    provider: str | None = None
    invitation_token: str | None = None


@dataclass
class AuthCode:
    grant: Grant
    client_id: str
    redirect_uri: str
    expires_at: float
    code_challenge: str | None = None
    used: bool = False


@dataclass
class RefreshToken:
    session_id: str
    organization_id: str | None
    rotated_at: float | None = None
    result: dict[str, Any] | None = None  # the pair it was exchanged for (grace replay)
