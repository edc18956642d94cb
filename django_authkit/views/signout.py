"""Signing out: GET asks for confirmation, POST ends the session here and at WorkOS."""


from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from django_authkit.core.urlhelpers import (
    absolute,
    after_sign_out_path,
)
from django_authkit.sessions import lifecycle as sessions
from django_authkit.signin import start as flow
from django_authkit.views.signin import return_param
from django_authkit.web.csrf import csrf_token_field
from django_authkit.web.responses import (
    WorkOSRedirect,
)
from django_authkit.workos import get_workos

logger = logging.getLogger("django_authkit.views")


@method_decorator([never_cache, csrf_token_field], name="dispatch")
class SignOutView(View):
    """GET asks for confirmation; POST ends the session here and at WorkOS."""

    http_method_names = ["get", "post"]
    template_name = "authkit/sign_out.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"next": self.return_path()})

    def post(self, request: HttpRequest) -> HttpResponse:
        return_to = absolute(request, self.return_path())
        signed_in = request.user.is_authenticated
        sid = sessions.sign_out(request)
        if signed_in:  # said on the page the browser lands on (when the site shows messages)
            messages.info(request, _("You are signed out."), fail_silently=True)
        if not sid:
            return HttpResponseRedirect(return_to)
        url = get_workos().user_management.get_logout_url(session_id=sid, return_to=return_to)
        return WorkOSRedirect(url)

    def return_path(self) -> str:
        # The form's value first, then the query's (AuthSafe posts to ``?returnTo=``).
        posted = return_param(self.request.POST) if self.request.method == "POST" else None
        return (
            flow.safe_next(posted, self.request)
            or flow.safe_next(return_param(self.request.GET), self.request)
            or after_sign_out_path()
        )
