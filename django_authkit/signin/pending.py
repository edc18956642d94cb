"""Pending sign-ins kept by the browser: one encrypted cookie per sign-in attempt.

A sign-in start stores nothing on the server. Its ``state``, PKCE verifier, return
path and custom state travel in a cookie of their own (``authkit_flow_<id>``, the id
derived from the state), so sign-ins started in several tabs never overwrite each
other, as in authkit-nextjs. The cookie is

* encrypted and integrity-protected (Fernet, a key of its own derived from
  ``SECRET_KEY``; ``SECRET_KEY_FALLBACKS`` still open it), and short-lived: the
  browser drops it after ``STATE_TTL`` seconds and the server refuses an older one
  whatever the browser sends;
* bound to the browser: ``HttpOnly``, ``SameSite=Lax`` (the callback is a top-level
  navigation from WorkOS), host-only. On HTTPS it is a ``__Host-`` cookie (``Secure``,
  ``Path=/``), which neither a sibling subdomain nor a plain-HTTP page can set, so
  nobody can plant their own pending sign-in in a visitor's browser (login CSRF by
  cookie tossing); on plain HTTP (development) it is scoped to the path the sign-in
  start and its callback share;
* single-use: the callback deletes it and records the state as redeemed in the
  cache for ``STATE_TTL``, so a replayed cookie with its callback URL is refused
  before WorkOS is asked. With the cache down the record is skipped (logged): the
  authorization code itself is single-use at WorkOS.

At most ``MAX_PENDING_SIGN_INS`` attempts are kept per browser: a start evicts the
oldest, which keeps the callback's ``Cookie`` header small.

Cookies are queued on the request and written on the way out by
:class:`~django_authkit.middleware.AuthKitMiddleware` (:func:`write_cookies`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from django_authkit.conf import authkit_settings
from django_authkit.core import crypto
from django_authkit.core.outage import OUTAGE_ERRORS

logger = logging.getLogger("django_authkit.flow")

COOKIE_PREFIX = "authkit_flow_"
#: On HTTPS: the browser takes the cookie only from this host, over HTTPS, at ``/``.
SECURE_PREFIX = "__Host-" + COOKIE_PREFIX
PURPOSE = b"django-authkit pending sign-in v1"
REDEEMED = "authkit:flow-redeemed:"
#: Browsers keep a cookie up to 4096 bytes (name, value and attributes counted).
MAX_COOKIE_BYTES = 3800
_OUTGOING = "_authkit_flow_cookies"  # the request attribute holding the cookies to write


class TooLarge(ValueError):
    """The attempt's return path and custom state do not fit in a cookie."""


def cookie_name(state: str, secure: bool = False) -> str:
    """The cookie of the attempt whose ``state`` is this (one cookie per attempt), on
    an HTTPS (``secure``) or a plain-HTTP request."""
    prefix = SECURE_PREFIX if secure else COOKIE_PREFIX
    return prefix + hashlib.sha256(state.encode()).hexdigest()[:24]


def ttl() -> int:
    return int(authkit_settings.STATE_TTL)


def remember(request: HttpRequest, entry: dict[str, Any], path: str) -> None:
    """Queue the cookie of a new attempt (``entry`` holds ``s``, the state) at ``path``
    (:func:`cookie_path`)."""
    value = crypto.encrypt(json.dumps({**entry, "p": path}, separators=(",", ":")), PURPOSE)
    name = cookie_name(entry["s"], request.is_secure())
    if len(name) + len(value) + len(path) + 80 > MAX_COOKIE_BYTES:
        raise TooLarge(name)
    _outgoing(request)[name] = (value, path)


def live(request: HttpRequest, path: str) -> dict[str, dict[str, Any]]:
    """This browser's unexpired attempts by cookie name; unreadable ones are queued
    for deletion at ``path`` (a key rotation past the fallbacks, a tampered or expired
    cookie; one set at another path expires by itself)."""
    secure = request.is_secure()
    prefix = SECURE_PREFIX if secure else COOKIE_PREFIX
    found: dict[str, dict[str, Any]] = {}
    for name, value in request.COOKIES.items():
        if not name.startswith(prefix) or not value:
            continue
        entry = _open(value)
        if entry is None or cookie_name(str(entry.get("s", "")), secure) != name:
            forget(request, name, path)
            continue
        found[name] = entry
    return found


def take(request: HttpRequest, state: str) -> dict[str, Any] | None:
    """The attempt named by ``state``, used up: its cookie deleted and the state
    recorded as redeemed. ``None`` if this browser holds no such live attempt or it
    was redeemed already (a replayed cookie)."""
    name = cookie_name(state, request.is_secure())
    value = request.COOKIES.get(name)
    if not value:
        return None
    entry = _open(value)
    if entry is None or not hmac.compare_digest(str(entry.get("s", "")), state):
        return None  # unreadable or expired: the browser drops it by itself
    forget(request, name, str(entry.get("p") or "/"))
    return entry if _first_redemption(name) else None


def forget(request: HttpRequest, name: str, path: str) -> None:
    """Queue the deletion of an attempt's cookie."""
    _outgoing(request)[name] = (None, path)


def write_cookies(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Set and delete the queued attempt cookies on ``response`` (the middleware's job)."""
    queued: dict[str, tuple[str | None, str]] | None = request.__dict__.get(_OUTGOING)
    if not queued:
        return response
    secure = request.is_secure() or bool(settings.SESSION_COOKIE_SECURE)
    for name, (value, path) in queued.items():
        if value is None:
            response.delete_cookie(name, path=path, samesite="Lax")
        else:
            response.set_cookie(name, value, max_age=max(1, ttl()), path=path, secure=secure,
                                httponly=True, samesite="Lax")
    queued.clear()
    return response


def cookie_path(request: HttpRequest, callback_path: str) -> str:
    """Where the attempts started by ``request`` live. On HTTPS ``/`` (a ``__Host-``
    cookie must have ``Path=/``); on plain HTTP the longest directory the start and the
    callback are both in: the start sees every attempt (to evict the oldest) and the
    callback receives its own, and no other page carries them."""
    if request.is_secure():
        return "/"
    common: list[str] = []
    for a, b in zip(request.path.split("/")[1:-1], callback_path.split("/")[1:-1],
                    strict=False):
        if a != b:
            break
        common.append(a)
    return "/" + "".join(f"{segment}/" for segment in common)


def _open(value: str) -> dict[str, Any] | None:
    if len(value) > MAX_COOKIE_BYTES:
        return None
    plain = crypto.decrypt(value, PURPOSE, max_age=max(0, ttl()))
    if plain is None:
        return None
    try:
        entry = json.loads(plain)
    except ValueError:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("t"), (int, float)):
        return None
    return entry if entry["t"] >= time.time() - ttl() else None


def _first_redemption(name: str) -> bool:
    try:
        return bool(cache.add(REDEEMED + name, 1, timeout=max(1, ttl())))
    except OUTAGE_ERRORS:
        logger.warning("The cache is down: a sign-in's state was used without recording it "
                       "as redeemed (the authorization code stays single-use at WorkOS).")
        return True


def _outgoing(request: HttpRequest) -> dict[str, tuple[str | None, str]]:
    queued: dict[str, tuple[str | None, str]] = request.__dict__.setdefault(_OUTGOING, {})
    return queued
