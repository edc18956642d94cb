"""Read a test client's pending sign-ins (the encrypted per-attempt cookies)."""

from __future__ import annotations

import json
from typing import Any

from django_authkit.core import crypto
from django_authkit.signin import pending

PREFIXES = (pending.COOKIE_PREFIX, pending.SECURE_PREFIX)


def attempts(client: Any) -> dict[str, dict[str, Any]]:
    """The client's pending sign-ins by state, opened with the site's key."""
    found = {}
    for name, morsel in client.cookies.items():
        if name.startswith(PREFIXES) and morsel.value:
            entry = json.loads(crypto.decrypt(morsel.value, pending.PURPOSE) or "{}")
            found[entry["s"]] = entry
    return found


def verifier(client: Any, state: str) -> str:
    """The PKCE verifier of the client's pending sign-in named by ``state``."""
    return str(attempts(client)[state]["v"])


def rewrite(client: Any, change: Any) -> None:
    """Re-seal each of the client's pending sign-ins after ``change(entry)`` edits it in
    place, with the site's own key: what a server-side bug or a stolen key could write."""
    for name, morsel in list(client.cookies.items()):
        if name.startswith(PREFIXES) and morsel.value:
            entry = json.loads(crypto.decrypt(morsel.value, pending.PURPOSE) or "{}")
            change(entry)
            client.cookies[name] = crypto.encrypt(json.dumps(entry), pending.PURPOSE)
