"""Switching the session's organization (``switch-organization``)."""


from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from django_authkit import signals
from django_authkit.core.urlhelpers import (
    after_sign_in_path,
)
from django_authkit.sessions import lifecycle as sessions
from django_authkit.signin import start as flow
from django_authkit.signin.reauth import REAUTH_CODES, referring_path
from django_authkit.views.signin import _ID
from django_authkit.web.csrf import csrf_token_field
from django_authkit.web.responses import (
    WorkOSRedirect,
    error_response,
    json_error,
    wants_json,
)
from django_authkit.workos import failures

logger = logging.getLogger("django_authkit.views")


@method_decorator([never_cache, csrf_token_field], name="dispatch")
class SwitchOrganizationView(View):
    """POST ``organization_id`` (+ ``next``): refresh the session into that organization.

    WorkOS checks the membership; ``request.authkit`` then carries the new
    ``org_id``, role and permissions, and the local membership and the session's
    policy follow it (mirrored once, like after any refresh that moves them). JSON
    callers get the new state as JSON.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.authkit:  # type: ignore[attr-defined]
            return self.answer("no_session", _("Sign in first."), 401)
        org_id = request.POST.get("organization_id", "")
        if not _ID["organization_id"].match(org_id):
            return self.answer("invalid_request", _("Invalid organization_id."), 400)
        previous = request.authkit.organization_id  # type: ignore[attr-defined]
        done = sessions.refresh(request, organization_id=org_id)
        if done.outcome is sessions.Outcome.ENDED:
            logout(request)
            if done.failure is not None:  # why, as the mapping says
                return self.answer_failure(done.failure)
            return self.answer("session_ended", _("Your session has ended. Sign in again."), 401)
        if done.outcome is sessions.Outcome.REFUSED:
            if done.refusal in REAUTH_CODES:
                return self.reauthenticate(org_id, str(done.refusal))
            return self.answer(
                "organization_not_allowed", _("You are not a member of that organization."), 403
            )
        if done.outcome is not sessions.Outcome.REFRESHED:
            return self.answer_failure(done.failure or failures.UNAVAILABLE_FAILURE)
        # The membership and the new organization's session policy were mirrored once,
        # by the ``session_refreshed`` receiver (events.refresh), as after any refresh.
        hot = sessions.read_hot(request.session) or {}
        signals.organization_switched.send(
            sender=type(self), request=request, user=request.user, session_id=hot.get("sid"),
            organization_id=hot.get("org_id"), previous_organization_id=previous,
        )
        if wants_json(request):
            return JsonResponse(
                {"organization_id": hot.get("org_id"), "role": hot.get("role"),
                 "roles": hot.get("roles", []), "permissions": hot.get("permissions", [])},
                headers={"Cache-Control": "no-store"},
            )
        next_url = flow.safe_next(request.POST.get("next"), request) or after_sign_in_path()
        return HttpResponseRedirect(next_url)

    def reauthenticate(self, org_id: str, reason: str) -> HttpResponse:
        """WorkOS needs a new sign-in for that organization (SSO, MFA): send the user there.

        The authorization URL is scoped to the organization and returns to ``next``.
        JSON callers get ``409 reauthentication_required`` with ``authorizationUrl``.
        """
        next_url = (
            flow.safe_next(self.request.POST.get("next"), self.request)
            or referring_path(self.request)
            or ""
        )
        email = getattr(self.request.user, "email", "") or None
        url = flow.authorization_url(
            self.request, next_url, organization_id=org_id, login_hint=email
        )
        if wants_json(self.request):
            return json_error(
                "reauthentication_required", _("Sign in to that organization again."), 409,
                authorizationUrl=url, reason=reason,
            )
        return WorkOSRedirect(url)

    def answer(self, code: str, message: Any, status: int, hint: Any = "") -> HttpResponse:
        if wants_json(self.request):
            return json_error(code, str(message), status)
        return error_response(self.request, code, message, status=status,
                              title=_("Could not switch organization"), hint=hint)

    def answer_failure(self, failure: failures.Failure) -> HttpResponse:
        """A WorkOS or verification failure, as the mapping classified it."""
        response = self.answer(failure.code, failure.message, failure.status, failure.hint)
        if failure.retry_after:
            response["Retry-After"] = str(failure.retry_after)
        return response
