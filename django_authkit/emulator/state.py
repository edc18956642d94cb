"""The emulator's in-memory store: one lock, an adjustable clock, seeding and events."""

from __future__ import annotations

import copy
import json
import string
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django_authkit.emulator.ids import iso_now, new_id, stable_id
from django_authkit.emulator.models import (
    DEFAULT_ROLES,
    AuthCode,
    Domain,
    Membership,
    Organization,
    RefreshToken,
    Role,
    Session,
    User,
    hash_password,
)


class NotFound(Exception):
    """An object the caller named does not exist (answered as a WorkOS 404)."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} not found: '{key}'")
        self.kind = kind
        self.key = key


class Conflict(Exception):
    """A uniqueness rule was broken (answered as 409 or 400 with ``code``)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Config:
    """Settings that ``/_emulator/config`` may change; restored on reset."""

    access_token_ttl: int = 300
    refresh_grace_seconds: float = 10
    redirect_uris: list[str] = field(default_factory=list)
    session_ttl: int = 7 * 24 * 3600
    issuer: str | None = None
    email_verification_required: bool = False
    mfa_required: bool = False
    #: The site's accept-invitation URL (WorkOS dashboard: "Accept invitation URL");
    #: invitation e-mails link there with ``?invitation_token=``. Unset: the emulator's own.
    invitation_url: str | None = None


