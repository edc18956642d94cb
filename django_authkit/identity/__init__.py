"""Who a WorkOS user is here: the adapter, the user provisioning engine, the ORM mirror.

* :mod:`.adapter`: :class:`DefaultAdapter`, the one override point (``AUTHKIT["ADAPTER"]``),
  and :func:`get_hooks`, the decisions in force for one provisioning.
* :mod:`.users`: the engine that finds, links (opt-in) or creates the Django user of a
  WorkOS user and keeps it up to date, for sign-in, webhooks, sync and the admin alike.
* :mod:`.provisioning`: the ORM mirror: users, organizations, memberships, role mapping.
* :mod:`.rules`: the e-mail identity rule, profile cleaning, and refusals.

Identity imports nothing of sessions, sign-in, events or the web layer.
"""

from __future__ import annotations

from django_authkit.identity.adapter import DefaultAdapter, get_adapter, get_hooks
from django_authkit.identity.provisioning import (
    apply_remote_membership,
    apply_role_mapping,
    deactivate_user,
    ensure_organization,
    linked_user,
    provision_user,
    remove_membership,
    sync_membership,
    sync_user,
    upsert_membership,
    upsert_organization,
)
from django_authkit.identity.rules import (
    IdentityRefused,
    assignable_email,
    clean_email,
    email_key,
    same_email,
    users_with_email,
)
from django_authkit.identity.users import EmailConflict

__all__ = [
    "DefaultAdapter",
    "EmailConflict",
    "IdentityRefused",
    "apply_remote_membership",
    "apply_role_mapping",
    "assignable_email",
    "clean_email",
    "deactivate_user",
    "email_key",
    "ensure_organization",
    "get_adapter",
    "get_hooks",
    "linked_user",
    "provision_user",
    "remove_membership",
    "same_email",
    "sync_membership",
    "sync_user",
    "upsert_membership",
    "upsert_organization",
    "users_with_email",
]
