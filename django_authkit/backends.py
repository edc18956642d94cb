"""``AuthKitBackend``: turns a verified WorkOS sign-in into a Django user.

Users are linked by WorkOS's immutable user id (``WorkOSUser.workos_id``),
never by e-mail unless the site opts in with ``LINK_BY_EMAIL`` (verified
e-mails only). Override the hooks to customise, as with mozilla-django-oidc:
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
from django_authkit.adapter import get_adapter
from django_authkit.auth_state import active_permissions
from django_authkit.client.models import User as WorkOSUserData
from django_authkit.models import WorkOSUser

logger = logging.getLogger("django_authkit.backends")


class AuthKitBackend(ModelBackend):
    """Authenticates users whose WorkOS sign-in the callback has already verified."""

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
        user = self.provision(workos_user)
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
        """Existing local users an opted-in e-mail link may attach to."""
        user_model = get_user_model()
        email_field = user_model.get_email_field_name()
        return user_model._default_manager.filter(
            **{f"{email_field}__iexact": workos_user.email.strip()}
        ).filter(workos__isnull=True)

    def get_username(self, workos_user: WorkOSUserData) -> str:
        """The username of a new user: the e-mail, or the WorkOS id if it is taken."""
        user_model = get_user_model()
        field = user_model.USERNAME_FIELD
        email = workos_user.email.strip().lower()
        max_length = getattr(user_model._meta.get_field(field), "max_length", None) or 150
        if email and len(email) <= max_length:
            if not user_model._default_manager.filter(**{f"{field}__iexact": email}).exists():
                return email
        return workos_user.id

    def create_user(self, workos_user: WorkOSUserData) -> AbstractBaseUser:
        user_model = get_user_model()
        fields: dict[str, Any] = {user_model.USERNAME_FIELD: self.get_username(workos_user)}
        email_field = user_model.get_email_field_name()
        if email_field != user_model.USERNAME_FIELD:
            fields[email_field] = workos_user.email
        user: AbstractBaseUser = user_model._default_manager.create_user(**fields, password=None)
        return self.update_user(user, workos_user)

    def update_user(self, user: AbstractBaseUser, workos_user: WorkOSUserData) -> AbstractBaseUser:
        """Copy the fields WorkOS owns onto the Django user, saving only changes."""
        username_field = get_user_model().USERNAME_FIELD
        values = {
            "first_name": workos_user.first_name or "",
            "last_name": workos_user.last_name or "",
            user.get_email_field_name(): workos_user.email,
        }
        changed = [
            name
            for name, value in values.items()
            if hasattr(user, name) and name != username_field and getattr(user, name) != value
        ]
        for name in changed:
            setattr(user, name, values[name])
        if changed:
            user.save(update_fields=changed)
        return user

    # -- internals --------------------------------------------------------------

    def provision(self, workos_user: WorkOSUserData) -> AbstractBaseUser | None:
        """The Django user of ``workos_user``: linked, e-mail-linked (opt-in) or created."""
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
                WorkOSUser.objects.create(user=cast(Any, user), workos_id=workos_user.id)
        except IntegrityError:
            # A concurrent first sign-in of the same WorkOS user won the race.
            link = (
                WorkOSUser.objects.select_related("user").filter(workos_id=workos_user.id).first()
            )
            if link is None:
                raise
            return self.update_user(link.user, workos_user)
        link = WorkOSUser.objects.get(workos_id=workos_user.id)
        self.update_link(link, workos_user)
        user._authkit_created = True  # type: ignore[attr-defined]  # read by the callback
        signals.user_provisioned.send(sender=type(self), user=user, workos_user=workos_user)
        return user

    def _link_by_email(self, workos_user: WorkOSUserData) -> AbstractBaseUser | None:
        if not workos_user.email_verified or not workos_user.email:
            return None
        candidates = list(self.filter_users_by_claims(workos_user)[:2])
        if len(candidates) != 1:
            return None  # none, or ambiguous: never guess
        user = candidates[0]
        if not get_adapter().can_link_by_email(workos_user, user):
            return None
        try:
            with transaction.atomic():
                WorkOSUser.objects.create(user=cast(Any, user), workos_id=workos_user.id)
        except IntegrityError:
            return None
        self.update_link(WorkOSUser.objects.get(workos_id=workos_user.id), workos_user)
        return self.update_user(user, workos_user)

    def update_link(
        self, link: WorkOSUser, workos_user: WorkOSUserData, *, signed_in: bool = True
    ) -> None:
        """Copy WorkOS's view of the user onto the link row."""
        link.email = workos_user.email
        link.email_verified = bool(workos_user.email_verified)
        link.first_name = workos_user.first_name or ""
        link.last_name = workos_user.last_name or ""
        link.profile_picture_url = workos_user.profile_picture_url or ""
        link.workos_updated_at = workos_user.updated_at or link.workos_updated_at
        if signed_in:
            link.last_sign_in_at = timezone.now()
        link.save()
