"""Signals sent by django-authkit; receivers get keyword arguments only."""

from __future__ import annotations

from django.dispatch import Signal

#: A Django user was created for a WorkOS user (``user``, ``workos_user``).
user_provisioned = Signal()
#: A sign-in through WorkOS completed (``request``, ``user``, ``auth``: the AuthenticationResponse,
#: ``entry_point``: ``"callback"``, ``"native"``, ``"api"`` or ``"sso"``).
signed_in = Signal()
#: A user signed out (``request``, ``user``, ``session_id``).
signed_out = Signal()
#: A session's tokens were refreshed (``user``, ``session_id``, ``claims``, and ``request``
#: and ``previous_claims``: the session's claims before the refresh).
session_refreshed = Signal()
#: A session ended without the user asking, e.g. refused at WorkOS
#: (``user``, ``session_id``, ``reason``).
session_ended = Signal()
#: A WorkOS event was applied, from a webhook or the Events API (``event``: the
#: :class:`~django_authkit.client.models.Event`, ``event_type``, ``data``: the typed
#: object such as ``User`` or ``OrganizationMembership`` (a dict for unknown types),
#: ``source``: ``"webhook"`` or ``"events_api"``). Delivery is at least once.
workos_event = Signal()
#: A session moved to another organization (``request``, ``user``, ``session_id``,
#: ``organization_id``, ``previous_organization_id``).
organization_switched = Signal()
#: WorkOS's e-mail for a user was not written onto the local account (``user``,
#: ``workos_user``, ``email``: WorkOS's address, ``reason``: ``"unverified"``,
#: ``"in_use"`` (another local account has it) or ``"invalid"``). Sent at sign-in,
#: webhooks and sync, each time the addresses differ; the local address stays.
#: ``user`` is ``None`` when a first sign-in was refused because another local account
#: has the address (an e-mail conflict: no account was created).
email_update_refused = Signal()
