"""The invitation a browser is accepting, kept server-side while it signs in natively.

The ``accept-invitation`` URL checks the ``invitation_token`` at WorkOS and, when the
site serves its own sign-in forms, keeps the token here for them: encrypted
(:mod:`django_authkit.core.crypto`) in the browser's Django session, never in a
form field, a URL of the site's pages or a log line, and only for
:data:`TTL` seconds. The native forms pass it to WorkOS on the calls the official
SDK takes it on (``authenticate_with_password``, ``create_magic_auth``,
``authenticate_with_magic_auth``); WorkOS accepts it when the sign-in succeeds, and
the session starts in the invitation's organization. It is forgotten once the
sign-in finishes or WorkOS refuses it.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from django_authkit.core import crypto

SESSION_KEY = "_authkit_invitation"
#: Seconds the accepted link stays usable for a native sign-in (the invitation
#: itself may live longer at WorkOS: following its link again starts over).
TTL = 3600
#: What an invitation token looks like (WorkOS's are URL-safe); anything else is refused
#: before WorkOS is asked.
TOKEN = re.compile(r"^[A-Za-z0-9_\-.~]{8,256}$")


@dataclass(frozen=True)
class PendingInvitation:
    """The invitation being accepted: its token (a credential) and the invited address."""

    token: str = field(repr=False)
    email: str = ""
    created_at: float = field(default_factory=time.time)


def remember(request: HttpRequest, token: str, email: str = "") -> None:
    """Keep ``token`` for this browser's next native sign-in (replacing any other)."""
    if not TOKEN.match(token):
        raise ValueError("not an invitation token")
    value = {"token": token, "email": email, "created_at": time.time()}
    request.session[SESSION_KEY] = crypto.encrypt(json.dumps(value))


def current(request: HttpRequest) -> PendingInvitation | None:
    """The invitation this browser is accepting, or ``None`` (none, expired, tampered)."""
    stored = request.session.get(SESSION_KEY)
    if stored is None:
        return None
    plain = crypto.decrypt(stored) if isinstance(stored, str) else None
    try:
        raw: dict[str, Any] = json.loads(plain) if plain else {}
        found: PendingInvitation | None = PendingInvitation(
            token=str(raw["token"]), email=str(raw.get("email") or ""),
            created_at=float(raw["created_at"]),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        found = None
    if found is None or not TOKEN.match(found.token) or time.time() - found.created_at > TTL:
        forget(request)
        return None
    return found


def token(request: HttpRequest) -> str | None:
    """The token to pass to WorkOS as ``invitation_token``, or ``None``."""
    found = current(request)
    return found.token if found is not None else None


def forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
