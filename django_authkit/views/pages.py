"""The sign-in page: one button per provider the site offers (``AUTHKIT["PROVIDERS"]``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.cache import never_cache

from django_authkit.signin import start as flow
from django_authkit.signin.providers import configured_providers


@method_decorator(never_cache, name="dispatch")
class SignInPageView(View):
    """A page listing ``AUTHKIT["PROVIDERS"]``; each button POSTs (with CSRF) to ``sign-in``."""

    http_method_names = ["get"]
    template_name = "authkit/sign_in.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        next_url = flow.safe_next(request.GET.get("next"), request) or ""
        return render(
            request,
            self.template_name,
            {"providers": configured_providers(), "next": next_url, "title": gettext("Sign in")},
        )
