"""The Django user of a WorkOS user: found by link, linked by e-mail (opt-in) or created.

The one provisioning engine, whatever brought the WorkOS user: a sign-in
(``AuthKitBackend.authenticate``), a webhook, the Events API, ``authkit_sync`` or the
admin's sync action. Every decision in it is asked of ``hooks``, the hooks in force
(:func:`django_authkit.identity.adapter.get_hooks`: the site's adapter, and a site
backend's overridden hooks), so a site's policy applies on every path alike.

The default answers of those hooks (:func:`default_username`, :func:`default_create_user`,
:func:`default_update_user`, :func:`default_email_candidates`) are here too; the
adapter's methods call them. Users are linked by WorkOS's immutable user id
(``WorkOSUser.workos_id``), never by e-mail unless the site opts in; e-mails follow
the rule of :mod:`django_authkit.identity.rules`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from django_authkit import signals
from django_authkit.client.models import User as WorkOSUserData
from django_authkit.identity.rules import (
    IdentityRefused,
    assign_changed,
    assignable_email,
    clean_email,
    clean_url,
    cleaned,
    email_conflict_refusal,
    email_conflict_refused,
    email_key,
    email_prefilter,
    email_refusal,
    email_refused,
    has_field,
    max_length_of,
    same_email,
    username_is_email,
    users_with_email,
)
from django_authkit.models import WorkOSUser

logger = logging.getLogger("django_authkit.identity")


class EmailConflict(str, Enum):
    """What a first sign-in does when its address belongs to another local account.

    The answers of the adapter's ``resolve_email_conflict`` (plain strings work too).
    """

    #: Refuse the sign-in with a page that says why and what to do (the default).
    REFUSE = "refuse"
    #: Attach the WorkOS identity to that account, only where ``can_link_by_email`` allows
    #: it (else refused); an account linked to another WorkOS user is moved to this one.
    LINK = "link"
    #: Create a separate account without the address (what earlier versions
    #: did silently; an explicit opt-in now).
    SEPARATE_ACCOUNT = "separate_account"


class Hooks(Protocol):
    """What the engine asks; :class:`django_authkit.identity.adapter.ProvisioningHooks`."""

    sender: Any

    def is_open_for_signup(self, workos_user: WorkOSUserData) -> bool: ...
    def may_link_by_email(self, workos_user: WorkOSUserData) -> bool: ...
    def can_link_by_email(self, workos_user: WorkOSUserData, local_user: Any) -> bool: ...
    def resolve_email_conflict(
        self, workos_user: WorkOSUserData, local_user: Any
    ) -> EmailConflict | str: ...
    def filter_users_by_email(self, workos_user: WorkOSUserData) -> QuerySet[Any]: ...
    def get_username(self, workos_user: WorkOSUserData) -> str: ...
    def create_user(self, workos_user: WorkOSUserData) -> AbstractBaseUser: ...
    def update_user(
        self, user: AbstractBaseUser, workos_user: WorkOSUserData
    ) -> AbstractBaseUser: ...


@dataclass
class _Run:
    """One provisioning in progress: its hooks, and the new-user e-mail asked once."""

    hooks: Hooks
    new_email: tuple[Any, tuple[str, str | None]] | None = None


_run: ContextVar[_Run | None] = ContextVar("authkit_provisioning", default=None)


@contextmanager
def running(hooks: Hooks) -> Iterator[None]:
    """Make ``hooks`` the ones a default hook asks about its siblings, for this block."""
    token = _run.set(_Run(hooks))
    try:
        yield
    finally:
        _run.reset(token)


def hooks_in_force(default: Any) -> Any:
    """The hooks of the provisioning in progress, else ``default`` (a direct call)."""
    run = _run.get()
    return run.hooks if run is not None else default


# -- the engine ---------------------------------------------------------------------------


def provision(workos_user: WorkOSUserData, hooks: Hooks) -> AbstractBaseUser | None:
    """The Django user of ``workos_user``: linked, e-mail-linked (opt-in) or created.

    ``None`` when signing up is closed; raises :class:`~django_authkit.identity.rules.
    IdentityRefused` when a hook refuses.
    """
    with running(hooks):
        link = WorkOSUser.objects.select_related("user").filter(workos_id=workos_user.id).first()
        if link is not None:
            update_link(link, workos_user)
            return hooks.update_user(link.user, workos_user)
        linked = _link_by_email(workos_user, hooks)
        if linked is not None:
            return linked
        resolved = _email_conflict(workos_user, hooks)
        if resolved is not None:
            return resolved
        if not hooks.is_open_for_signup(workos_user):
            return None
        try:
            with transaction.atomic():
                user = hooks.create_user(workos_user)
                # The link is written once, with WorkOS's view of the user already on it.
                update_link(WorkOSUser(user=cast(Any, user), workos_id=workos_user.id),
                            workos_user)
        except (IntegrityError, IdentityRefused):
            # A concurrent first sign-in of the same WorkOS user won the race (and may
            # hold the address the e-mail rule would otherwise call taken).
            link = (
                WorkOSUser.objects.select_related("user").filter(workos_id=workos_user.id).first()
            )
            if link is None:
                raise
            return hooks.update_user(link.user, workos_user)
        user._authkit_created = True  # type: ignore[attr-defined]  # read by the callback
        signals.user_provisioned.send(sender=hooks.sender, user=user, workos_user=workos_user)
        return user


def sync_linked(link: WorkOSUser, workos_user: WorkOSUserData, hooks: Hooks) -> AbstractBaseUser:
    """Bring a linked user up to date with WorkOS (not a sign-in: ``last_sign_in_at`` stays)."""
    with running(hooks):
        update_link(link, workos_user, signed_in=False)
        return hooks.update_user(link.user, workos_user)


def _link_by_email(workos_user: WorkOSUserData, hooks: Hooks) -> AbstractBaseUser | None:
    """Attach ``workos_user`` to the one local user with the same verified address.

    Same address means the e-mail rule (``same_email``), never the
    database's case-insensitive comparison; two local candidates, or one that is
    already linked, mean no link.
    """
    address = clean_email(workos_user.email)
    if not workos_user.email_verified or not address:
        return None
    if not hooks.may_link_by_email(workos_user):
        return None  # no candidate could be linked: spare the query
    email_field = get_user_model().get_email_field_name()
    candidates = [
        u for u in hooks.filter_users_by_email(workos_user)[:10]
        if same_email(getattr(u, email_field, ""), address)
    ]
    if len(candidates) != 1:
        return None  # none, or ambiguous: never guess
    user = candidates[0]
    if WorkOSUser.objects.filter(user=user).exists():
        return None
    if not hooks.can_link_by_email(workos_user, user):
        return None
    try:
        with transaction.atomic():
            update_link(WorkOSUser(user=cast(Any, user), workos_id=workos_user.id), workos_user)
    except IntegrityError:
        return None
    return hooks.update_user(user, workos_user)


def _email_conflict(workos_user: WorkOSUserData, hooks: Hooks) -> AbstractBaseUser | None:
    """A new WorkOS identity whose address (verified or not) other local accounts have.

    ``None`` when there is no conflict, or the adapter's ``resolve_email_conflict`` chose
    a separate account (then the caller creates one, without the address, as before).
    The linked user when it chose ``LINK`` and ``can_link_by_email`` allows it; otherwise
    :func:`~django_authkit.identity.rules.email_conflict_refusal` is raised, after the
    log line and the ``email_update_refused`` signal. "The same address" is the e-mail
    rule's (``users_with_email``), never the database's collation.
    """
    _, reason = new_user_email(workos_user)  # asked once: get_username reuses the answer
    if reason not in {"in_use", "unverified"}:
        return None  # free, or no usable address: nothing to be in conflict with
    max_length = max_length_of(get_user_model(), get_user_model().get_email_field_name())
    holders = users_with_email(clean_email(workos_user.email, max_length))
    if not holders:
        return None
    link = WorkOSUser.objects.select_related("user").filter(workos_id=workos_user.id).first()
    if link is not None:  # a concurrent first sign-in of this same identity won the race
        return hooks.update_user(link.user, workos_user)
    answer = hooks.resolve_email_conflict(workos_user, holders[0])
    if answer == EmailConflict.SEPARATE_ACCOUNT:
        return None
    if answer == EmailConflict.LINK:
        if len(holders) == 1 and hooks.can_link_by_email(workos_user, holders[0]):
            return _relink(holders[0], workos_user, hooks)
        logger.warning(
            "resolve_email_conflict() asked to link WorkOS user %s, but %s; refusing.",
            workos_user.id, "several local users have its address" if len(holders) > 1
            else "can_link_by_email() does not allow it (LINK_BY_EMAIL, a verified address)",
        )
    elif answer != EmailConflict.REFUSE:
        logger.warning("resolve_email_conflict() answered %r, not an EmailConflict; refusing.",
                       answer)
    email_conflict_refused(workos_user, holders, sender=hooks.sender)
    raise email_conflict_refusal(workos_user)


def _relink(user: Any, workos_user: WorkOSUserData, hooks: Hooks) -> AbstractBaseUser:
    """Link ``user`` to ``workos_user``, moving a link it had to another WorkOS user."""
    try:
        _move_link(user, workos_user)
    except IntegrityError:  # a concurrent first sign-in of this identity linked it first
        link = WorkOSUser.objects.select_related("user").get(workos_id=workos_user.id)
        return hooks.update_user(link.user, workos_user)
    return hooks.update_user(user, workos_user)


def _move_link(user: Any, workos_user: WorkOSUserData) -> None:
    with transaction.atomic():
        link = WorkOSUser.objects.select_for_update().filter(user=user).first()
        if link is None:
            update_link(WorkOSUser(user=user, workos_id=workos_user.id), workos_user)
        else:
            logger.warning("Moved local user %s from WorkOS user %s to %s (an e-mail conflict "
                           "the adapter resolved by linking).", user.pk, link.workos_id,
                           workos_user.id)
            link.workos_id = workos_user.id
            changed = _copy_to_link(link, workos_user, signed_in=True)
            link.save(update_fields=[*changed, "workos_id", "updated_at"])


def update_link(link: WorkOSUser, workos_user: WorkOSUserData, *, signed_in: bool = True) -> None:
    """Copy WorkOS's view of the user onto the link row, saving only what changed."""
    changed = _copy_to_link(link, workos_user, signed_in=signed_in)
    if link.pk is None:
        link.save()
    elif changed:
        link.save(update_fields=[*changed, "updated_at"])


