"""The answers every entry point renders: JSON errors and data, the error page, redirects.

Never cached; the error page is ``authkit/error.html`` (overridable), with a stable
``code`` and, for the site's own problems, a hint for its operators.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from django_authkit.core.outage import OUTAGE_ERRORS
from django_authkit.workos import failures

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from django_authkit.workos.failures import Failure

logger = logging.getLogger("django_authkit.views")

NO_STORE = {"Cache-Control": "no-store"}


def json_error(
    code: str,
    message: StrOrPromise,
    status: int,
    headers: dict[str, str] | None = None,
    **extra: Any,
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


class WorkOSRedirect(HttpResponseRedirect):
    """A redirect to WorkOS's own origin, which may be plain http for the emulator."""

    allowed_schemes = ["http", "https"]


def error_response(
    request: HttpRequest, code: str, message: Any, *, status: int = 400, title: Any = None,
    hint: Any = "", next_url: str | None = None, debug_hint: Any = "",
    template_name: str = "", context: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """``authkit/error.html`` (overridable), or ``template_name`` for a failure with a
    page of its own: ``hint`` is for the site's operators, ``debug_hint`` only in DEBUG,
    "try again" keeps ``next_url``, and ``context`` adds what that page needs."""
    retry_url = reverse("authkit:sign-in")
    if next_url:
        retry_url += "?" + urlencode({"next": next_url})
    response = render(
        request,
        template_name or "authkit/error.html",
        {**(context or {}), "code": code, "message": message,
         "title": title or _("Sign-in failed"), "hint": hint, "debug_hint": debug_hint,
         "retry_url": retry_url},
        status=status,
    )
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def failure_response(
    request: HttpRequest, failure: failures.Failure, *, next_url: str | None = None
) -> HttpResponse:
    """The page for a :class:`~django_authkit.workos.failures.Failure`, ``Retry-After`` included."""
    response = error_response(
        request, failure.code, failure.message, status=failure.status, title=failure.title,
        hint=failure.hint, next_url=next_url, template_name=failure.template,
        context=failure.context,
    )
    if failure.retry_after:
        response["Retry-After"] = str(failure.retry_after)
    return response


def configuration_error(request: HttpRequest, exc: BaseException | None = None) -> HttpResponse:
    """The site, not the visitor, is misconfigured: a clear 503 page, an ERROR for operators."""
    logger.error("AuthKit is misconfigured (%s); run manage.py check.", exc or "see settings",
                 exc_info=exc is not None and not isinstance(exc, ImproperlyConfigured))
    return error_response(
        request, "configuration",
        _("Sign-in is not configured on this site yet. This is not your fault; please try "
          "again later."), status=503, title=_("Sign-in unavailable"),
    )


def prefers_html(request: HttpRequest) -> bool:
    """A browser navigation (``Accept`` names HTML) rather than an API client."""
    return "text/html" in request.headers.get("Accept", "")


def wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.headers.get("X-Requested-With") == "XMLHttpRequest" or (
        "application/json" in accept and "text/html" not in accept
    )


def too_many(request: HttpRequest, wait: int, *, html: bool = False) -> HttpResponse:
    """429 with ``Retry-After``: JSON, or the error page for a browser navigation."""
    headers = {"Retry-After": str(wait), "Cache-Control": "no-store"}
    message = _("Too many attempts. Try again later.")
    if html:

        context = {"code": "rate_limited", "message": message, "title": _("Sign-in failed")}
        response = render(request, "authkit/error.html", context, status=429)
        for name, value in {**headers, "Referrer-Policy": "no-referrer"}.items():
            response[name] = value
        return response
    return json_error("rate_limited", message, 429, headers, retryAfter=wait)


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The cache or the database is down: 503 with ``Retry-After`` (JSON or the error
    page), never a 500; plain text if even the error page needs what is down."""
    failure = failures.infrastructure(exc)
    if wants_json(request):
        return json_failure(failure)
    try:
        return failure_response(request, failure)
    except OUTAGE_ERRORS:  # a site template reaching for the database, say
        return HttpResponse(
            str(failure.message), status=503, content_type="text/plain; charset=utf-8",
            headers={**NO_STORE, "Retry-After": str(failure.retry_after)},
        )


R = TypeVar("R")


def guard_outages(
    method: Callable[[Any, HttpRequest], R],
) -> Callable[[Any, HttpRequest], R | HttpResponse]:
    """Answer :func:`outage_response` when ``method`` meets the cache or the database down
    (a middleware's ``process_request``: the session load is often the first query)."""

    @functools.wraps(method)
    def guarded(self: Any, request: HttpRequest) -> R | HttpResponse:
        try:
            return method(self, request)
        except OUTAGE_ERRORS as exc:
            return outage_response(request, exc)

    return guarded
