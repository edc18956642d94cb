"""``AuthKitBackend``: turns a verified WorkOS sign-in into a Django user.

Users are linked by WorkOS's immutable user id (``WorkOSUser.workos_id``),
never by e-mail unless the site opts in with ``LINK_BY_EMAIL`` (verified
e-mails only, compared by :mod:`django_authkit.identity`'s e-mail rule).
Override the hooks to customise, as with mozilla-django-oidc:
``verify_claims``, ``filter_users_by_claims``, ``get_username``,
``create_user`` and ``update_user``.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from django_authkit import signals
from django_authkit.client.models import User as WorkOSUserData
from django_authkit.core.permissions import active_permissions
from django_authkit.identity import rules as identity
from django_authkit.identity.adapter import get_adapter
from django_authkit.models import WorkOSUser

logger = logging.getLogger("django_authkit.backends")


class AuthKitBackend(ModelBackend):
    """Authenticates users whose WorkOS sign-in the callback has already verified."""

    _new_email: tuple[Any, tuple[str, str | None]] | None = None

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        workos_user: WorkOSUserData | None = None,
        claims: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if workos_user is None or claims is None:
            return None  # not ours: let other backends try
        if claims.get("sub") != workos_user.id or not self.verify_claims(claims, workos_user):
            logger.warning("Refusing a sign-in whose token does not match its user.")
            return None
        try:
            user = self.provision(workos_user)
        except identity.IdentityRefused as exc:
            logger.info("Refused a sign-in: %s.", exc.code)
            identity.remember_refusal(request, exc)
            return None
        if user is None or not self.user_can_authenticate(cast(Any, user)):
            return None
        return user

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        """WorkOS permission slugs of the active organization, then Django's own permissions.

        ``@permission_required("widgets:write")`` works with WorkOS RBAC: the
        slugs come from the request's verified access token, so this costs no query.
        """
        if obj is None and getattr(user_obj, "is_active", False):
            if perm in active_permissions(user_obj):
                return True
        return super().has_perm(user_obj, perm, obj)

    # -- hooks ----------------------------------------------------------------

    def verify_claims(self, claims: dict[str, Any], workos_user: WorkOSUserData) -> bool:
        """Return False to refuse this sign-in (e.g. require an organization)."""
        return True

    def filter_users_by_claims(self, workos_user: WorkOSUserData) -> QuerySet[Any]:
        """Existing local users an opted-in e-mail link may attach to.

        A database pre-filter only: :func:`django_authkit.identity.rules.same_email`
        decides among what it returns, so no collation makes the decision.
        """
        user_model = get_user_model()
        email_field = user_model.get_email_field_name()
        return user_model._default_manager.filter(
            identity.email_prefilter(email_field, workos_user.email.strip())
        )

    def get_username(self, workos_user: WorkOSUserData) -> str:
        """The username of a new user.

        A model that signs in by e-mail gets the address, when the e-mail rule lets
        it be written (verified, valid, used by no other account), else the sign-in
        is refused with a page naming the conflict. Other models get the address's
        key when it is free, else the WorkOS id.
        """
        user_model = get_user_model()
        field = user_model.USERNAME_FIELD
        email, reason = self._new_user_email(workos_user)
        if identity.username_is_email(user_model):
            if not email:
                raise identity.email_refusal(workos_user, reason or "invalid")
            return email
        key = identity.email_key(email)
        max_length = identity.max_length_of(user_model, field) or 150
        if key and len(key) <= max_length:
            if not user_model._default_manager.filter(**{f"{field}__iexact": key}).exists():
                return key
        return workos_user.id

    def create_user(self, workos_user: WorkOSUserData) -> AbstractBaseUser:
        user_model = get_user_model()
        fields: dict[str, Any] = {user_model.USERNAME_FIELD: self.get_username(workos_user)}
        email_field = user_model.get_email_field_name()
        reason = None
        if email_field != user_model.USERNAME_FIELD and identity.has_field(user_model, email_field):
            fields[email_field], reason = self._new_user_email(workos_user)
        user: AbstractBaseUser = user_model._default_manager.create_user(**fields, password=None)
        if reason and workos_user.email:  # created without WorkOS's address
            identity.email_refused(user, workos_user, reason, sender=type(self))
        user._authkit_email_checked = True  # type: ignore[attr-defined]  # no second signal
        return self.update_user(user, workos_user)

    def update_user(self, user: AbstractBaseUser, workos_user: WorkOSUserData) -> AbstractBaseUser:
        """Copy the fields WorkOS owns onto the Django user, cleaned, saving only changes.

        Names are cleaned and cut to the model's ``max_length``. The e-mail follows
        the e-mail rule: WorkOS's address replaces the local one only when it is
        verified, valid and used by no other local account; otherwise the local
        address stays and ``email_update_refused`` is sent.
        """
        user_model: Any = type(user)
        values: dict[str, Any] = identity.cleaned(
            user_model,
            {"first_name": workos_user.first_name or "", "last_name": workos_user.last_name or ""},
        )
        values.pop(user_model.USERNAME_FIELD, None)
        email_field = user.get_email_field_name()
        current = getattr(user, email_field, None)
        if identity.has_field(user_model, email_field) and current != workos_user.email:
            email, reason = identity.assignable_email(workos_user, user)
            if email and email != current:
                values[email_field] = email
            elif reason and workos_user.email and not getattr(user, "_authkit_email_checked", 0):
                identity.email_refused(user, workos_user, reason, sender=type(self))
        changed = identity.assign_changed(user, values)
        if changed:
            try:
                with transaction.atomic():
                    user.save(update_fields=changed)
            except IntegrityError:  # a concurrent sign-in took the address first
                user.refresh_from_db()
        return user

    # -- internals --------------------------------------------------------------

    def _new_user_email(self, workos_user: WorkOSUserData) -> tuple[str, str | None]:
        """:func:`identity.assignable_email` for a user about to be created, asked once.

        ``get_username`` and ``create_user`` both need it; Django makes a backend per
        ``authenticate()`` call, so the answer cannot outlive this sign-in.
        """
        memo = self._new_email
        if memo is None or memo[0] is not workos_user:
            memo = (workos_user, identity.assignable_email(workos_user))
            self._new_email = memo
        return memo[1]

    def provision(self, workos_user: WorkOSUserData) -> AbstractBaseUser | None:
        """The Django user of ``workos_user``: linked, e-mail-linked (opt-in) or created."""
        self._new_email = None
        link = WorkOSUser.objects.select_related("user").filter(workos_id=workos_user.id).first()
        if link is not None:
            self.update_link(link, workos_user)
            return self.update_user(link.user, workos_user)
        linked = self._link_by_email(workos_user)
        if linked is not None:
            return linked
        if not get_adapter().is_open_for_signup(workos_user):
            return None
        try:
            with transaction.atomic():
                user = self.create_user(workos_user)
                # The link is written once, with WorkOS's view of the user already on it.
                self.update_link(WorkOSUser(user=cast(Any, user), workos_id=workos_user.id),
                                 workos_user)
        except (IntegrityError, identity.IdentityRefused):
            # A concurrent first sign-in of the same WorkOS user won the race (and may
            # hold the address the e-mail rule would otherwise call taken).
            link = (
                WorkOSUser.objects.select_related("user").filter(workos_id=workos_user.id).first()
            )
            if link is None:
                raise
            return self.update_user(link.user, workos_user)
        user._authkit_created = True  # type: ignore[attr-defined]  # read by the callback
        signals.user_provisioned.send(sender=type(self), user=user, workos_user=workos_user)
        return user

    def _link_by_email(self, workos_user: WorkOSUserData) -> AbstractBaseUser | None:
        """Attach ``workos_user`` to the one local user with the same verified address.

        Same address means the e-mail rule (``identity.same_email``), never the
        database's case-insensitive comparison; two local candidates, or one that is
        already linked, mean no link.
        """
        address = identity.clean_email(workos_user.email)
        if not workos_user.email_verified or not address:
            return None
        adapter = get_adapter()
        if not _adapter_may_link(adapter, workos_user):
            return None  # no candidate could be linked: spare the query
        email_field = get_user_model().get_email_field_name()
        candidates = [
            u for u in self.filter_users_by_claims(workos_user)[:10]
            if identity.same_email(getattr(u, email_field, ""), address)
        ]
        if len(candidates) != 1:
            return None  # none, or ambiguous: never guess
        user = candidates[0]
        if WorkOSUser.objects.filter(user=user).exists():
            return None
        if not adapter.can_link_by_email(workos_user, user):
            return None
        try:
            with transaction.atomic():
                self.update_link(WorkOSUser(user=cast(Any, user), workos_id=workos_user.id),
                                 workos_user)
        except IntegrityError:
            return None
        return self.update_user(user, workos_user)

    def update_link(
        self, link: WorkOSUser, workos_user: WorkOSUserData, *, signed_in: bool = True
    ) -> None:
        """Copy WorkOS's view of the user onto the link row, saving only what changed."""
        changed = _copy_to_link(link, workos_user, signed_in=signed_in)
        if link.pk is None:
            link.save()
        elif changed:
            link.save(update_fields=[*changed, "updated_at"])


