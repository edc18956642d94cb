"""State, PKCE and return-path handling for the authorization-code flow.

A sign-in attempt is a one-time ``state`` bound to the browser's Django session,
carrying the PKCE verifier and the validated return path. Several attempts may
be pending at once (sign-in started in several tabs); each is consumed once.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from django_authkit.conf import authkit_settings

SESSION_KEY = "_authkit_pending"
MAX_NEXT_LENGTH = 2048
MAX_PENDING_CEILING = 50  # whatever the setting says, one browser's store stays small


class FlowError(Exception):
    """A callback that cannot be matched to a sign-in this browser started."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class PendingSignIn:
    """What the callback needs to finish the sign-in it belongs to."""

    state: str
    code_verifier: str
    next_url: str
    created_at: float = field(default_factory=time.time)
    extra: dict[str, Any] = field(default_factory=dict)


def pkce_pair() -> tuple[str, str]:
    """Return ``(verifier, S256 challenge)`` per RFC 7636 (43-char verifier)."""
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def begin(
    request: HttpRequest, next_url: str, extra: dict[str, Any] | None = None
) -> tuple[PendingSignIn, str]:
    """Record a new pending sign-in in the session; return it and its PKCE challenge."""
    verifier, challenge = pkce_pair()
    pending = PendingSignIn(
        state=secrets.token_urlsafe(32),
        code_verifier=verifier,
        next_url=next_url,
        extra=dict(extra or {}),
    )
    store = _live_attempts(request)
    store[pending.state] = {
        "v": pending.code_verifier,
        "n": pending.next_url,
        "t": pending.created_at,
        "x": pending.extra,
    }
    limit = min(max(1, int(authkit_settings.MAX_PENDING_SIGN_INS)), MAX_PENDING_CEILING)
    while len(store) > limit:  # drop the oldest attempts first
        del store[min(store, key=lambda s: store[s]["t"])]
    request.session[SESSION_KEY] = store
    return pending, challenge


def complete(request: HttpRequest, state: str | None) -> PendingSignIn:
    """Consume the pending sign-in named by ``state`` or raise :class:`FlowError`."""
    if not state:
        raise FlowError("state_missing", "The sign-in response carried no state.")
    raw = request.session.get(SESSION_KEY)
    store = _live_attempts(request)
    entry = store.pop(state, None) if len(state) <= 128 else None
    if raw is not None and store != raw:
        # Written back only when something changed: a callback from a browser without
        # a pending sign-in (no cookie, forged state) must not create a session row.
        request.session[SESSION_KEY] = store
    if entry is None:
        raise FlowError(
            "state_mismatch",
            "This sign-in was not started in this browser, was already used, or has expired.",
        )
    return PendingSignIn(
        state=state,
        code_verifier=entry["v"],
        next_url=entry["n"],
        created_at=entry["t"],
        extra=entry.get("x") or {},
    )


def _live_attempts(request: HttpRequest) -> dict[str, dict[str, Any]]:
    raw = request.session.get(SESSION_KEY)
    store: dict[str, dict[str, Any]] = raw if isinstance(raw, dict) else {}
    horizon = time.time() - int(authkit_settings.STATE_TTL)
    return {
        s: e for s, e in store.items()
        if isinstance(e, dict) and isinstance(e.get("t"), (int, float)) and e["t"] >= horizon
    }


def safe_next(value: str | None, request: HttpRequest) -> str | None:
    """Return ``value`` if it is a same-site relative path, else ``None``.

    Only paths are accepted (``/dashboard?tab=1``): no scheme, no host, no
    protocol-relative ``//`` or ``/\\`` forms, no control, whitespace or
    bidi/format characters, nothing over ``MAX_NEXT_LENGTH``.
    """
    if not value or len(value) > MAX_NEXT_LENGTH:
        return None
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    for ch in value:
        if ch.isspace() or ch == "\\" or unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}:
            return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return None
    return value
