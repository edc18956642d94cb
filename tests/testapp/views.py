"""Small views the flow tests sign in to."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from django_authkit.decorators import (
    bearer_auth,
    organization_required,
    recent_auth_required,
    role_required,
)


@bearer_auth
def home(request: HttpRequest) -> JsonResponse:
    user = request.user
    return JsonResponse(
        {
            "authenticated": user.is_authenticated,
            "username": user.get_username() if user.is_authenticated else None,
            "organization_id": getattr(request.authkit, "organization_id", None),
            "role": getattr(request.authkit, "role", None),
        }
    )


@bearer_auth
@login_required
def private(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"email": request.user.email, "sid": request.authkit.session_id})


@bearer_auth
@login_required
def whoami(request: HttpRequest) -> JsonResponse:
    """Uses only request.user, so plain Django auth can serve it too (the benchmark baseline)."""
    return JsonResponse({"email": request.user.email})


@bearer_auth
@organization_required
def org_page(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"organization_id": request.authkit.organization_id})


@bearer_auth
@role_required("admin")
def admin_only(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"role": request.authkit.role})


@bearer_auth
@permission_required("members:manage", raise_exception=True)
def manage_members(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@bearer_auth
@recent_auth_required(max_age=2)
def sensitive(request: HttpRequest) -> JsonResponse:
    """Step-up: only within two seconds of a sign-in."""
    return JsonResponse({"auth_time": request.authkit.auth_time})


@login_required
def api_whoami(request: HttpRequest) -> JsonResponse:
    """No ``@bearer_auth``: a bearer token counts here only under ``BEARER_PATHS``."""
    return JsonResponse({"email": request.user.email, "via": getattr(request.authkit, "via", "")})


@csrf_exempt
def cart(request: HttpRequest) -> JsonResponse:
    """Site data in the session (issue 24): POST ``item`` adds it; GET only reads."""
    if request.method == "POST":
        request.session["cart"] = [*request.session.get("cart", []), request.POST["item"]]
    return JsonResponse({"cart": request.session.get("cart", [])})


@login_required
def cache_control(request: HttpRequest) -> JsonResponse:
    """A signed-in page that may set its own ``Cache-Control`` (``?cc=...``)."""
    response = JsonResponse({"ok": True})
    if "cc" in request.GET:
        response["Cache-Control"] = request.GET["cc"]
    return response
