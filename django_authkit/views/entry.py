"""More ways into the same sign-in: WorkOS's dashboard, and NextAuth's ``signin/:provider``.

Both are :class:`~django_authkit.views.SignInView` underneath: a fresh one-time
state bound to this browser, PKCE, validated ``next`` and hints.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict

from django_authkit.conf import authkit_settings
from django_authkit.signin.providers import accepts, unknown_provider_message
from django_authkit.views.signin import SignInView
from django_authkit.web.responses import WorkOSRedirect, error_response, json_ok


class InitiateLoginView(SignInView):
    """``initiate-login``: the sign-in endpoint to register in the WorkOS dashboard.

    Dashboard impersonation and sign-ins started at WorkOS arrive here (GET, no
    ``state``); this starts a fresh flow with a one-time state and PKCE, as
    ``sign-in`` does, with ``INITIATE_LOGIN_PROVIDER`` unless the request names
    one. ``manage.py authkit_doctor`` prints the URL.
    """

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        self.provider = self.provider or str(authkit_settings.INITIATE_LOGIN_PROVIDER)
        return super().get(request)


#: NextAuth's provider ids, for ``sign-in/<provider>/``.
PROVIDER_ALIASES = {
    "google": "GoogleOAuth", "microsoft": "MicrosoftOAuth", "azure-ad": "MicrosoftOAuth",
    "github": "GitHubOAuth", "apple": "AppleOAuth", "workos": "authkit",
}


class ProviderSignInView(SignInView):
    """``sign-in/<provider>/``: NextAuth's ``POST /signin/:provider`` (GET works too).

    ``provider`` is a WorkOS name (``GoogleOAuth``) or NextAuth's id (``google``).
    With ``json=true`` in the form, answers ``{"url": ...}`` instead of redirecting,
    as NextAuth's client expects.
    """

    def get(self, request: HttpRequest, provider: str = "") -> HttpResponse:
        return self.start_for(request, request.GET, provider)

    def post(self, request: HttpRequest, provider: str = "") -> HttpResponse:
        return self.start_for(request, request.POST, provider)

    def start_for(self, request: HttpRequest, params: QueryDict, name: str) -> HttpResponse:
        provider = PROVIDER_ALIASES.get(name.lower(), name)
        if not accepts(provider):
            return error_response(
                request, "invalid_request", unknown_provider_message(), status=404
            )
        self.provider = provider
        return self.start(request, params)

    def start(self, request: HttpRequest, params: QueryDict) -> HttpResponse:
        params = params.copy()
        params.pop("provider", None)  # the path names the provider
        response = super().start(request, params)
        if params.get("json") == "true" and isinstance(response, WorkOSRedirect):
            return json_ok({"url": response["Location"]})
        return response
