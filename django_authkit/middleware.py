"""``AuthKitMiddleware``: sets ``request.authkit`` and keeps the session fresh.

While the access token is fresh this reads only the Django session, which
the authentication middleware loads anyway: no WorkOS call, no extra query.
Shortly before expiry it refreshes (once per WorkOS session, see
:mod:`django_authkit.sessions`). Only a refusal from WorkOS signs the user
out; an outage keeps the session and answers 503 only when the token can no
longer be trusted.

A request carrying ``Authorization: Bearer <WorkOS access token>`` to a view that
opted in (``@bearer_auth``, ``authkit_bearer = True``, or a path under
``BEARER_PATHS``) is authenticated by the token instead (see
:mod:`django_authkit.sessions.bearer`): the session cookie, if any, is ignored for
it, and Django's CSRF check is skipped because no cookie authenticates it.
Elsewhere, and always on the Django admin and AuthKit's own pages, the header is
ignored. A request without that header pays one dictionary lookup for this feature.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import django
from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext_lazy as _

from django_authkit.conf import authkit_settings
from django_authkit.core.outage import OUTAGE_ERRORS, on_auth_path
from django_authkit.core.permissions import (
    active_binding,
    reset_active_permissions,
    set_active_permissions,
)
from django_authkit.sessions import bearer, revocation
from django_authkit.sessions import lifecycle as sessions
from django_authkit.sessions.state import ANONYMOUS, AuthKitState
from django_authkit.signin.pending import write_cookies
from django_authkit.web.responses import (
    configuration_error,
    guard_outages,
    json_error,
    outage_response,
    wants_json,
)

Handler = Callable[[HttpRequest], Any]
logger = logging.getLogger("django_authkit.middleware")
ASYNC_SESSIONS = django.VERSION >= (5, 1)  # SessionBase.aget() and friends


class AuthKitMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self._async:
            return self.__acall__(request)
        early = self.process_request(request)
        if early is not None:
            return early
        token = _bind_permissions(request)
        try:
            return write_cookies(request, _mark_private(request, self.get_response(request)))
        finally:
            if token is not None:
                reset_active_permissions(token)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        # No bearer header and no AuthKit session: anonymous, without queuing on the
        # one thread that runs sync code.
        if "HTTP_AUTHORIZATION" in request.META or await _may_hold_authkit_session(request):
            early = await sync_to_async(self.process_request)(request)
            if early is not None:
                return early
        else:
            request.authkit = ANONYMOUS  # type: ignore[attr-defined]
        token = _bind_permissions(request)
        try:
            response: Awaitable[HttpResponse] = self.get_response(request)
            return write_cookies(request, _mark_private(request, await response))
        finally:
            if token is not None:
                reset_active_permissions(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        """A configuration error inside an AuthKit view: a clear 503, logged at ERROR.

        An unimportable ``ADAPTER`` or hook, an invalid setting: the site's fault,
        not the visitor's, so never a 500 (``manage.py check`` names the fix).
        """
        match = getattr(request, "resolver_match", None)
        ours = match is not None and "authkit" in match.app_names
        if isinstance(exception, OUTAGE_ERRORS) and (ours or on_auth_path(exception)):
            return outage_response(request, exception)  # the cache or the database down
        if not ours:
            return None
        if not isinstance(exception, ImproperlyConfigured | ImportError):
            return None
        if wants_json(request):
            logger.error("AuthKit is misconfigured (%s); run manage.py check.", exception,
                         exc_info=exception)
            return json_error("configuration", _("Sign-in is not configured on this site."), 503)
        return configuration_error(request, exception)

    @guard_outages  # the cache or the database down: 503 + Retry-After, never a 500
    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        request.authkit = ANONYMOUS  # type: ignore[attr-defined]
        if "HTTP_AUTHORIZATION" in request.META:
            refused = self.process_bearer(request)
            if refused is not None:
                return refused if refused is not _AUTHENTICATED else None
        session = getattr(request, "session", None)
        if session is None:
            return None
        stored = session.get(sessions.HOT_KEY)
        if not stored:
            return None
        user_pk = session.get(SESSION_KEY)
        if user_pk is None:  # signed out by other means; forget the claims
            del session[sessions.HOT_KEY]
            return None
        try:
            hot = sessions.unpack_hot(stored)
        except ValueError:  # only a bug or a downgrade writes one: sign out, never a 500
            logger.error("The session's AuthKit claims could not be read; signed out.")
            logout(request)
            return self.session_lost(request)
        now = time.time()
        cookie_sessions = revocation.uses_cookie_sessions()
        if cookie_sessions and revocation.is_marked_ended(hot["sid"]):
            logout(request)
            return self.session_lost(request)
        expired, refresh_due, idle = sessions.request_checks(hot, now)
        if expired:
            sessions.end_current(request, expired)
            return self.session_lost(request)
        if refresh_due:
            outcome = sessions.refresh(request).outcome
            if outcome is sessions.Outcome.ENDED:
                logout(request)
                return self.session_lost(request)
            if outcome is sessions.Outcome.UNAVAILABLE and hot["exp"] <= now:
                return self.unavailable(request)
            hot = sessions.read_hot(session) or hot
        if idle:
            hot = sessions.touch(request, hot, now, idle)
        if not cookie_sessions:  # a cycled Django session key is followed (rare)
            hot = sessions.track_session_key(request, hot)
        state = AuthKitState(request, hot, sessions.current_access_token)
        state.user_pk = user_pk  # read once here, for _bind_permissions
        request.authkit = state  # type: ignore[attr-defined]
        return None

    def process_bearer(self, request: HttpRequest) -> HttpResponse | None:
        """Authenticate by a bearer token.

        Returns ``_AUTHENTICATED`` when it did (the session is then ignored), a
        JSON 401/503 for a refused token, or ``None`` to carry on with the session.
        """

        token = bearer.token_from(request)
        if token is None or not authkit_settings.BEARER_TOKENS:
            return None
        if not bearer.accepted_for(request):
            return None  # not opted in: the header authenticates nothing here
        result = bearer.authenticate(token)
        if isinstance(result, bearer.BearerFailure):
            lenient = result.status == 401 and not authkit_settings.BEARER_REJECT_INVALID
            if lenient or _bearer_optional(request):
                return None
            return json_error(result.code, result.message, result.status, result.headers())
        user, claims = result
        request.user = user
        request._cached_user = user  # type: ignore[attr-defined]

        async def auser() -> Any:
            return user

        request.auser = auser
        # A cross-site page cannot set the Authorization header, so a request that only
        # the header authenticates cannot be forged: skip CSRF. If a session cookie rides
        # along, views may still act on that session, so CSRF stays on.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        request.authkit = bearer.state_for(request, token, user, claims)  # type: ignore[attr-defined]
        return _AUTHENTICATED

    def session_lost(self, request: HttpRequest) -> HttpResponse | None:
        """Ended sessions continue anonymous; API callers get a JSON 401 instead of a redirect."""
        if not wants_json(request):
            return None
        return json_error(
            "session_ended",
            _("Your session has ended. Sign in again."),
            401,
            sign_in_url=reverse("authkit:sign-in"),
        )

    def unavailable(self, request: HttpRequest) -> HttpResponse:
        """WorkOS is unreachable and the token has expired: ask the client to retry."""
        headers = {"Retry-After": "5", "Cache-Control": "no-store"}
        if wants_json(request):
            return json_error(
                "authentication_unavailable",
                _("Sign-in service temporarily unavailable; retry shortly."),
                503,
                headers,
            )

        body = render_to_string(
            "authkit/error.html",
            {
                "title": _("Temporarily unavailable"),
                "message": _(
                    "We could not confirm your session just now. Please retry in a moment."
                ),
                "code": "authentication_unavailable",
            },
            request=request,
        )
        return HttpResponse(body, status=503, headers=headers)


_AUTHENTICATED = HttpResponse(status=204)  # sentinel, never sent


def _bearer_optional(request: HttpRequest) -> bool:
    """Whether the requested view works without a valid bearer token (``api-refresh``...)."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    view = getattr(match.func, "view_class", match.func)
    return bool(getattr(view, "authkit_bearer_optional", False))