def _copy_to_link(link: WorkOSUser, workos_user: WorkOSUserData, *, signed_in: bool) -> list[str]:
    """Set the link's WorkOS fields (cleaned, bounded); the names of those that changed."""
    names = cleaned(
        WorkOSUser,
        {"first_name": workos_user.first_name or "", "last_name": workos_user.last_name or ""},
    )
    url_length = max_length_of(WorkOSUser, "profile_picture_url")
    values: dict[str, Any] = {
        "email": clean_email(workos_user.email),
        "email_verified": bool(workos_user.email_verified),
        "first_name": names["first_name"],
        "last_name": names["last_name"],
        "profile_picture_url": clean_url(workos_user.profile_picture_url, url_length),
        "workos_updated_at": workos_user.updated_at or link.workos_updated_at,
    }
    if signed_in:
        values["last_sign_in_at"] = timezone.now()
    return assign_changed(link, values)


# -- the default answers of the hooks -------------------------------------------------------


def default_email_candidates(workos_user: WorkOSUserData) -> QuerySet[Any]:
    """Existing local users an opted-in e-mail link may attach to.

    A database pre-filter only: :func:`django_authkit.identity.rules.same_email`
    decides among what it returns, so no collation makes the decision.
    """
    user_model = get_user_model()
    email_field = user_model.get_email_field_name()
    return user_model._default_manager.filter(
        email_prefilter(email_field, workos_user.email.strip())
    )


