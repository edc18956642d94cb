"""WorkOS-looking identifiers and timestamps, so SDK parsers and humans see familiar values."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import datetime, timezone

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

_lock = threading.Lock()
_last: list[int] = [0, 0]  # last millisecond, last random part (kept monotonic)


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def ulid() -> str:
    """A 26-char ULID, monotonic within the process so ids sort by creation."""
    with _lock:
        ms = int(time.time() * 1000)
        if ms <= _last[0]:
            ms = _last[0]
            rand = _last[1] + 1
        else:
            rand = secrets.randbits(79)
        _last[0], _last[1] = ms, rand
    return _encode(ms, 10) + _encode(rand, 16)


def new_id(prefix: str) -> str:
    """``prefix_<ULID>``, the shape of every WorkOS object id."""
    return f"{prefix}_{ulid()}"


def token(nbytes: int = 24) -> str:
    """An opaque, URL-safe secret (codes, refresh tokens, request ids)."""
    return secrets.token_urlsafe(nbytes)


def iso(ts: float | None) -> str | None:
    """ISO-8601 with milliseconds and ``Z``, as WorkOS writes timestamps."""
    if ts is None:
        return None
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def iso_now(ts: float) -> str:
    """Like :func:`iso` for a value known to be present (keeps callers' types simple)."""
    value = iso(ts)
    assert value is not None
    return value


def stable_id(prefix: str, *parts: str) -> str:
    """``prefix_<26 chars>`` derived from ``parts``: the same seed gives the same ids.

    Seeded users, organizations and memberships get these, so a restarted emulator
    (``make demo``) hands the same WorkOS ids to the Django site, which then finds
    its existing users instead of creating duplicates.
    """
    digest = hashlib.sha256("\x1f".join((prefix, *parts)).encode()).digest()
    return f"{prefix}_{_encode(int.from_bytes(digest[:17], 'big') >> 6, 26)}"
