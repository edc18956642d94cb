"""Deprecated path, kept for one release: use :mod:`django_authkit.events.sync`."""

from __future__ import annotations

import warnings

from django_authkit.events.sync import PollResult, PullResult, poll_events, pull

warnings.warn(
    "django_authkit.sync moved to django_authkit.events.sync; "
    "the old path goes in the next release.",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["PollResult", "PullResult", "poll_events", "pull"]