def _adapter_may_link(adapter: Any, workos_user: WorkOSUserData) -> bool:
    """False only when the adapter's rule refuses every local user (the default, off)."""
    from django_authkit.identity.adapter import DefaultAdapter

    if type(adapter).can_link_by_email is not DefaultAdapter.can_link_by_email:
        return True  # a site's own rule: ask it about each candidate
    return bool(adapter.can_link_by_email(workos_user, None))


def _copy_to_link(link: WorkOSUser, workos_user: WorkOSUserData, *, signed_in: bool) -> list[str]:
    """Set the link's WorkOS fields (cleaned, bounded); the names of those that changed."""
    names = identity.cleaned(
        WorkOSUser,
        {"first_name": workos_user.first_name or "", "last_name": workos_user.last_name or ""},
    )
    url_length = identity.max_length_of(WorkOSUser, "profile_picture_url")
    values: dict[str, Any] = {
        "email": identity.clean_email(workos_user.email),
        "email_verified": bool(workos_user.email_verified),
        "first_name": names["first_name"],
        "last_name": names["last_name"],
        "profile_picture_url": identity.clean_url(workos_user.profile_picture_url, url_length),
        "workos_updated_at": workos_user.updated_at or link.workos_updated_at,
    }
    if signed_in:
        values["last_sign_in_at"] = timezone.now()
    return identity.assign_changed(link, values)
