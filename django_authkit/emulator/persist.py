"""``--state FILE``: the store written to a JSON file after every change, read back at start.

Users (with their password hashes), organizations, memberships, sessions and their
refresh tokens, roles and the other resources survive a restart, so a restarted
``make demo`` keeps every user, and a signed-in browser keeps its session. So do the
signing keys: the process's own, and the key set after a rotation (the key signing
new tokens and every one still published), so tokens keep verifying. One-time codes
and pending sign-ins are not kept: they last minutes.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django_authkit.emulator import keys, models
from django_authkit.emulator.state import Store

VERSION = 1
# Short-lived or process-bound parts of ``store.extra`` that a restart drops.
TRANSIENT = frozenset({"sso_codes", "portal_links"})
MAX_EVENTS = 1000


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def snapshot(store: Store, ring: keys.KeyRing | None = None) -> dict[str, Any]:
    extra = {k: v for k, v in store.extra.items() if k not in TRANSIENT and _jsonable(v)}
    data = {
        "version": VERSION,
        "custom_roles": store.custom_roles,
        "roles": [asdict(r) for r in store.roles.values()],
        "users": [asdict(u) for u in store.users.values()],
        "organizations": [asdict(o) for o in store.organizations.values()],
        "memberships": [asdict(m) for m in store.memberships.values()],
        "sessions": [asdict(s) for s in store.sessions.values()],
        "refresh_tokens": {k: asdict(v) for k, v in store.refresh_tokens.items()},
        "events": store.events[-MAX_EVENTS:],
        "extra": extra,
        # The process's signing key, so tokens keep verifying after a restart (same ``kid``).
        "signing_key": keys.saved_key(keys.signing_key()),
    }
    if ring is not None:
        data["key_ring"] = ring.saved()
    return data


def adopt_key(data: dict[str, Any] | None) -> None:
    """Make a saved signing key the process-wide one, before an emulator picks it up.

    WorkOS does not change its key when it restarts; a demo that did would make every
    site's cached key set stale (and a signed-in browser fail verification).
    """
    saved = (data or {}).get("signing_key")
    if not isinstance(saved, dict):
        return
    key = keys.loaded_key(saved)
    with keys._lock:
        keys._key[:] = [key]


def adopt_key_ring(ring: keys.KeyRing, data: dict[str, Any] | None) -> None:
    """Sign and publish with the key set a snapshot saved (files from before it: no change)."""
    saved = (data or {}).get("key_ring")
    if isinstance(saved, dict):
        ring.load(saved)


def restore(store: Store, data: dict[str, Any]) -> None:
    """Replace the store's records with a snapshot's (the seed is not applied again)."""
    if data.get("version") != VERSION:
        raise ValueError(f"unsupported state file version {data.get('version')!r}")
    store.custom_roles = bool(data.get("custom_roles"))
    store.roles = {r["slug"]: models.Role(**r) for r in data.get("roles", [])}
    store.users = {u["id"]: models.User(**u) for u in data.get("users", [])}
    orgs: dict[str, models.Organization] = {}
    for o in data.get("organizations", []):
        domains = [models.Domain(**d) for d in o.pop("domains", [])]
        orgs[o["id"]] = models.Organization(**o, domains=domains)
    store.organizations = orgs
    store.memberships = {m["id"]: models.Membership(**m) for m in data.get("memberships", [])}
    store.sessions = {s["id"]: models.Session(**s) for s in data.get("sessions", [])}
    tokens = data.get("refresh_tokens", {})
    store.refresh_tokens = {k: models.RefreshToken(**v) for k, v in tokens.items()}
    store.events = list(data.get("events", []))
    store.extra = dict(data.get("extra", {}))


def load(path: Path) -> dict[str, Any] | None:
    """The snapshot in ``path``, or None when the file does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return data


def save(path: Path, store: Store, ring: keys.KeyRing | None = None) -> None:
    """Write atomically (a temporary file renamed over the old), so a crash never truncates it."""
    data = json.dumps(snapshot(store, ring), separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
