"""The example site's pages: a public home and a page that needs a signed-in user."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from django_authkit.models import Membership


def _context(request: HttpRequest) -> dict[str, object]:
    membership = None
    org_id = request.authkit.organization_id
    if request.user.is_authenticated and org_id:
        membership = (
            Membership.objects.select_related("organization")
            .filter(user=request.user, organization__workos_id=org_id)
            .first()
        )
    return {"membership": membership}


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "example/home.html", _context(request))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "example/dashboard.html", _context(request))
