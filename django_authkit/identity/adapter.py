"""The policy adapter: the one class a site overrides to decide who gets in and with what.

Set ``AUTHKIT["ADAPTER"]`` to a subclass of :class:`DefaultAdapter` (the idea of
django-allauth's adapters). The defaults follow the settings. Every path that
provisions or updates a user (sign-in, webhooks, the Events API, ``authkit_sync``,
the admin's sync action) asks :func:`get_hooks`: the adapter, except for a backend
hook that a site's ``AuthKitBackend`` subclass overrides, which wins everywhere too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.contrib.auth import get_backends
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from django_authkit.client.models import User as RemoteUser
from django_authkit.conf import authkit_settings
from django_authkit.identity.users import (
    EmailConflict,
    default_create_user,
    default_email_candidates,
    default_update_user,
    default_username,
)


class DefaultAdapter:
    # -- provisioning: who the Django user of a WorkOS user is ----------------------------

    def verify_claims(self, claims: dict[str, Any], workos_user: RemoteUser) -> bool:
        """Return False to refuse this sign-in (e.g. require an organization). Sign-in only."""
        return True

    def filter_users_by_email(self, workos_user: RemoteUser) -> QuerySet[Any]:
        """Local users an opted-in e-mail link may attach to (a database pre-filter only:
        the e-mail rule decides among them)."""
        return default_email_candidates(workos_user)

    def get_username(self, workos_user: RemoteUser) -> str:
        """The username of a new user: the e-mail's key when free, else the WorkOS id
        (:func:`django_authkit.identity.default_username`)."""
        return default_username(workos_user)

    def create_user(self, workos_user: RemoteUser) -> AbstractBaseUser:
        """Create the Django user of a WorkOS user; raise ``IdentityRefused`` to refuse.

        The default takes the username from ``get_username`` and finishes with ``update_user``.
        """
        return default_create_user(workos_user, self)

    def update_user(self, user: AbstractBaseUser, workos_user: RemoteUser) -> AbstractBaseUser:
        """Copy what WorkOS owns onto ``user`` (names; the e-mail under the e-mail rule).

        Called at every sign-in, webhook, event, sync and admin sync of a linked user,
        and after ``create_user``.
        """
        return default_update_user(user, workos_user)

    # -- object permissions ---------------------------------------------------------------

    def resource_for(self, obj: Any) -> tuple[str, str] | tuple[str, str, str] | None:
        """The WorkOS resource ``obj`` is, as ``(resource_type_slug, external_id)``, or
        ``(resource_type_slug, external_id, organization_id)`` naming its organization
        (recommended: an object of another organization than the session's is denied).

        ``user.has_perm("documents:edit", obj)`` then asks WorkOS authorization about
        that resource; ``None`` (the default, for every object) leaves ``obj`` to
        Django's backends as before.
        """
        return None

    # -- sign-up and linking ----------------------------------------------------------------

    def is_open_for_signup(self, workos_user: RemoteUser) -> bool:
        """May a WorkOS user without a Django account get one? (``CREATE_USERS``)"""
        return bool(authkit_settings.CREATE_USERS)

    def can_link_by_email(self, workos_user: RemoteUser, local_user: Any) -> bool:
        """May a first sign-in take over ``local_user``, who has the same e-mail?

        Off unless ``LINK_BY_EMAIL``, and never for an unverified e-mail.
        """
        return bool(authkit_settings.LINK_BY_EMAIL) and bool(workos_user.email_verified)

    def resolve_email_conflict(
        self, workos_user: RemoteUser, local_user: Any
    ) -> EmailConflict | str:
        """What a first sign-in does when its address belongs to ``local_user``, another
        local account not linked to this WorkOS user (whether WorkOS verified it or not).

        Answer :attr:`EmailConflict.REFUSE <django_authkit.identity.EmailConflict.REFUSE>`
        (the default: a 409 page saying what happened and what the visitor and the
        operators can do; ``email_update_refused`` is sent with ``user=None``),
        ``EmailConflict.LINK`` (attach the identity to ``local_user``, moving a link it
        had to another WorkOS user; honoured only where :meth:`can_link_by_email` allows,
        else refused), or ``EmailConflict.SEPARATE_ACCOUNT`` (a second account without
        the address, as earlier versions did silently; refused anyway for user models
        that sign in by e-mail). "The same address" follows the e-mail rule, never the
        database's collation. When several local accounts have the address, the first
        is passed and ``LINK`` is refused (never guess).
        """
        return EmailConflict.REFUSE

    def staff_organizations(self) -> set[str]:
        """WorkOS organization ids whose roles may grant power here (``STAFF_ORGANIZATIONS``)."""
        return {str(o) for o in authkit_settings.STAFF_ORGANIZATIONS or []}

    def counts_for_role_mapping(self, membership: Any) -> bool:
        """Whether ``membership``'s roles may map to staff, superuser and groups.

        Only active memberships in :meth:`staff_organizations` count: a customer
        organization's ``admin`` is an admin of that organization, not of the site.
        """
        return membership.status == "active" and (
            membership.organization.workos_id in self.staff_organizations()
        )

    def groups_for_roles(self, roles: set[str]) -> set[str]:
        mapping: dict[str, list[str]] = authkit_settings.ROLE_GROUPS or {}
        return {name for role in roles for name in mapping.get(role, [])}

    def managed_groups(self) -> set[str]:
        """Groups role mapping adds and removes; other groups are never touched."""
        mapping: dict[str, list[str]] = authkit_settings.ROLE_GROUPS or {}
        return {name for names in mapping.values() for name in names}

    def staff_flags(self, roles: set[str]) -> dict[str, bool]:
        """``is_staff``/``is_superuser`` values for these roles; only managed flags appear."""
        flags: dict[str, bool] = {}
        if authkit_settings.STAFF_ROLES:
            flags["is_staff"] = bool(roles & set(authkit_settings.STAFF_ROLES))
        if authkit_settings.SUPERUSER_ROLES:
            flags["is_superuser"] = bool(roles & set(authkit_settings.SUPERUSER_ROLES))
        return flags


@lru_cache(maxsize=4)
def _adapter_for(path: str) -> DefaultAdapter:
    adapter: DefaultAdapter = import_string(path)()
    return adapter


def get_adapter() -> DefaultAdapter:
    return _adapter_for(str(authkit_settings.ADAPTER))


# -- the hooks in force ---------------------------------------------------------------------


class ProvisioningHooks:
    """What the engine (:mod:`django_authkit.identity.users`) asks: the adapter, except
    the hooks a site's ``AuthKitBackend`` subclass overrides (its ``provisioning_overrides``)."""

    def __init__(self, adapter: DefaultAdapter, backend: Any = None) -> None:
        self.adapter = adapter
        self.backend = backend
        self.overrides: dict[str, Callable[..., Any]] = _overrides_of(backend)
        #: The sender of ``user_provisioned``/``email_update_refused``: the backend's class.
        self.sender: Any = type(backend) if backend is not None else type(adapter)

    def _hook(self, name: str) -> Callable[..., Any]:
        return self.overrides.get(name) or getattr(self.adapter, name)

    def verify_claims(self, claims: dict[str, Any], workos_user: RemoteUser) -> bool:
        return bool(self._hook("verify_claims")(claims, workos_user))

    def filter_users_by_email(self, workos_user: RemoteUser) -> QuerySet[Any]:
        found: QuerySet[Any] = self._hook("filter_users_by_email")(workos_user)
        return found

    def get_username(self, workos_user: RemoteUser) -> str:
        return str(self._hook("get_username")(workos_user))

    def create_user(self, workos_user: RemoteUser) -> AbstractBaseUser:
        user: AbstractBaseUser = self._hook("create_user")(workos_user)
        return user

    def update_user(self, user: AbstractBaseUser, workos_user: RemoteUser) -> AbstractBaseUser:
        updated: AbstractBaseUser = self._hook("update_user")(user, workos_user)
        return updated

    def is_open_for_signup(self, workos_user: RemoteUser) -> bool:
        return bool(self.adapter.is_open_for_signup(workos_user))

    def can_link_by_email(self, workos_user: RemoteUser, local_user: Any) -> bool:
        return bool(self.adapter.can_link_by_email(workos_user, local_user))

    def resolve_email_conflict(
        self, workos_user: RemoteUser, local_user: Any
    ) -> EmailConflict | str:
        answer: EmailConflict | str = self.adapter.resolve_email_conflict(workos_user, local_user)
        return answer

    def may_link_by_email(self, workos_user: RemoteUser) -> bool:
        """False only when the adapter's rule refuses every local user (the default, off)."""
        if type(self.adapter).can_link_by_email is not DefaultAdapter.can_link_by_email:
            return True  # a site's own rule: ask it about each candidate
        return bool(self.adapter.can_link_by_email(workos_user, None))


def get_hooks(backend: Any = None) -> ProvisioningHooks:
    """The hooks in force, for one provisioning.

    ``backend`` is the one signing a user in. A site's ``AuthKitBackend`` subclass is
    found in ``AUTHENTICATION_BACKENDS`` (by duck typing: identity imports no backend)
    so that its overridden hooks apply to webhooks, sync and the admin as at sign-in.
    """
    if not _overrides_of(backend):
        backend = _configured_backend() or backend
    return ProvisioningHooks(get_adapter(), backend)


def _configured_backend() -> Any:
    """The first AuthKit backend that overrides a hook, else the first AuthKit backend."""
    found = [b for b in get_backends() if callable(getattr(b, "provisioning_overrides", None))]
    return next((b for b in found if _overrides_of(b)), found[0] if found else None)


def _overrides_of(backend: Any) -> dict[str, Callable[..., Any]]:
    overrides = getattr(backend, "provisioning_overrides", None)
    return dict(overrides()) if callable(overrides) else {}