async def _may_hold_authkit_session(request: HttpRequest) -> bool:
    """Whether the session may carry AuthKit claims, read without a sync hop where possible."""
    session = getattr(request, "session", None)
    if session is None or session.session_key is None:
        return False
    cache = getattr(session, "_session_cache", None)
    if cache is not None:
        return sessions.HOT_KEY in cache
    if ASYNC_SESSIONS:
        return bool(await session.aget(sessions.HOT_KEY))
    return True  # Django < 5.1: only the sync path can load the session


def _mark_private(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Responses whose identity this middleware decided must not be shared by caches."""
    if "HTTP_AUTHORIZATION" in request.META:
        patch_vary_headers(response, ("Authorization",))
    if request.authkit is not ANONYMOUS:  # type: ignore[attr-defined]  # (no __bool__ call)
        store = getattr(response.headers, "_store", None)
        if type(store) is dict:
            # Django's ResponseHeaders keeps {lower-cased name: (name, value)}. Reading it
            # directly spares has_header's raised and caught KeyError, and the constant
            # needs no re-validation: together two thirds of this function's cost on
            # every signed-in request (tests/test_hot_path_cost.py guards the layout).
            if "cache-control" not in store:
                store["cache-control"] = ("Cache-Control", "private")
                return response
        elif not response.has_header("Cache-Control"):
            response.headers["Cache-Control"] = "private"
            return response
        if not any(w in response["Cache-Control"] for w in ("public", "private", "no-store")):
            patch_cache_control(response, private=True)
    return response


def _bind_permissions(request: HttpRequest) -> Any:
    """Expose the session's WorkOS permissions to ``user.has_perm`` for this request."""
    authkit = request.authkit  # type: ignore[attr-defined]
    slugs = () if authkit is ANONYMOUS else authkit.permission_slugs  # (identity, no __bool__)
    org = None if authkit is ANONYMOUS else authkit.organization_id  # object permissions
    if not slugs and not org and active_binding() is None:
        return None  # nothing to bind and nothing bound: has_perm finds no WorkOS permission
    if authkit is ANONYMOUS:
        return set_active_permissions(None, None)
    user_pk = authkit.user_pk  # set by process_request or process_bearer
    if user_pk is None:
        user_pk = request.session.get(SESSION_KEY)
    return set_active_permissions(user_pk, slugs, org)

