"""The JSON answers of every endpoint: ``{"error", "message", ...}`` and data, never cached."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import JsonResponse

if TYPE_CHECKING:
    from django_authkit.workos.failures import Failure

NO_STORE = {"Cache-Control": "no-store"}


def json_error(
    code: str, message: str, status: int, headers: dict[str, str] | None = None, **extra: Any
) -> JsonResponse:
    """The one error shape: a stable ``error`` code, a ``message``, and endpoint extras."""
    return JsonResponse(
        {"error": code, "message": message, **extra},
        status=status,
        headers={**NO_STORE, **(headers or {})},
    )


def json_failure(failure: Failure) -> JsonResponse:
    """A classified WorkOS or verification failure (:mod:`django_authkit.failures`) as JSON."""
    headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else None
    return json_error(failure.code, str(failure.message), failure.status, headers)


def json_ok(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, headers=NO_STORE)
