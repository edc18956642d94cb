"""The ``webhooks`` endpoint: verify WorkOS's signature, record the event, apply it once.

Anything that fails verification answers 400 (never 500: it is attacker input).
A verified event answers 200 quickly, also when its handler fails: the failure is
kept on its :class:`~django_authkit.models.WebhookEvent` row and the event is
applied again by a redelivery, the Events API or ``authkit_sync --events``.
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from django_authkit.client.errors import WebhookVerificationError, WorkOSError
from django_authkit.client.models import Event
from django_authkit.client.webhooks import SIGNATURE_HEADER, verify_header
from django_authkit.conf import authkit_settings
from django_authkit.events.handlers import process_event

logger = logging.getLogger("django_authkit.webhooks")

__all__ = ["WebhookView"]


def _error(code: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": code}, status=status, headers={"Cache-Control": "no-store"})


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(never_cache, name="dispatch")
class WebhookView(View):
    """POST only; the raw body is verified against ``WorkOS-Signature``."""

    http_method_names = ["post"]
    source = "webhook"

    def post(self, request: HttpRequest) -> JsonResponse:
        secret = authkit_settings.WEBHOOK_SECRET
        if not secret:
            logger.error(
                "authkit: a webhook arrived but AUTHKIT['WEBHOOK_SECRET'] "
                "(WORKOS_WEBHOOK_SECRET) is not set; it was refused with 503."
            )
            return _error("webhooks_not_configured", 503)
        try:
            body = request.body
        except RequestDataTooBig:
            return _error("payload_too_large", 413)
        try:
            tolerance = float(authkit_settings.WEBHOOK_TOLERANCE)
            verify_header(body, request.headers.get(SIGNATURE_HEADER, ""), str(secret), tolerance)
        except (WebhookVerificationError, WorkOSError, ValueError, TypeError) as exc:
            logger.info("Refused a webhook: %s", type(exc).__name__)
            return _error("invalid_signature")
        event = self.parse(body)
        if event is None:
            return _error("invalid_payload")
        try:
            outcome = process_event(event, self.source)
        except ValueError:
            return _error("invalid_payload")
        return JsonResponse({"status": outcome}, headers={"Cache-Control": "no-store"})

    @staticmethod
    def parse(body: bytes) -> Event | None:
        """The signed body as an event, or ``None`` if it is not one."""
        try:
            data = json.loads(body)
        except (ValueError, TypeError, RecursionError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("event"), str):
            return None
        if not isinstance(data.get("id"), str) or not data["id"] or len(data["id"]) > 64:
            return None
        if not isinstance(data.get("data", {}), dict):
            return None
        try:
            return Event.from_dict(data)
        except (WorkOSError, ValueError, TypeError):
            return None
