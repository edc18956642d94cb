"""The one open step of a native sign-in, kept server-side in the browser's session.

WorkOS answers a sign-in that needs another step with a
``pending_authentication_token``. That token is a credential: it never goes into
a form field, a URL or a log. It is stored here, in the Django session (so it is
bound to this browser), together with the step it is for, and it is only good
for ``NATIVE_PENDING_TTL`` seconds and ``NATIVE_MAX_CODE_ATTEMPTS`` codes.

The codes tried are counted server-side, in the Django cache, keyed by a hash of
the step's pending token (or of a random id, for a step WorkOS gave no token),
and counted before WorkOS is asked: replaying an older copy of a cookie-based
session cannot reset them, and parallel requests cannot overspend them.

The step is stored encrypted (:mod:`django_authkit.crypto`), so even a
cookie-based session backend never shows the token to the browser.

There is one open step per browser at a time. Each view asks for *its* step
(:func:`current` with ``step=``), so a step cannot be skipped by posting to a
later view, and a finished step is gone (:func:`clear`), so it cannot be replayed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from django_authkit.conf import authkit_settings
from django_authkit.core import crypto
from django_authkit.core.ratelimit import increment

SESSION_KEY = "_authkit_native"

VERIFY_EMAIL = "verify-email"
MFA_ENROLL = "mfa-enroll"
MFA_CHALLENGE = "mfa-challenge"
SELECT_ORGANIZATION = "select-organization"
MAGIC_AUTH = "magic-auth-verify"
PASSWORD_RESET = "password-reset-confirm"

STEPS = frozenset(
    {VERIFY_EMAIL, MFA_ENROLL, MFA_CHALLENGE, SELECT_ORGANIZATION, MAGIC_AUTH, PASSWORD_RESET}
)


@dataclass
class Pending:
    """One open step: what it is, for whom, and what WorkOS needs to finish it."""

    step: str
    next_url: str = ""
    email: str = ""
    token: str = field(default="", repr=False)  # pending_authentication_token or reset token
    data: dict[str, Any] = field(default_factory=dict, repr=False)
    attempts: int = 0  # unused: the count is server-side (attempts())
    created_at: float = field(default_factory=time.time)
    key: str = field(default_factory=lambda: secrets.token_urlsafe(16), repr=False)

    @property
    def expires_in(self) -> int:
        return max(0, int(self.created_at + ttl() - time.time()))


def ttl() -> int:
    return max(1, int(authkit_settings.NATIVE_PENDING_TTL))


def start(
    request: HttpRequest,
    step: str,
    *,
    next_url: str = "",
    email: str = "",
    token: str = "",
    **data: Any,
) -> Pending:
    """Open ``step``, replacing whatever step this browser had open."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    pending = Pending(step=step, next_url=next_url, email=email, token=token, data=data)
    save(request, pending)
    return pending


def save(request: HttpRequest, pending: Pending) -> None:
    request.session[SESSION_KEY] = crypto.encrypt(json.dumps(asdict(pending)))


def _load(request: HttpRequest) -> dict[str, Any] | None:
    stored = request.session.get(SESSION_KEY)
    plain = crypto.decrypt(stored) if isinstance(stored, str) else None
    try:
        raw = json.loads(plain) if plain else None
    except ValueError:
        return None
    return raw if isinstance(raw, dict) else None


def current(request: HttpRequest, step: str | None = None) -> Pending | None:
    """The open step (only if it is ``step``, when given), or ``None`` if none is live."""
    raw = _load(request)
    if raw is None:
        if SESSION_KEY in request.session:
            clear(request)
        return None
    try:
        pending = Pending(**raw)
    except TypeError:
        clear(request)
        return None
    if pending.step not in STEPS or time.time() - float(pending.created_at) > ttl():
        clear(request)
        return None
    if step is not None and pending.step != step:
        return None
    return pending


def clear(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def max_attempts() -> int:
    return max(1, int(authkit_settings.NATIVE_MAX_CODE_ATTEMPTS))


def _counter(pending: Pending) -> str:
    secret = pending.token or pending.key
    return "authkit:native:step:" + hashlib.sha256(secret.encode()).hexdigest()[:40]


def attempts(pending: Pending) -> int:
    """Codes tried on this step so far, by anyone holding it (server-side)."""
    return int(cache.get(_counter(pending)) or 0)


def count_attempt(request: HttpRequest, pending: Pending) -> bool:
    """Count a code about to be tried; ``True`` when the step is used up (it is closed)."""
    name, timeout = _counter(pending), ttl() + 5
    count = increment(name, timeout)
    if count > max_attempts():
        clear(request)
        return True
    return False


def wrong_code(request: HttpRequest, pending: Pending) -> bool:
    """A tried code was wrong; ``True`` when that used up the step (it is then closed)."""
    if attempts(pending) >= max_attempts():
        clear(request)
        return True
    save(request, pending)
    return False
