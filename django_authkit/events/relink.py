"""An account re-linked to another WorkOS user: the previous user's sessions end.

Re-linking (the admin's WorkOS user links page, or the adapter resolving an e-mail
conflict with ``EmailConflict.LINK``) says the previous WorkOS user no longer signs
in as this Django account. Sessions it already holds would otherwise keep
refreshing at WorkOS as that account: they are ended here and at WorkOS once the
change is committed (only those open before it: a sign-in of the new WorkOS user
in the same request keeps its own).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from django_authkit.models import AuthKitSession, WorkOSUser
from django_authkit.sessions.revocation import revoke_session_by_id

logger = logging.getLogger("django_authkit.provisioning")

REASON = "relinked"
_PREVIOUS = "_authkit_previous_link"


@receiver(pre_save, sender=WorkOSUser, dispatch_uid="authkit-relink-note")
def _note_previous_link(sender: Any, instance: WorkOSUser, update_fields: Any = None,
                        **kwargs: Any) -> None:
    if instance.pk is None or (update_fields is not None and "workos_id" not in update_fields):
        return  # a new link, or a save that does not touch the WorkOS id (every sign-in)
    previous = WorkOSUser.objects.filter(pk=instance.pk).values_list("workos_id", "user_id").first()
    if previous is not None and previous[0] != instance.workos_id:
        instance.__dict__[_PREVIOUS] = previous


@receiver(post_save, sender=WorkOSUser, dispatch_uid="authkit-relink-end")
def _end_previous_sessions(sender: Any, instance: WorkOSUser, **kwargs: Any) -> None:
    previous = instance.__dict__.pop(_PREVIOUS, None)
    if previous is None:
        return
    old_workos_id, user_id = previous
    session_ids = list(AuthKitSession.objects.filter(
        user_id=user_id, ended_at__isnull=True).values_list("session_id", flat=True))
    if not session_ids:
        return
    logger.warning("Local user %s was re-linked from WorkOS user %s to %s: ending the %d "
                   "session(s) it held.", user_id, old_workos_id, instance.workos_id,
                   len(session_ids))

    def end() -> None:
        for session_id in session_ids:
            revoke_session_by_id(session_id, reason=REASON)

    transaction.on_commit(end)
