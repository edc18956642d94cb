"""After a refresh moves a session's organization, role or permissions, mirror it here.

This sits above both the sessions layer (which refreshes and sends
``session_refreshed``) and provisioning (which owns the membership rows), so
neither imports the other. Connected in ``AuthKitConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from django_authkit import signals
from django_authkit.identity import provisioning
from django_authkit.sessions import lifecycle as sessions
from django_authkit.sessions.data import membership_changed


@receiver(signals.session_refreshed, dispatch_uid="django_authkit.refresh_sync")
def mirror_membership(
    sender: Any,
    user: Any,
    claims: dict[str, Any],
    request: Any = None,
    previous_claims: dict[str, Any] | None = None,
    **kwargs: Any,
) -> None:
    if request is None or previous_claims is None:
        return
    if not membership_changed(previous_claims, claims):
        return
    membership = provisioning.sync_membership(user, claims)
    sessions.apply_policy(request, membership.organization if membership else None)