def default_username(workos_user: WorkOSUserData) -> str:
    """The username of a new user.

    A model that signs in by e-mail gets the address, when the e-mail rule lets
    it be written (verified, valid, used by no other account), else the sign-in
    is refused with a page naming the conflict. Other models get the address's
    key when it is free, else the WorkOS id.
    """
    user_model = get_user_model()
    field = user_model.USERNAME_FIELD
    email, reason = new_user_email(workos_user)
    if username_is_email(user_model):
        if not email:
            raise email_refusal(workos_user, reason or "invalid")
        return email
    key = email_key(email)
    max_length = max_length_of(user_model, field) or 150
    if key and len(key) <= max_length:
        if not user_model._default_manager.filter(**{f"{field}__iexact": key}).exists():
            return key
    return workos_user.id


def default_create_user(workos_user: WorkOSUserData, hooks: Any) -> AbstractBaseUser:
    """Create the user (username from ``hooks.get_username``), then ``hooks.update_user``.

    ``hooks`` are the caller's own, used only outside a provisioning in progress
    (inside one, the hooks in force are asked, so a site's ``get_username`` counts).
    """
    hooks = hooks_in_force(hooks)  # e.g. a site backend's get_username
    user_model = get_user_model()
    fields: dict[str, Any] = {user_model.USERNAME_FIELD: hooks.get_username(workos_user)}
    email_field = user_model.get_email_field_name()
    reason = None
    if email_field != user_model.USERNAME_FIELD and has_field(user_model, email_field):
        fields[email_field], reason = new_user_email(workos_user)
    user: AbstractBaseUser = user_model._default_manager.create_user(**fields, password=None)
    if reason and workos_user.email:  # created without WorkOS's address
        email_refused(user, workos_user, reason, sender=_sender())
    user._authkit_email_checked = True  # type: ignore[attr-defined]  # no second signal
    updated: AbstractBaseUser = hooks.update_user(user, workos_user)
    return updated


