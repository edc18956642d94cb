"""The WorkOS signing keys: one validated key set, shared by every process and host.

Why each rule is here (each one is a way a real deployment lost its users):

* A JWKS document is parsed and every key loaded *before* it is cached; a
  document without one usable RS256 key is refused, so a bad answer never
  replaces a good set, and the shared copy is always one any worker can load.
* Keys live in process and in the Django cache (Redis/Memcached in production).
  A worker that meets an unknown ``kid`` first re-reads the shared copy (another
  worker may already have fetched the rotated set), then fetches with
  single-flight across processes (a ``cache.add`` lock); the others wait on the
  shared copy instead of fetching too.
* A ``kid`` carried by a token WorkOS just returned over the authenticated API
  (code exchange, refresh) may always cause a fetch. Only ``kid``\\ s from bearer
  headers share a cool-down, so no anonymous request can block a rotation.
* Known keys keep serving while a stale set is re-fetched in the background
  (stale-while-revalidate).
* A failed fetch is remembered (shared backoff, at least ``Retry-After``): during
  a JWKS brownout the site pays one short fetch timeout per backoff window, not
  one per request, and never sleeps inside a request.
* The cache down is an outage, not an error: a read is a miss, a write is
  skipped, the lock is this process's alone, and the backoff is also kept in
  process, so a cache outage costs at most one fetch per process per window.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests
from django.core.cache import cache

from django_authkit.client.transport import parse_retry_after, shared_session
from django_authkit.conf import authkit_settings
from django_authkit.core.outage import cache_or
from django_authkit.tokens.errors import KeysUnavailable, UnknownKid

logger = logging.getLogger("django_authkit.tokens")

MAX_JWKS_BYTES = 256 * 1024
MAX_KEYS = 50
#: RFC 7518 §3.3: a key used with RS256 must be 2048 bits or larger.
MIN_RSA_BITS = 2048
RETRY_AFTER_CAP = 300.0
WAIT_STEP = 0.05
PREFIX = "authkit:jwks2"


@dataclass
class KeySet:
    fetched_at: float
    keys: dict[str, Any] = field(default_factory=dict)


_local: dict[str, KeySet] = {}
_lock = threading.Lock()
_revalidating: set[str] = set()
_backoff_until: dict[str, float] = {}  # the shared backoff, read here while the cache is down


def jwks_url() -> str:
    return f"{authkit_settings.api_base_url}/sso/jwks/{authkit_settings.CLIENT_ID}"


def _strict_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ValueError("duplicate key")
    return data


_STRICT_DECODER = json.JSONDecoder(object_pairs_hook=_strict_object)


def loads_strict(raw: bytes | str) -> Any:
    """JSON with duplicate keys refused; any parse failure (deep nesting too) is ValueError."""
    try:
        if isinstance(raw, (bytes, bytearray)):
            raw = raw.decode("utf-8")  # RFC 8259 §8.1, RFC 7515 §2: JSON here is UTF-8
        return _STRICT_DECODER.decode(raw)
    except (ValueError, RecursionError, TypeError) as exc:
        raise ValueError("not valid JSON") from exc


def parse_jwks(document: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Usable RS256 keys of a JWKS and their JWKs; ValueError if there is none."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a key set")
    keys: dict[str, Any] = {}
    kept: list[dict[str, Any]] = []
    for jwk in document["keys"][:MAX_KEYS]:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
            continue
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 256 or kid in keys:
            continue
        if jwk.get("use") not in (None, "sig") or jwk.get("alg") not in (None, "RS256"):
            continue
        try:
            key = jwt.PyJWK({k: v for k, v in jwk.items() if k != "x5c"}, "RS256").key
            usable = key.key_size >= MIN_RSA_BITS
        except Exception:  # any malformed member: skip this key, never crash
            usable = False
        if not usable:
            logger.warning("Ignoring an unusable key in the WorkOS JWKS (kid=%.64s).", kid)
            continue
        keys[kid] = key
        kept.append(jwk)
    if not keys:
        raise ValueError("no usable key")
    return keys, kept


# -- the shared copy ------------------------------------------------------------------


def _shared(url: str) -> KeySet | None:
    """The key set another process validated and shared, or None."""
    raw = cache_or(lambda: cache.get(f"{PREFIX}:{url}"), None)
    if not raw:
        return None
    with _lock:
        local = _local.get(url)
    try:
        entry = loads_strict(raw)
        fetched_at = float(entry["t"])
        if local is not None and local.fetched_at == fetched_at:
            return local
        keys, _ = parse_jwks(entry["jwks"])
    except (ValueError, KeyError, TypeError):
        logger.warning("Ignoring an unreadable shared copy of the WorkOS JWKS.")
        return None
    found = KeySet(fetched_at, keys)
    _remember(url, found)
    return found


def _remember(url: str, found: KeySet) -> None:
    with _lock:
        current = _local.get(url)
        if current is None or current.fetched_at <= found.fetched_at:
            _local[url] = found


def _publish(url: str, kept: list[dict[str, Any]], fetched_at: float) -> None:
    entry = json.dumps({"t": fetched_at, "jwks": {"keys": kept}})
    cache_or(lambda: cache.set(f"{PREFIX}:{url}", entry, timeout=None), None)


# -- fetching -----------------------------------------------------------------------


def _backoff_left(url: str) -> float:
    unreadable = object()  # the cache down: this process's own record stands in
    until: Any = cache_or(lambda: cache.get(f"{PREFIX}-backoff:{url}"), unreadable)
    if until is unreadable:
        return max(0.0, _backoff_until.get(url, 0.0) - time.time())
    try:
        return max(0.0, float(until) - time.time()) if until else 0.0
    except (TypeError, ValueError):
        return 0.0


def _back_off(url: str, retry_after: float | None, why: str) -> None:
    seconds = float(authkit_settings.JWKS_FAILURE_BACKOFF)
    if retry_after:
        seconds = max(seconds, min(retry_after, RETRY_AFTER_CAP))
    if seconds <= 0:
        logger.warning("Could not fetch the WorkOS JWKS (%s).", why)
        return
    until = time.time() + seconds
    _backoff_until[url] = until
    cache_or(lambda: cache.set(f"{PREFIX}-backoff:{url}", until, timeout=int(seconds) + 1), None)
    logger.warning("Could not fetch the WorkOS JWKS (%s); next attempt in %.0f s.", why, seconds)


def _download(url: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """GET the JWKS once, with its own short timeout, no retries, no sleeping."""

    timeout = float(authkit_settings.JWKS_TIMEOUT)
    try:
        response = shared_session().get(
            url, timeout=(timeout, timeout), allow_redirects=False, stream=True,
            headers={"Accept": "application/json"},
        )
    except requests.RequestException as exc:
        raise _Failed(type(exc).__name__) from None
    try:
        if response.status_code != 200:
            retry = parse_retry_after(response.headers.get("Retry-After"))
            raise _Failed(f"HTTP {response.status_code}", retry)
        body = response.raw.read(MAX_JWKS_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise _Failed(type(exc).__name__) from None
    except OSError as exc:
        raise _Failed(type(exc).__name__) from None
    finally:
        response.close()
    if len(body) > MAX_JWKS_BYTES:
        raise _Failed("document too large")
    try:
        return parse_jwks(loads_strict(body))
    except ValueError as exc:
        raise _Failed(f"invalid document: {exc}") from None


class _Failed(Exception):
    def __init__(self, why: str, retry_after: float | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.retry_after = retry_after


def _fetch_single_flight(url: str, seen: float) -> KeySet | None:
    """Fetch once across processes; others wait on the shared copy. None: unavailable.

    ``seen`` is when the caller's copy was fetched (0: none): any shared copy newer
    than that is what the caller needs, whoever fetched it.
    """
    if _backoff_left(url) > 0:
        return None
    lock = f"{PREFIX}-lock:{url}"
    hold = float(authkit_settings.JWKS_TIMEOUT) * 2 + 2
    # The cache down: no other process can be asked, so this one fetches (under the
    # in-process backoff).
    if cache_or(lambda: cache.add(lock, 1, timeout=int(hold) + 1), True):
        try:
            shared = _shared(url)
            if shared is not None and shared.fetched_at > seen:
                return shared  # fetched by another process a moment ago
            try:
                keys, kept = _download(url)
            except _Failed as exc:
                _back_off(url, exc.retry_after, exc.why)
                return None
            now = time.time()
            _publish(url, kept, now)  # before the lock goes: waiters then find it
            found = KeySet(now, keys)
            _remember(url, found)
            return found
        finally:
            cache_or(lambda: cache.delete(lock), None)
    deadline = time.monotonic() + hold
    while time.monotonic() < deadline:  # another process is fetching: watch the shared copy
        time.sleep(WAIT_STEP)
        shared = _shared(url)
        if shared is not None and shared.fetched_at > seen:
            return shared
        if cache_or(lambda: cache.get(lock), None) is None:
            break
    shared = _shared(url)
    return shared if shared is not None and shared.fetched_at > seen else None


def _revalidate_in_background(url: str, seen: float) -> None:
    with _lock:
        if url in _revalidating:
            return
        _revalidating.add(url)

    def run() -> None:
        try:
            _fetch_single_flight(url, seen)
        except Exception:  # a background refresh must never take the worker down
            logger.exception("Background refresh of the WorkOS JWKS failed.")
        finally:
            with _lock:
                _revalidating.discard(url)

    threading.Thread(target=run, name="authkit-jwks", daemon=True).start()


# -- the one entry point -------------------------------------------------------------


def key_for(kid: str, *, from_workos: bool) -> Any:
    """The public key for ``kid``; raises :class:`UnknownKid` or :class:`KeysUnavailable`.

    ``from_workos``: the token came from WorkOS over the authenticated API, so a
    ``kid`` unknown here means a rotation and may always cause a fetch.
    """
    url = jwks_url()
    with _lock:
        known = _local.get(url)
    if known is None or kid not in known.keys:
        known = _shared(url) or known
    if known is not None and kid in known.keys:
        fresh_since = time.time() - int(authkit_settings.JWKS_CACHE_SECONDS)
        if known.fetched_at < fresh_since and _backoff_left(url) <= 0:
            # Only a copy that is itself fresh may stand in for the fetch: adopting another
            # process's equally stale copy would put revalidation off indefinitely.
            _revalidate_in_background(url, fresh_since)
        return known.keys[kid]
    may_fetch = (
        known is None
        or from_workos
        or cache_or(lambda: cache.add(f"{PREFIX}-cooldown:{url}", 1,
                                      timeout=int(authkit_settings.JWKS_REFETCH_COOLDOWN)),
                    False)  # the cache down: no bearer-triggered fetches (the shared cool-down)
    )
    if may_fetch:
        fresh = _fetch_single_flight(url, known.fetched_at if known else 0.0)
        if fresh is None and known is None:
            raise KeysUnavailable("jwks_unavailable")
        if fresh is None and from_workos:
            raise KeysUnavailable("jwks_unavailable")  # a rotation we cannot follow yet
        known = fresh or known
    if known is None:
        raise KeysUnavailable("jwks_unavailable")
    if kid not in known.keys:
        raise UnknownKid()
    return known.keys[kid]


def clear() -> None:
    """Forget keys in this process (tests and key-rotation tooling)."""
    with _lock:
        _local.clear()
        _backoff_until.clear()
