"""The providers a site offers (``AUTHKIT["PROVIDERS"]``): the sign-in page, tag and JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from django_authkit import flow
from django_authkit.conf import authkit_settings

NAMES = {
    "authkit": "Email or single sign-on",
    "GoogleOAuth": "Google",
    "MicrosoftOAuth": "Microsoft",
    "GitHubOAuth": "GitHub",
    "AppleOAuth": "Apple",
}
TYPES = {"authkit": "authkit"}
#: The providers sign-in accepts.
PROVIDERS = frozenset(NAMES)


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    type: str

    def sign_in_path(self, next_url: str | None = None) -> str:
        params = {"provider": self.id}
        if next_url:
            params["next"] = next_url
        return f"{reverse('authkit:sign-in')}?{urlencode(params)}"

    def as_json(self, request: HttpRequest) -> dict[str, Any]:
        from django_authkit.urlhelpers import absolute, redirect_uri

        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "signInUrl": absolute(request, self.sign_in_path()),
            "callbackUrl": redirect_uri(request),
        }


def configured_providers() -> list[Provider]:
    """``AUTHKIT["PROVIDERS"]`` as :class:`Provider` values, validated."""
    found: list[Provider] = []
    for entry in authkit_settings.PROVIDERS or []:
        spec = entry if isinstance(entry, dict) else {"id": entry}
        pid = str(spec.get("id", ""))
        if pid not in PROVIDERS:
            raise ImproperlyConfigured(f"AUTHKIT['PROVIDERS']: unknown provider {pid!r}.")
        name = str(spec.get("name") or NAMES[pid])
        found.append(Provider(pid, name, TYPES.get(pid, "oauth")))
    return found


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
            {"providers": configured_providers(), "next": next_url, "title": "Sign in"},
        )