def default_update_user(user: AbstractBaseUser, workos_user: WorkOSUserData) -> AbstractBaseUser:
    """Copy the fields WorkOS owns onto the Django user, cleaned, saving only changes.

    Names are cleaned and cut to the model's ``max_length``. The e-mail follows
    the e-mail rule: WorkOS's address replaces the local one only when it is
    verified, valid and used by no other local account; otherwise the local
    address stays and ``email_update_refused`` is sent.
    """
    user_model: Any = type(user)
    values: dict[str, Any] = cleaned(
        user_model,
        {"first_name": workos_user.first_name or "", "last_name": workos_user.last_name or ""},
    )
    values.pop(user_model.USERNAME_FIELD, None)
    email_field = user.get_email_field_name()
    current = getattr(user, email_field, None)
    if has_field(user_model, email_field) and current != workos_user.email:
        email, reason = assignable_email(workos_user, user)
        if email and email != current:
            values[email_field] = email
        elif reason and workos_user.email and not getattr(user, "_authkit_email_checked", 0):
            email_refused(user, workos_user, reason, sender=_sender())
    changed = assign_changed(user, values)
    if changed:
        try:
            with transaction.atomic():
                user.save(update_fields=changed)
        except IntegrityError:  # a concurrent sign-in took the address first
            user.refresh_from_db()
    return user


def new_user_email(workos_user: WorkOSUserData) -> tuple[str, str | None]:
    """:func:`identity.assignable_email` for a user about to be created, asked once.

    ``get_username`` and ``create_user`` both need it; the answer lives as long as
    the provisioning in progress (outside one, it is asked each time).
    """
    run = _run.get()
    if run is None:
        return assignable_email(workos_user)
    if run.new_email is None or run.new_email[0] is not workos_user:
        run.new_email = (workos_user, assignable_email(workos_user))
    return run.new_email[1]


def _sender() -> Any:
    """The sender of a signal a default hook sends: the hooks in force say (else the user's
    class)."""
    run = _run.get()
    return run.hooks.sender if run is not None else None
