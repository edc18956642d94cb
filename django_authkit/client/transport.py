"""HTTP transport: one ``requests.Session`` per process, timeouts, retries, error mapping.

Retry policy, and why: a repeat is only sent when it cannot change the outcome.
GET/PUT/DELETE are idempotent, and so is a POST carrying an ``Idempotency-Key`` this
client generated (audit-log events). Everything else, and in particular every
``authenticate`` grant, goes out exactly once: a code or refresh token is
single-use, and a retried grant after a lost answer would burn it and sign the
user out. Retried: 429/500/502/503/504 and failures to connect. A read timeout is
not retried: the caller's timeout bounds how long a web request waits on WorkOS.
"""

from __future__ import annotations

import email.utils
import functools
import importlib.metadata
import json
import logging
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import quote, urlencode

import requests
from requests.adapters import HTTPAdapter

from django_authkit.client.errors import (
    APIError,
    RateLimitExceededError,
    WorkOSConnectionError,
    WorkOSError,
    WorkOSTimeoutError,
    error_class,
)

logger = logging.getLogger("django_authkit.client")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
BACKOFF_BASE = 0.5
BACKOFF_MAX = 8.0

# Path segments after these are credentials (``/invitations/by_token/<token>``).
_SECRET_SEGMENT_AFTER = frozenset({"by_token"})

_session: requests.Session | None = None
_session_pid: int | None = None
_session_lock = threading.Lock()
_jitter = random.SystemRandom()


@functools.lru_cache(maxsize=1)
def _user_agent() -> str:
    """Names the installed distribution's version (read once; the client imports no app code)."""
    try:
        version = importlib.metadata.version("django-workos-authkit")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return f"django-authkit/{version} python-requests"


def shared_session() -> requests.Session:
    """The process-wide session, so connections to WorkOS are pooled and reused.

    Rebuilt after a fork: a pooled socket must never be shared by two processes.
    """
    global _session, _session_pid
    pid = os.getpid()
    if _session is not None and _session_pid == pid:
        return _session
    with _session_lock:
        if _session is None or _session_pid != pid:
            session = requests.Session()
            # Shared by every client and thread: never let a Set-Cookie from one
            # response ride along on another request.
            session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            _session, _session_pid = session, pid
        return _session


def build_path(*segments: str) -> str:
    """Join path segments, escaping each so an id can never add or climb a segment."""
    return "/" + "/".join(quote(str(s), safe="") for s in segments)


def encode_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Drop ``None``; join lists with commas (as the spec and SDK 10 do); spell booleans."""
    out: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple, set, frozenset)):
            out[key] = ",".join(str(v) for v in value)
        elif isinstance(value, datetime):
            out[key] = value.isoformat().replace("+00:00", "Z")
        else:
            out[key] = str(value)
    return out


def build_url(base_url: str, path: str, params: Mapping[str, Any] | None = None) -> str:
    """An absolute URL for a browser redirect; no request is made."""
    query = urlencode(encode_params(params))
    return f"{base_url}{path}?{query}" if query else f"{base_url}{path}"


def redact_path(path: str) -> str:
    """The path with credential segments hidden, for logs and exceptions."""
    parts = path.split("/")
    for i in range(1, len(parts)):
        if parts[i - 1] in _SECRET_SEGMENT_AFTER:
            parts[i] = "***"
    return "/".join(parts)


_SECRET_NAMES = "|".join(re.escape(s) for s in sorted(_SECRET_SEGMENT_AFTER))
_SECRET_IN_LINE = re.compile(r"(/(?:" + _SECRET_NAMES + r")/)[^/\s?#\"]+")


class RedactSecretPaths(logging.Filter):
    """Hide credential path segments in urllib3's own request lines.

    ``urllib3.connectionpool`` logs every request's full path at DEBUG
    (``"GET /user_management/invitations/by_token/<token> HTTP/1.1" 200``); a site
    that turns DEBUG on for everything would otherwise log invitation tokens.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
            isinstance(a, str) and _SECRET_IN_LINE.search(a) for a in record.args
        ):
            record.args = tuple(
                _SECRET_IN_LINE.sub(r"\1***", a) if isinstance(a, str) else a
                for a in record.args
            )
        return True


logging.getLogger("urllib3.connectionpool").addFilter(RedactSecretPaths())


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    if not value or not value.isascii():
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def error_from_response(response: requests.Response, *, method: str, path: str) -> APIError:
    """Turn an error response into the matching :class:`APIError` subclass."""
    body: dict[str, Any] = {}
    try:
        parsed = response.json()
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        body = parsed
    message = body.get("message") if isinstance(body.get("message"), str) else None
    cls = error_class(response.status_code, body)
    kwargs: dict[str, Any] = {
        "status_code": response.status_code,
        "code": _opt_str(body.get("code")),
        "error": _opt_str(body.get("error")),
        "error_description": _opt_str(body.get("error_description")),
        "errors": body.get("errors"),
        "request_id": response.headers.get("X-Request-ID"),
        "response_json": body,
        "request_method": method,
        "request_path": redact_path(path),
    }
    if cls is RateLimitExceededError:
        kwargs["retry_after"] = parse_retry_after(response.headers.get("Retry-After"))
    return cls(message, **kwargs)


