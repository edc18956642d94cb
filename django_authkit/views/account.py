"""The signed-in user's own account pages: ``account-sessions`` ("sign out other devices").

Subclass :class:`AccountSessionsView` or override ``authkit/account/sessions.html``.
Every answer is the signed-in user's own: the sessions come from WorkOS for the
request's WorkOS user, and only those can be ended (:mod:`django_authkit.sessions.account`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.generic import TemplateView

from django_authkit.sessions import account
from django_authkit.web.responses import error_response, failure_response
from django_authkit.workos import failures

TITLE = _("Your sessions")


def sign_in_first(request: HttpRequest) -> HttpResponse:
    """An anonymous visitor's answer: a 401 page with a sign-in link that returns here.

    Not a redirect: no AuthKit URL sends a visitor to sign in on its own (a site with
    ``LoginRequiredMiddleware`` must never loop), as every AuthKit view behaves.
    """
    return error_response(
        request, "not_authenticated", _("Sign in to see this page."), status=401,
        title=_("Sign in first"), next_url=request.get_full_path(),
    )


@method_decorator([never_cache, csrf_protect], name="dispatch")
class AccountSessionsView(TemplateView):
    """GET: the user's active WorkOS sessions (this one marked). POST (CSRF):
    ``session_id`` ends that session; ``end_others`` ends every other one."""

    template_name = "authkit/account/sessions.html"
    http_method_names = ["get", "post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return sign_in_first(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            sessions = account.list_sessions(request)
        except failures.Refusal as exc:
            return self.failed(exc.failure)
        return self.render_to_response(self.get_context_data(sessions=sessions, title=TITLE))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if request.POST.get("end_others"):
                count = account.end_others(request)
                message = ngettext("Ended %(count)d other session.",
                                   "Ended %(count)d other sessions.", count) % {"count": count}
            else:
                account.end(request, request.POST.get("session_id", "")[:64])
                message = str(_("Session ended."))
        except failures.Refusal as exc:
            return self.failed(exc.failure)
        messages.success(request, message, fail_silently=True)
        return HttpResponseRedirect(reverse("authkit:account-sessions"))

    def failed(self, failure: failures.Failure) -> HttpResponse:
        """A refusal or a WorkOS failure (503 with ``Retry-After``) on the error page."""
        response = failure_response(self.request, failure)
        return response
