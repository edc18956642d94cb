"""What WorkOS events do to Django: one handler table for webhooks and the Events API.

* :mod:`.handlers`: :func:`process_event` (record once, apply, retry), per-event handlers.
* :mod:`.sync`: :func:`pull` (a full pull) and :func:`poll_events` (the Events API cursor).
* :mod:`.refresh`: after a refresh moves a session's organization or role, mirror it.
* :mod:`.audit`: WorkOS audit-log events for sign-in, sign-out and switches.
* :mod:`.relink`: an account re-linked to another WorkOS user ends the old one's sessions.
"""

from __future__ import annotations

from django_authkit.events import (
    refresh,  # noqa: F401  (connects the post-refresh mirror)
    relink,  # noqa: F401  (ends a re-linked account's sessions)
)
from django_authkit.events.audit import record_audit_event
from django_authkit.events.handlers import process_event, retry_failed
from django_authkit.events.sync import PollResult, PullResult, poll_events, pull

__all__ = [
    "PollResult",
    "PullResult",
    "poll_events",
    "process_event",
    "pull",
    "record_audit_event",
    "retry_failed",
]