class Transport:
    """Sends authenticated JSON requests to one WorkOS base URL."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: float,
        max_retries: int,
        retry_after_max: float,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.retry_after_max = max(0.0, float(retry_after_max))
        self._api_key = api_key
        self._sleep = sleep
        self._session = session

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r})"

    @property
    def api_key(self) -> str:
        """The secret key; also sent as ``client_secret`` by the grants."""
        return self._api_key

    @property
    def session(self) -> requests.Session:
        return self._session or shared_session()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | Sequence[Any] | None = None,
        idempotency_key: str | bool | None = None,
        retry: bool | None = None,
        bearer: str | None = None,
    ) -> Any:
        """Send one call (with retries when safe) and return the parsed JSON, or None.

        ``idempotency_key=True`` generates a key once for all attempts, which makes a
        POST retryable. ``retry=False`` forbids repeats whatever the method.
        ``bearer`` replaces the API key (``/sso/profile`` takes the SSO token).
        """
        method = method.upper()
        headers = {
            "Authorization": f"Bearer {bearer or self._api_key}",
            "Accept": "application/json",
            "User-Agent": _user_agent(),
        }
        data: bytes | None = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        if idempotency_key is True:
            idempotency_key = str(uuid.uuid4())
        if isinstance(idempotency_key, str) and idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        if retry is None:
            retry = method in IDEMPOTENT_METHODS or "Idempotency-Key" in headers
        attempts = 1 + (self.max_retries if retry else 0)
        url = self.base_url + path
        shown = redact_path(path)
        query = encode_params(params)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=query or None,
                    data=data,
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.exceptions.RequestException as exc:
                failure: requests.exceptions.RequestException | None = exc
            else:
                failure = None
            if failure is not None:
                # Raised outside the except block so that, when the URL holds a secret,
                # the requests error (which quotes the URL) is not even the __context__.
                reason, error = self._transport_error(failure, method, shown)
                if reason is not None and not last:
                    self._pause(attempt, None, method, shown, reason)
                    continue
                raise error from _cause(failure, path, shown)
            request_id = response.headers.get("X-Request-ID")
            logger.debug(
                "WorkOS %s %s -> %s in %.0f ms (request id %s)",
                method,
                shown,
                response.status_code,
                (time.monotonic() - started) * 1000,
                request_id,
            )
            if response.status_code < 300:
                return self._parse(response, method, shown)
            if response.status_code < 400:
                # The API never redirects; following one could hand the key to another
                # host. It means a wrong base URL (http vs https, a proxy, a login page).
                raise WorkOSError(
                    f"WorkOS answered {method} {shown} with a redirect "
                    f"(HTTP {response.status_code}); check the API base URL"
                )
            if response.status_code in RETRY_STATUSES and not last:
                hint = parse_retry_after(response.headers.get("Retry-After"))
                self._pause(
                    attempt, hint, method, shown, f"HTTP {response.status_code}", request_id
                )
                response.close()
                continue
            raise error_from_response(response, method=method, path=path)
        raise AssertionError("unreachable")  # pragma: no cover

    def _transport_error(
        self, exc: requests.exceptions.RequestException, method: str, shown: str
    ) -> tuple[str | None, WorkOSError]:
        """The error to raise for a failed send, and a retry reason when a repeat is safe.

        Connection errors (which may also happen after the request was sent) and
        connect timeouts are retryable; a read timeout is not (see the module
        docstring). Only calls that are safe to repeat are ever retried.
        """
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            message = f"Connecting to WorkOS timed out after {self.timeout:g}s ({method} {shown})"
            return "connect timeout", WorkOSTimeoutError(message)
        if isinstance(exc, requests.exceptions.Timeout):
            message = f"WorkOS did not answer within {self.timeout:g}s ({method} {shown})"
            return None, WorkOSTimeoutError(message)
        if isinstance(exc, requests.exceptions.ConnectionError):
            message = f"Could not reach WorkOS ({method} {shown}): {type(exc).__name__}"
            return "connection error", WorkOSConnectionError(message)
        message = f"WorkOS request failed ({method} {shown}): {type(exc).__name__}"
        return None, WorkOSConnectionError(message)

    def _pause(
        self,
        attempt: int,
        retry_after: float | None,
        method: str,
        shown: str,
        reason: str,
        request_id: str | None = None,
    ) -> None:
        delay = self.backoff(attempt) if retry_after is None else retry_after
        delay = min(delay, self.retry_after_max) if retry_after is not None else delay
        logger.warning(
            "WorkOS %s %s failed (%s, request id %s); retry %d/%d in %.2fs",
            method,
            shown,
            reason,
            request_id,
            attempt + 1,
            self.max_retries,
            delay,
        )
        self._sleep(delay)

    @staticmethod
    def backoff(attempt: int) -> float:
        """Exponential backoff with jitter: ~0.25-0.75 s, then 0.5-1.5 s, ... at most 12 s."""
        return min(BACKOFF_BASE * float(2 ** min(attempt, 16)), BACKOFF_MAX) * (
            0.5 + _jitter.random()
        )

    @staticmethod
    def _parse(response: requests.Response, method: str, shown: str) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise WorkOSError(
                f"WorkOS answered {method} {shown} with a body that is not JSON "
                f"(HTTP {response.status_code}, request id "
                f"{response.headers.get('X-Request-ID')})"
            ) from None


def _cause(exc: BaseException, path: str, shown: str) -> BaseException | None:
    """Chain the ``requests`` error unless its text (which quotes the URL) holds a secret."""
    return exc if path == shown else None


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
