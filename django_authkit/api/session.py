"""JSON endpoints for the browser session: ``session``, ``refresh``, ``providers``, ``csrf``.

Every answer is JSON with ``Cache-Control: no-store``; every error is
``{"error": <stable code>, "message": <text>}``. None of these hands out a
token: the session's tokens stay server-side. ``refresh`` changes state and is
authenticated by the session cookie, so Django's CSRF protection applies (send
the token from ``csrf`` in ``X-CSRFToken``). The token-returning API mode for
SPAs and mobile apps lives in :mod:`django_authkit.api_mode`; the OpenAPI
document describing all of them is served by :class:`OpenAPIView`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from django_authkit.conf import authkit_settings
from django_authkit.core import ratelimit
from django_authkit.core.urlhelpers import absolute
from django_authkit.models import Organization
from django_authkit.sessions import lifecycle as sessions
from django_authkit.sessions.state import AuthKitState
from django_authkit.signin.providers import configured_providers
from django_authkit.web.csrf import csrf_token_field
from django_authkit.web.responses import json_error, json_failure, json_ok, too_many
from django_authkit.workos import failures


def _minutes(seconds: Any) -> float | None:
    return round(int(seconds) / 60, 2) if seconds else None


def session_config(
    organization: Organization | None, renewal_url: str, *, renewable: bool = True
) -> dict[str, Any]:
    """The session policy clients follow: the organization's, else the site's settings.

    The browser flow's policy, spelled for clients: the same idle timeout and
    maximum age, silent renewal through the refresh token (``renewable`` is
    false when WorkOS gave none), and, when renewal is refused, what the
    browser flow does: sign out (``"logout"``), then sign in again.
    """
    idle = getattr(organization, "idle_timeout", None) or authkit_settings.IDLE_TIMEOUT
    max_age = getattr(organization, "session_max_age", None) or authkit_settings.SESSION_MAX_AGE
    warning = (
        getattr(organization, "warning_time", None) or authkit_settings.SESSION_WARNING_TIME
    )
    return {
        "enabled": bool(idle or max_age),
        "idleTimeoutMinutes": _minutes(idle),
        "tokenExpiryHours": round(int(max_age) / 3600, 2) if max_age else None,
        "warningTimeMinutes": _minutes(warning),
        "idleTrackingEnabled": bool(idle),
        "ssoSilentRenewalEnabled": renewable,
        "ssoFallbackBehavior": "logout",
        "passwordSilentRenewalEnabled": renewable,
        "passwordFallbackBehavior": "logout",
        "silentRenewal": {
            "enabled": renewable,
            "refreshAheadSeconds": int(authkit_settings.REFRESH_AHEAD),
            "url": renewal_url,
        },
    }


def _iso(timestamp: float | None) -> str | None:
    if not timestamp:
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def session_payload(request: HttpRequest) -> dict[str, Any]:
    """What ``session`` (and a successful ``refresh``) answers for a signed-in request."""
    authkit = request.authkit  # type: ignore[attr-defined]
    user: Any = request.user
    org_id = authkit.organization_id
    organization = Organization.objects.filter(workos_id=org_id).first() if org_id else None
    hot = authkit.claims
    policy = hot.get("policy") or {}
    idle = policy.get("idle") or authkit_settings.IDLE_TIMEOUT
    max_age = policy.get("max_age") or authkit_settings.SESSION_MAX_AGE
    ends = [
        int(hot["started"]) + int(max_age) if max_age and "started" in hot else None,
        int(hot["seen"]) + int(idle) if idle and "seen" in hot else None,
    ]
    session_end = min((e for e in ends if e), default=None)
    return {
        "user": {
            "id": authkit.user_id,
            "email": getattr(user, "email", "") or "",
            "firstName": getattr(user, "first_name", "") or "",
            "lastName": getattr(user, "last_name", "") or "",
            "fullName": user.get_full_name() if hasattr(user, "get_full_name") else "",
        },
        "organization": (
            {"id": org_id, "name": organization.name if organization else ""} if org_id else None
        ),
        "role": authkit.role,
        "roles": authkit.roles,
        "permissions": authkit.permissions,
        "impersonator": authkit.impersonator,
        "expiresAt": _iso(authkit.expires_at),
        "sessionExpiresAt": _iso(session_end),
        "sessionConfig": session_config(
            organization, absolute(request, reverse("authkit:refresh"))
        ),
    }


@method_decorator(never_cache, name="dispatch")
class SessionView(View):
    """GET: the current session as JSON, or ``{}`` when anonymous (NextAuth's ``/session``)."""

    http_method_names = ["get"]
    authkit_bearer = True  # read-only JSON: an API client may ask with its bearer token

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.authkit:  # type: ignore[attr-defined]
            return json_ok({})
        return json_ok(session_payload(request))


@method_decorator([never_cache, csrf_token_field], name="dispatch")
class RefreshView(View):
    """POST (CSRF): refresh the session's tokens now; answers the new ``session`` JSON.

    Single-flight like the middleware's refresh (one WorkOS call per session even
    when several tabs ask at once).
    """

    http_method_names = ["post"]
    rate_limit_scope = "refresh"

    def post(self, request: HttpRequest) -> HttpResponse:
        wait = ratelimit.hit(request, self.rate_limit_scope)
        if wait is not None:
            return too_many(request, wait)
        session = getattr(request, "session", None)
        hot = sessions.read_hot(session) if session is not None else None
        if not hot or not request.authkit:  # type: ignore[attr-defined]
            return json_error("no_session", _("Not signed in."), 401)
        # Naming the session's own organization makes WorkOS re-issue the tokens (fresh
        # role and permissions) even while the current ones are valid; without one, a
        # still-fresh token is reused rather than spending a WorkOS call.
        done = sessions.refresh(request, organization_id=hot.get("org_id") or None)
        if done.outcome is sessions.Outcome.REFUSED:
            return json_error(
                "organization_not_allowed",
                _("You are no longer a member of this organization."),
                403,
            )
        if done.outcome is sessions.Outcome.ENDED:
            logout(request)
            if done.failure is not None:  # ended because WorkOS's token did not verify here
                return json_failure(done.failure)
            return json_error("session_ended", _("Your session has ended. Sign in again."), 401)
        if not done.ok:  # why it failed, as the one mapping classes it
            return json_failure(done.failure or failures.UNAVAILABLE_FAILURE)
        request.authkit = AuthKitState(  # type: ignore[attr-defined]
            request, sessions.read_hot(request.session) or {}, sessions.current_access_token
        )
        return json_ok(session_payload(request))


@method_decorator([never_cache, csrf_token_field], name="dispatch")
class AccessTokenView(View):
    """POST (session + CSRF): a fresh WorkOS access token for the browser's own scripts.

    Opt-in (``ACCESS_TOKEN_ENDPOINT``; off: 404), like authkit-nextjs's
    ``useAccessToken``. The token is refreshed first when it is about to expire,
    through the same single-flight refresh as the middleware. Answers
    ``{"accessToken", "expiresAt"}`` with ``no-store``. Bearer-authenticated
    requests are refused: they already hold their token.
    """

    http_method_names = ["post"]
    rate_limit_scope = "refresh"

    def post(self, request: HttpRequest) -> HttpResponse:
        if not authkit_settings.ACCESS_TOKEN_ENDPOINT:
            return json_error("not_found", _("The access-token endpoint is not enabled."), 404)
        session = getattr(request, "session", None)
        hot = sessions.read_hot(session) if session is not None else None
        if not hot or not request.authkit or getattr(request.authkit, "via", "") == "bearer":  # type: ignore[attr-defined]
            return json_error("no_session", _("Not signed in."), 401)
        if sessions.needs_refresh(hot):
            wait = ratelimit.hit(request, self.rate_limit_scope)
            if wait is not None:
                return too_many(request, wait)
            if sessions.refresh(request).outcome is sessions.Outcome.ENDED:
                logout(request)
                return json_error("session_ended", _("Your session has ended. Sign in again."), 401)
        token = sessions.current_access_token(request)
        hot = sessions.read_hot(request.session)
        if not token or not hot or sessions.needs_refresh(hot):
            return json_error(
                "workos_unavailable", _("The sign-in service did not answer. Try again."), 503,
                {"Retry-After": "5"},
            )
        return json_ok({"accessToken": token, "expiresAt": int(hot["exp"])})


@method_decorator(never_cache, name="dispatch")
class ProvidersView(View):
    """GET: the configured providers, each with its sign-in and callback URL."""

    http_method_names = ["get"]
    authkit_bearer_optional = True

    def get(self, request: HttpRequest) -> HttpResponse:
        return json_ok({"providers": [p.as_json(request) for p in configured_providers()]})


@method_decorator(never_cache, name="dispatch")
class CsrfTokenView(View):
    """GET: ``{"csrfToken": ...}`` and the CSRF cookie, for SPAs posting to ``refresh``."""

    http_method_names = ["get"]
    authkit_bearer_optional = True

    def get(self, request: HttpRequest) -> HttpResponse:
        return json_ok({"csrfToken": get_token(request)})


@lru_cache(maxsize=1)
def _openapi_document() -> bytes:
    return (Path(__file__).parent.parent / "openapi.json").read_bytes()


class OpenAPIView(View):
    """GET: the OpenAPI 3.1 document of the JSON endpoints (``django_authkit/openapi.json``)."""

    http_method_names = ["get"]
    authkit_bearer_optional = True

    def get(self, request: HttpRequest) -> HttpResponse:
        document = json.loads(_openapi_document())
        prefix = reverse("authkit:session").rsplit("session/", 1)[0].rstrip("/")
        document["servers"] = [{"url": absolute(request, prefix)}]
        response = JsonResponse(document, json_dumps_params={"indent": 1})
        response["Cache-Control"] = "public, max-age=3600"
        return response
