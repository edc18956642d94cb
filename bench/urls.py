"""The test project's URLs plus a plain Django sign-in, the callback's baseline."""

from __future__ import annotations

from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import include, path


def plain_start(request: HttpRequest) -> HttpResponse:
    """An anonymous session holding something, as a pending sign-in does."""
    request.session["next"] = "/whoami/"
    return HttpResponse("ok")


def plain_login(request: HttpRequest) -> HttpResponse:
    """Plain Django's share of a sign-in: find the user (one query), ``login()``, redirect."""
    user = get_user_model()._default_manager.get(username=request.GET["username"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(request.session.get("next", "/"))


urlpatterns = [
    path("bench/plain-start/", plain_start),
    path("bench/plain-login/", plain_login),
    path("", include("tests.urls")),
]
