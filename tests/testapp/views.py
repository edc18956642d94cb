"""Small views the flow tests sign in to."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse


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


@login_required
def private(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"email": request.user.email, "sid": request.authkit.session_id})


@login_required
def whoami(request: HttpRequest) -> JsonResponse:
    """Uses only request.user, so plain Django auth can serve it too (the benchmark baseline)."""
    return JsonResponse({"email": request.user.email})
