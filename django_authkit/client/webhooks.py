"""``client.webhooks``: signature verification (spec §13.1) and endpoint management.

Header: ``WorkOS-Signature: t=<unix milliseconds>, v1=<hex HMAC-SHA256>`` over
``"<t>.<raw body>"`` keyed with the endpoint secret. The parser here is stricter
than the official one about garbage and looser about formatting: pairs may come
in any order, separated by ``", "`` or ``","``; a repeated ``t`` or ``v1``, a
non-ASCII byte, a bad number or bad hex all raise
:class:`~django_authkit.client.errors.WebhookVerificationError` (a ``ValueError``),
never ``TypeError``, so a view answers 400 to a hostile request instead of 500.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from django_authkit.client._resource import Resource, compact
from django_authkit.client.errors import ConfigurationError, WebhookVerificationError
from django_authkit.client.models import Event, WebhookEndpoint
from django_authkit.client.pagination import ListPage

SIGNATURE_HEADER = "WorkOS-Signature"
DEFAULT_TOLERANCE = 180
MAX_HEADER_LENGTH = 512
_TIMESTAMP = re.compile(r"[0-9]{1,16}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


def parse_signature_header(sig_header: Any) -> tuple[str, str]:
    """``(t, v1)`` from a header value, or ``WebhookVerificationError``."""
    if isinstance(sig_header, (bytes, bytearray)):
        try:
            sig_header = bytes(sig_header).decode("ascii")
        except UnicodeDecodeError:
            raise WebhookVerificationError("Signature header is not ASCII") from None
    if not isinstance(sig_header, str) or not sig_header:
        raise WebhookVerificationError("Missing signature header")
    if len(sig_header) > MAX_HEADER_LENGTH or not sig_header.isascii():
        raise WebhookVerificationError("Malformed signature header")
    found: dict[str, str] = {}
    for part in sig_header.split(","):
        key, sep, value = part.strip(" \t").partition("=")
        if not sep or not key or not value:
            raise WebhookVerificationError("Malformed signature header")
        if key in ("t", "v1"):
            if key in found:
                raise WebhookVerificationError(f"Signature header repeats {key!r}")
            found[key] = value
    timestamp, digest = found.get("t"), found.get("v1")
    if timestamp is None or not _TIMESTAMP.fullmatch(timestamp):
        raise WebhookVerificationError("Signature header has no valid timestamp")
    if digest is None or not _HEX_DIGEST.fullmatch(digest):
        raise WebhookVerificationError("Signature header has no valid v1 signature")
    return timestamp, digest.lower()


def compute_signature(payload: bytes, timestamp: str, secret: str) -> str:
    """The hex ``v1`` for ``payload`` signed at ``timestamp`` (ms); used by the emulator too."""
    message = timestamp.encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(payload: bytes, secret: str, *, timestamp_ms: int | None = None) -> str:
    """A header value in WorkOS's exact format, for tests and local delivery."""
    t = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    return f"t={t}, v1={compute_signature(payload, t, secret)}"


def verify_header(
    payload: bytes,
    sig_header: str,
    secret: str,
    tolerance: float = DEFAULT_TOLERANCE,
    *,
    now: Callable[[], float] = time.time,
) -> None:
    """Check a delivery's signature and age (either way) or raise ``WebhookVerificationError``."""
    if not isinstance(secret, str) or not secret:
        raise ConfigurationError("No webhook secret configured")
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise WebhookVerificationError("Webhook payload must be the raw request body")
    timestamp, digest = parse_signature_header(sig_header)
    age = now() - int(timestamp) / 1000
    if abs(age) > tolerance:
        raise WebhookVerificationError("Webhook timestamp is outside the tolerance")
    expected = compute_signature(bytes(payload), timestamp, secret)
    if not hmac.compare_digest(expected, digest):
        raise WebhookVerificationError("Webhook signature does not match")


def construct_event(
    payload: bytes,
    sig_header: str,
    secret: str,
    tolerance: float = DEFAULT_TOLERANCE,
    *,
    now: Callable[[], float] = time.time,
) -> Event:
    """Verify, then parse the body as an :class:`Event`."""
    verify_header(payload, sig_header, secret, tolerance, now=now)
    try:
        body = json.loads(payload)
    except (ValueError, TypeError):
        raise WebhookVerificationError("Webhook body is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise WebhookVerificationError("Webhook body is not an event")
    if not isinstance(body.get("event"), str):
        raise WebhookVerificationError("Webhook body is not an event")
    return Event.from_dict(body)


class Webhooks(Resource):
    """Verification helpers plus ``/webhook_endpoints``."""

    def verify_header(
        self,
        payload: bytes,
        sig_header: str,
        secret: str,
        tolerance: float = DEFAULT_TOLERANCE,
    ) -> None:
        """See :func:`verify_header`."""
        verify_header(payload, sig_header, secret, tolerance)

    def construct_event(
        self,
        payload: bytes,
        sig_header: str,
        secret: str,
        tolerance: float = DEFAULT_TOLERANCE,
    ) -> Event:
        """See :func:`construct_event`."""
        return construct_event(payload, sig_header, secret, tolerance)

    def list_webhook_endpoints(
        self,
        *,
        limit: int | None = None,
        before: str | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> ListPage[WebhookEndpoint]:
        """Registered webhook endpoints."""
        params = {"limit": limit, "before": before, "after": after, "order": order}
        return self._list(WebhookEndpoint, "webhook_endpoints", params=params)

    def create_webhook_endpoint(
        self, *, endpoint_url: str, events: Sequence[str]
    ) -> WebhookEndpoint:
        """Register an endpoint; the answer holds its signing ``secret``."""
        body = {"endpoint_url": endpoint_url, "events": list(events)}
        return self._send("POST", WebhookEndpoint, "webhook_endpoints", body=body)

    def update_webhook_endpoint(
        self,
        webhook_endpoint_id: str,
        *,
        endpoint_url: str | None = None,
        status: str | None = None,
        events: Sequence[str] | None = None,
    ) -> WebhookEndpoint:
        """Change an endpoint's URL, status (``enabled``/``disabled``) or events."""
        body = compact(
            endpoint_url=endpoint_url,
            status=status,
            events=list(events) if events is not None else None,
        )
        return self._send(
            "PATCH", WebhookEndpoint, "webhook_endpoints", webhook_endpoint_id, body=body
        )

    def delete_webhook_endpoint(self, webhook_endpoint_id: str) -> None:
        """Remove an endpoint."""
        self._delete("webhook_endpoints", webhook_endpoint_id)
