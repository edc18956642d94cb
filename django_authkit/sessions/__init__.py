"""The AuthKit session of a request: start, hot data, refresh, revocation, bearer and API keys.

Never imports identity, sign-in or the web layer: what it decides it returns, and the
callers above render it.

* :mod:`.lifecycle`: start a session, its lifetime checks, tokens on demand, sign-out.
* :mod:`.data`: the verified claims the hot path reads from the Django session.
* :mod:`.refresh`: one refresh per WorkOS session across threads, processes and hosts;
  :mod:`.wakeup` wakes the requests that waited for it.
* :mod:`.revocation`: ending sessions on the server's initiative.
* :mod:`.state`: ``request.authkit``.
* :mod:`.bearer` and :mod:`.api_keys`: ``Authorization: Bearer`` access tokens and API keys.
"""

from __future__ import annotations

from django_authkit.sessions.lifecycle import current_access_token, end_current, sign_out, start
from django_authkit.sessions.refresh import Outcome, Refresh, refresh
from django_authkit.sessions.revocation import (
    end_session,
    revoke_session_by_id,
    revoke_user_sessions,
)
from django_authkit.sessions.state import ANONYMOUS, AuthKitState

__all__ = [
    "ANONYMOUS",
    "AuthKitState",
    "Outcome",
    "Refresh",
    "current_access_token",
    "end_current",
    "end_session",
    "refresh",
    "revoke_session_by_id",
    "revoke_user_sessions",
    "sign_out",
    "start",
]
