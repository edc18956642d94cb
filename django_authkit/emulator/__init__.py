"""An offline WorkOS emulator: hosted sign-in page, the AuthKit API, JWKS and a control API.

Start one with ``EmulatorServer(port=0).start()`` (or ``python -m django_authkit.emulator``)
and drive it from tests with ``server.control`` (an :class:`EmulatorControl`).

Seed format (``seed=`` dict or JSON file path, and ``POST /_emulator/seed``)::

    {"roles": [{"slug", "name", "permissions": [...]}],
     "organizations": [{"id"?, "name", "domains": [...], "external_id"?,
                        "entitlements"?, "feature_flags"?}],
     "users": [{"id"?, "email", "first_name"?, "last_name"?, "email_verified"?, "password"?}],
     "memberships": [{"user": id-or-email, "organization": id-or-name, "role"?, "status"?}],
     "connections": [{"id"?, "organization", "name"?, "connection_type"?, "domains"?}],
     "directories": [{"id"?, "organization", "name"?, "type"?, "groups": [{"name"}],
                      "users": [{"email", "first_name"?, "groups": [names], "role"?}]}],
     "feature_flags": [{"slug", "name"?, "enabled"?, "default_value"?, "targets"?: [...]}]}

Seeded objects without an ``id`` get one derived from the seed (stable across
restarts); ``state_file=`` / ``--state FILE`` keeps the whole state across restarts.
The route modules are registered by ``routes`` (one module per part of WorkOS's API
reference); ``GET /`` lists them.

Control API (no auth): ``POST /_emulator/reset`` (seeded state, clock, config, faults,
calls), ``POST /_emulator/seed``, ``GET /_emulator/state``, ``POST /_emulator/clock``
(``offset``/``advance``), ``POST /_emulator/config`` (``access_token_ttl``,
``refresh_grace_seconds``, ``redirect_uris``, ``session_ttl``, ``issuer``,
``email_verification_required``, ``mfa_required``, ``invitation_url``: the site's
accept-invitation URL that invitation e-mails link to),
``POST|GET|DELETE /_emulator/faults`` (``kind``: json, html, truncated_json, text;
``hold``: before_answer, after_answer), ``GET /_emulator/holds`` (``wait``, ``after``,
``point``), ``POST /_emulator/holds/release``,
``GET|DELETE /_emulator/calls``, ``POST|GET /_emulator/webhooks``,
``GET /_emulator/audit_logs``, ``GET /_emulator/outbox`` (the codes and links it
"e-mailed"; a page at ``/_emulator/outbox/page``) and ``GET /health``.
"""

from __future__ import annotations

from django_authkit.emulator.control import EmulatorControl, EmulatorError
from django_authkit.emulator.server import EmulatorServer

__all__ = ["EmulatorControl", "EmulatorError", "EmulatorServer"]
