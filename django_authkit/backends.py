"""``AuthKitBackend``: turns a verified WorkOS sign-in into a Django user.

A thin backend over the identity engine (:mod:`django_authkit.identity.users`), the
one that webhooks, the Events API, ``authkit_sync`` and the admin use too. Customise
with the adapter (``AUTHKIT["ADAPTER"]``, the one override point). The
mozilla-django-oidc style hooks ``verify_claims``, ``filter_users_by_claims``,
``get_username``, ``create_user`` and ``update_user`` stay: by default each is the
adapter's answer, and a subclass that overrides one (listed in
``AUTHENTICATION_BACKENDS``) has it applied on every path, not only at sign-in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest

from django_authkit.client.models import User as WorkOSUserData
from django_authkit.core.permissions import active_permissions
from django_authkit.identity import rules as identity
from django_authkit.identity import users
from django_authkit.identity.adapter import get_adapter, get_hooks
from django_authkit.identity.authorization import check_object
from django_authkit.models import WorkOSUser

logger = logging.getLogger("django_authkit.backends")

#: The backend's hooks and the adapter method each one defaults to.
HOOKS = {
    "verify_claims": "verify_claims",
    "filter_users_by_claims": "filter_users_by_email",
    "get_username": "get_username",
    "create_user": "create_user",
    "update_user": "update_user",
}


class AuthKitBackend(ModelBackend):
    """Authenticates users whose WorkOS sign-in the callback has already verified."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        workos_user: WorkOSUserData | None = None,
        claims: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        """Django's protocol: the user, or ``None`` (the sign-in pipeline calls :meth:`sign_in`)."""
        if workos_user is None or claims is None:
            return None  # not ours: let other backends try
        try:
            return self.sign_in(request, workos_user, claims)
        except identity.IdentityRefused as exc:
            logger.info("Refused a sign-in: %s.", exc.code)
            return None

    def sign_in(
        self, request: HttpRequest | None, workos_user: WorkOSUserData, claims: dict[str, Any]
    ) -> AbstractBaseUser | None:
        """The Django user of a verified WorkOS sign-in, or ``None`` for a plain refusal.

        Raises :class:`~django_authkit.identity.IdentityRefused` when a rule refuses with
        a reason to show (the e-mail rule, the adapter), so the pipeline can say why.
        """
        hooks = get_hooks(self)
        if claims.get("sub") != workos_user.id or not hooks.verify_claims(claims, workos_user):
            logger.warning("Refusing a sign-in whose token does not match its user.")
            return None
        user = users.provision(workos_user, hooks)
        if user is None or not self.user_can_authenticate(cast(Any, user)):
            return None
        return user

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        """WorkOS permission slugs of the active organization, then Django's own permissions.

        ``@permission_required("widgets:write")`` works with WorkOS RBAC: the
        slugs come from the request's verified access token, so this costs no query.
        With ``obj`` that the adapter maps to a WorkOS resource (``resource_for``), the
        answer is WorkOS authorization's check for it (kept for the request; an outage
        denies); other objects are Django's as before.
        """
        if obj is None and getattr(user_obj, "is_active", False):
            if perm in active_permissions(user_obj):
                return True
        if obj is not None and getattr(user_obj, "is_active", False):
            decided = check_object(user_obj, perm, obj)  # None: not a WorkOS resource
            if decided is not None:
                return decided
        return super().has_perm(user_obj, perm, obj)

    # -- hooks: the adapter's answers, unless a subclass overrides them -------------------

    def verify_claims(self, claims: dict[str, Any], workos_user: WorkOSUserData) -> bool:
        """Return False to refuse this sign-in (e.g. require an organization)."""
        return get_adapter().verify_claims(claims, workos_user)

    def filter_users_by_claims(self, workos_user: WorkOSUserData) -> QuerySet[Any]:
        """Existing local users an opted-in e-mail link may attach to (a pre-filter)."""
        return get_adapter().filter_users_by_email(workos_user)

    def get_username(self, workos_user: WorkOSUserData) -> str:
        """The username of a new user."""
        return get_adapter().get_username(workos_user)

    def create_user(self, workos_user: WorkOSUserData) -> AbstractBaseUser:
        return get_adapter().create_user(workos_user)

    def update_user(self, user: AbstractBaseUser, workos_user: WorkOSUserData) -> AbstractBaseUser:
        """Copy the fields WorkOS owns onto the Django user, cleaned, saving only changes."""
        return get_adapter().update_user(user, workos_user)

    def provisioning_overrides(self) -> dict[str, Callable[..., Any]]:
        """The hooks this backend's class overrides, by the adapter method they replace.

        The identity engine asks (duck typing) so they apply on every path.
        """
        cls = type(self)
        return {
            adapter_name: getattr(self, name)
            for name, adapter_name in HOOKS.items()
            if getattr(cls, name) is not getattr(AuthKitBackend, name)
        }

    # -- the engine, as methods (kept for callers of earlier versions) ---------------------

    def provision(self, workos_user: WorkOSUserData) -> AbstractBaseUser | None:
        """The Django user of ``workos_user``: linked, e-mail-linked (opt-in) or created."""
        return users.provision(workos_user, get_hooks(self))

    def update_link(
        self, link: WorkOSUser, workos_user: WorkOSUserData, *, signed_in: bool = True
    ) -> None:
        """Copy WorkOS's view of the user onto the link row, saving only what changed."""
        users.update_link(link, workos_user, signed_in=signed_in)