def load_seed(seed: dict[str, Any] | str | Path | None) -> dict[str, Any] | None:
    """A seed given as a dict or as a path to a JSON file."""
    if seed is None or isinstance(seed, dict):
        return seed
    data = json.loads(Path(seed).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("seed file must hold a JSON object")
    return data


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def normalize_email(email: str) -> str:
    """Surrounding white space dropped and ``A-Z`` lower-cased, nothing else folded.

    The app's e-mail rule (``django_authkit.identity``; the emulator imports nothing
    from the app): Unicode case mapping would make look-alikes one address, e.g. the
    KELVIN SIGN (U+212A) lower-cases to ``k``.
    """
    return email.strip().translate(_ASCII_LOWER)


class Store:
    """Everything the emulator knows. Callers hold ``store.lock`` around any access."""

    def __init__(self, config: Config, seed: dict[str, Any] | None = None) -> None:
        self.lock = threading.RLock()
        self.initial_config = copy.deepcopy(config)
        self.config = config
        self.seed_data = seed
        self.offset = 0.0
        self.on_event: Callable[[dict[str, Any]], None] | None = None
        # Seed sections owned by other modules (connections, directories): (seed, out).
        self.seed_hooks: list[Callable[[dict[str, Any], dict[str, Any]], None]] = []
        self._clear()
        if seed:
            self.apply_seed(seed)

    # -- clock -------------------------------------------------------------------------
    def now(self) -> float:
        """Emulated now: real time plus the offset set through ``/_emulator/clock``."""
        return time.time() + self.offset

    # -- lifecycle ---------------------------------------------------------------------
    def _clear(self) -> None:
        self.roles: dict[str, Role] = {r["slug"]: Role(**r) for r in DEFAULT_ROLES}
        self.custom_roles = False
        self.users: dict[str, User] = {}
        self.organizations: dict[str, Organization] = {}
        self.memberships: dict[str, Membership] = {}
        self.sessions: dict[str, Session] = {}
        self.codes: dict[str, AuthCode] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.pending: dict[str, dict[str, Any]] = {}  # authorize requests by request_id
        self.pending_auth: dict[str, dict[str, Any]] = {}  # pending_authentication_tokens
        self.events: list[dict[str, Any]] = []
        self.extra: dict[str, dict[str, Any]] = {}  # phase-2 resources by kind

    def reset(self) -> None:
        """Back to the seeded start: state, clock and config (the signing key stays)."""
        self._clear()
        self.offset = 0.0
        self.config = copy.deepcopy(self.initial_config)
        if self.seed_data:
            self.apply_seed(self.seed_data)

    # -- events ------------------------------------------------------------------------
    def emit(self, name: str, data: dict[str, Any]) -> None:
        """Record an event for ``GET /events`` and hand it to webhook delivery."""
        event = {
            "object": "event",
            "id": new_id("event"),
            "event": name,
            "data": data,
            "created_at": iso_now(self.now()),
        }
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)

    # -- lookups -----------------------------------------------------------------------
    def table(self, kind: str) -> dict[str, dict[str, Any]]:
        """The ``extra`` records of one resource kind by id (made empty on first use)."""
        found: dict[str, dict[str, Any]] = self.extra.setdefault(kind, {})
        return found

    def user(self, user_id: str) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise NotFound("User", user_id) from None

    def user_by_email(self, email: str) -> User | None:
        wanted = normalize_email(email)
        return next((u for u in self.users.values() if u.email == wanted), None)

    def organization(self, org_id: str) -> Organization:
        try:
            return self.organizations[org_id]
        except KeyError:
            raise NotFound("Organization", org_id) from None

    def organization_by_name(self, name: str) -> Organization | None:
        wanted = name.strip().casefold()
        return next((o for o in self.organizations.values() if o.name.casefold() == wanted), None)

    def organization_named(self, ref: str) -> Organization:
        """The organization a seed entry names by id or by name."""
        org = self.organizations.get(ref) or self.organization_by_name(ref)
        if org is None:
            raise NotFound("Organization", ref)
        return org

    def membership(self, membership_id: str) -> Membership:
        try:
            return self.memberships[membership_id]
        except KeyError:
            raise NotFound("Organization membership", membership_id) from None

    def membership_for(self, user_id: str, org_id: str) -> Membership | None:
        return next(
            (
                m
                for m in self.memberships.values()
                if m.user_id == user_id and m.organization_id == org_id
            ),
            None,
        )

    def active_memberships(self, user_id: str) -> list[Membership]:
        return [
            m for m in self.memberships.values() if m.user_id == user_id and m.status == "active"
        ]

    def membership_api(self, m: Membership) -> dict[str, Any]:
        return m.to_api(self.users[m.user_id], self.organizations.get(m.organization_id))

    def permissions_for(self, role_slugs: list[str]) -> list[str]:
        perms: list[str] = []
        for slug in role_slugs:
            role = self.roles.get(slug)
            for p in role.permissions if role else []:
                if p not in perms:
                    perms.append(p)
        return perms

    # -- mutations (each records its event) ---------------------------------------------
    def create_user(
        self,
        email: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        email_verified: bool = True,
        password: str | None = None,
        external_id: str | None = None,
        metadata: dict[str, str] | None = None,
        user_id: str | None = None,
    ) -> User:
        email = normalize_email(email)
        if not email or "@" not in email:
            raise ValueError("A valid email is required.")
        if self.user_by_email(email):
            raise Conflict("This email is not available.", "email_not_available")
        if external_id and any(u.external_id == external_id for u in self.users.values()):
            raise Conflict("External ID already used.", "external_id_already_used")
        now = self.now()
        user = User(
            id=user_id or new_id("user"),
            email=email,
            first_name=first_name or None,
            last_name=last_name or None,
            email_verified=email_verified,
            password_hash=hash_password(password) if password else None,
            external_id=external_id,
            metadata=dict(metadata or {}),
            created_at=now,
            updated_at=now,
        )
        self.users[user.id] = user
        self.emit("user.created", user.to_api())
        return user

    def delete_user(self, user_id: str) -> User:
        user = self.user(user_id)
        for m in [m for m in self.memberships.values() if m.user_id == user_id]:
            self.delete_membership(m.id)
        for s in self.sessions.values():
            if s.user_id == user_id and s.status == "active":
                self.end_session(s)
        del self.users[user_id]
        self.emit("user.deleted", user.to_api())
        return user

    def create_organization(
        self,
        name: str,
        *,
        domains: list[dict[str, Any]] | None = None,
        external_id: str | None = None,
        metadata: dict[str, str] | None = None,
        entitlements: list[str] | None = None,
        feature_flags: list[str] | None = None,
        org_id: str | None = None,
    ) -> Organization:
        if not name or not name.strip():
            raise ValueError("An organization name is required.")
        if external_id and any(o.external_id == external_id for o in self.organizations.values()):
            raise Conflict("External ID already used.", "external_id_already_used")
        now = self.now()
        org = Organization(
            id=org_id or new_id("org"),
            name=name.strip(),
            external_id=external_id,
            metadata=dict(metadata or {}),
            entitlements=entitlements,
            feature_flags=feature_flags,
            created_at=now,
            updated_at=now,
        )
        self.set_domains(org, domains or [])
        self.organizations[org.id] = org
        self.emit("organization.created", org.to_api(event=True))
        return org

    def set_domains(self, org: Organization, domains: list[dict[str, Any]]) -> None:
        now = self.now()
        existing = {d.domain: d for d in org.domains}
        org.domains = [
            existing.get(d["domain"].lower())
            or Domain(
                new_id("org_domain"),
                org.id,
                d["domain"].lower(),
                now,
                now,
                state=d.get("state") or "verified",
            )
            for d in domains
        ]

    def delete_organization(self, org_id: str) -> Organization:
        org = self.organization(org_id)
        for m in [m for m in self.memberships.values() if m.organization_id == org_id]:
            self.delete_membership(m.id)
        del self.organizations[org_id]
        self.emit("organization.deleted", org.to_api(event=True))
        return org

    def create_membership(
        self,
        user_id: str,
        org_id: str,
        roles: list[str],
        status: str = "active",
        *,
        membership_id: str | None = None,
    ) -> Membership:
        self.user(user_id)
        self.organization(org_id)
        if self.membership_for(user_id, org_id):
            raise Conflict("The user is already a member of this organization.", "conflict")
        now = self.now()
        m = Membership(
            membership_id or new_id("om"),
            user_id,
            org_id,
            list(roles) or ["member"],
            now,
            now,
            status,
        )
        self.memberships[m.id] = m
        self.emit("organization_membership.created", m.to_event())
        return m

    def touch_membership(self, m: Membership) -> None:
        m.updated_at = self.now()
        self.emit("organization_membership.updated", m.to_event())

    def delete_membership(self, membership_id: str) -> Membership:
        m = self.memberships.pop(membership_id)
        self.emit("organization_membership.deleted", m.to_event())
        return m

    def end_session(self, session: Session) -> None:
        if session.status != "active":
            return
        now = self.now()
        session.status = "revoked"
        session.ended_at = now
        session.updated_at = now
        self.emit("session.revoked", session.to_api())

    # -- seeding -----------------------------------------------------------------------
    def _stable(self, prefix: str, *parts: str) -> str:
        """The id a seed entry always gets (a random one if that id is somehow taken)."""
        wanted = stable_id(prefix, *parts)
        taken = wanted in self.users or wanted in self.organizations or wanted in self.memberships
        return new_id(prefix) if taken else wanted

    def apply_seed(self, seed: dict[str, Any]) -> dict[str, Any]:
        """Create the seed's roles, organizations, users and memberships; return them."""
        out: dict[str, list[dict[str, Any]]] = {
            "roles": [],
            "organizations": [],
            "users": [],
            "memberships": [],
        }
        if seed.get("roles"):
            if not self.custom_roles:
                self.roles = {}
                self.custom_roles = True
            for r in seed["roles"]:
                role = Role(r["slug"], r.get("name") or r["slug"].title(), r.get("permissions", []))
                self.roles[role.slug] = role
                out["roles"].append(role.to_api())
        for o in seed.get("organizations", []):
            org_id = o.get("id") or self._stable("org", str(o["name"]).strip().casefold())
            domains = [d if isinstance(d, dict) else {"domain": d} for d in o.get("domains", [])]
            org = self.create_organization(
                o["name"],
                domains=domains,
                external_id=o.get("external_id"),
                metadata=o.get("metadata"),
                entitlements=o.get("entitlements"),
                feature_flags=o.get("feature_flags"),
                org_id=org_id,
            )
            out["organizations"].append(org.to_api())
        for u in seed.get("users", []):
            user = self.create_user(
                u["email"],
                first_name=u.get("first_name"),
                last_name=u.get("last_name"),
                email_verified=u.get("email_verified", True),
                password=u.get("password"),
                external_id=u.get("external_id"),
                metadata=u.get("metadata"),
                user_id=u.get("id") or self._stable("user", normalize_email(u["email"])),
            )
            out["users"].append(user.to_api())
        for ms in seed.get("memberships", []):
            user_ref, org_ref = str(ms["user"]), str(ms["organization"])
            member = self.users.get(user_ref) or self.user_by_email(user_ref)
            if member is None:
                raise NotFound("User", user_ref)
            org_of = self.organization_named(org_ref)
            roles = ms.get("roles") or [ms.get("role") or "member"]
            m = self.create_membership(
                member.id,
                org_of.id,
                roles,
                ms.get("status") or "active",
                membership_id=self._stable("om", member.id, org_of.id),
            )
            out["memberships"].append(self.membership_api(m))
        for hook in self.seed_hooks:
            hook(seed, out)
        return out

    def dump(self) -> dict[str, Any]:
        """A JSON view of everything, for ``GET /_emulator/state``."""
        return {
            "now": iso_now(self.now()),
            "offset": self.offset,
            "config": asdict(self.config),
            "roles": [r.to_api() for r in self.roles.values()],
            "users": [u.to_api() for u in self.users.values()],
            "organizations": [o.to_api() for o in self.organizations.values()],
            "memberships": [self.membership_api(m) for m in self.memberships.values()],
            "sessions": [s.to_api() for s in self.sessions.values()],
            "events": len(self.events),
        }
