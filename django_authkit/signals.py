"""Signals sent by django-authkit; receivers get keyword arguments only."""

from __future__ import annotations

from django.dispatch import Signal

#: A Django user was created for a WorkOS user (``user``, ``workos_user``).
user_provisioned = Signal()
#: A sign-in through WorkOS completed (``request``, ``user``, ``auth``: the AuthenticationResponse).
signed_in = Signal()
#: A user signed out (``request``, ``user``, ``session_id``).
signed_out = Signal()
#: A session's tokens were refreshed (``user``, ``session_id``, ``claims``).
session_refreshed = Signal()
#: A session ended without the user asking, e.g. refused at WorkOS
#: (``user``, ``session_id``, ``reason``).
session_ended = Signal()
