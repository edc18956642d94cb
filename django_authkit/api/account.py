"""JSON for a single-page app's account screens, on the browser's session (CSRF on POST).

``widget-token``: POST mints a WorkOS widget token (:class:`WidgetTokenView`).

``api-account-sessions``: GET lists the user's active sessions; POST ``{"session_id": ...}``
ends one, ``{"end_others": true}`` ends all the others. The same rules as the page
(:mod:`django_authkit.sessions.account`): only the user's own sessions, never this one.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from django_authkit.sessions import account, widgets
from django_authkit.web.responses import json_error, json_failure, json_ok
from django_authkit.workos import failures

MAX_BODY = 4096


@method_decorator([never_cache, csrf_protect], name="dispatch")
class AccountSessionsApiView(View):
    """The JSON variant of :class:`~django_authkit.views.account.AccountSessionsView`."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return json_error("not_authenticated", _("Sign in first."), 401)
        try:
            sessions = account.list_sessions(request)
        except failures.Refusal as exc:
            return json_failure(exc.failure)
        return json_ok({"data": [s.as_json() for s in sessions]})

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return json_error("not_authenticated", _("Sign in first."), 401)
        body = _body(request)
        if body is None:
            return json_error("invalid_request", _("Send a JSON object."), 400)
        try:
            if body.get("end_others") is True:
                return json_ok({"ended": account.end_others(request)})
            session_id = body.get("session_id")
            if not isinstance(session_id, str) or not session_id:
                return json_error("invalid_request", _("Send session_id or end_others."), 400)
            account.end(request, session_id[:64])
        except failures.Refusal as exc:
            return json_failure(exc.failure)
        return json_ok({"ended": 1})


def _body(request: HttpRequest) -> dict[str, Any] | None:
    if len(request.body) > MAX_BODY:
        return None
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


@method_decorator([never_cache, csrf_protect], name="dispatch")
class WidgetTokenView(View):
    """POST (session + CSRF) ``{"scopes": [...]}`` (optional): a WorkOS widget token.

    Answers ``{"token", "organizationId", "scopes"}`` for the session's own user and
    organization (:mod:`django_authkit.sessions.widgets`); without ``scopes``, every
    scope the site allows (``WIDGET_SCOPES``) that the session's role carries.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return json_error("not_authenticated", _("Sign in first."), 401)
        body = _body(request) if request.body else {}
        if body is None:
            return json_error("invalid_request", _("Send a JSON object."), 400)
        scopes = body.get("scopes")
        if scopes is not None and not (
            isinstance(scopes, list) and all(isinstance(s, str) for s in scopes)
            and len(scopes) <= 20
        ):
            return json_error("invalid_request", "scopes must be a list of strings.", 400)
        try:
            grant = widgets.mint(request, scopes)
        except failures.Refusal as exc:
            return json_failure(exc.failure)
        return json_ok({"token": grant.token, "organizationId": grant.organization_id,
                        "scopes": list(grant.scopes)})
