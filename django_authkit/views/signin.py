"""Starting a sign-in: ``SignInView`` (and ``SignUpView``) send the browser to WorkOS."""


from __future__ import annotations

import logging
import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from django_authkit.client.errors import WorkOSError
from django_authkit.core import ratelimit
from django_authkit.signin import start as flow
from django_authkit.signin.providers import accepts as provider_accepted
from django_authkit.signin.providers import unknown_provider_message
from django_authkit.web.csrf import csrf_token_field
from django_authkit.web.responses import (
    WorkOSRedirect,
    configuration_error,
    error_response,
    prefers_html,
    too_many,
)

logger = logging.getLogger("django_authkit.views")


_ID = {
    "organization_id": re.compile(r"^org_[0-9A-Za-z]{1,64}$"),
    "connection_id": re.compile(r"^conn_[0-9A-Za-z]{1,64}$"),
}


_HINT = re.compile(r"^[^\x00-\x1f\x7f]{1,254}$")


PROMPTS = frozenset({"login", "consent", "select_account", "none"})


MAX_CUSTOM_STATE = 1024


@method_decorator([never_cache, csrf_token_field], name="dispatch")
class SignInView(View):
    """Start a sign-in: bind a one-time state and PKCE verifier, go to WorkOS.

    Parameters (query string for GET, form for POST): ``next``, ``provider``,
    ``organization_id``, ``connection_id``, ``login_hint``, ``domain_hint``,
    ``prompt`` and ``state``: custom data (up to 1 KB) handed back to the
    ``on_success`` hook as ``auth.state``. It never reaches WorkOS: the OAuth
    ``state`` is always a fresh one-time value bound to this browser.
    """

    http_method_names = ["get", "post"]
    screen_hint: str | None = None
    provider: str | None = None
    rate_limit_scope = "sign-in"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.start(request, request.GET)

    def post(self, request: HttpRequest) -> HttpResponse:
        return self.start(request, request.POST)

    def start(self, request: HttpRequest, params: QueryDict) -> HttpResponse:
        limited = self.limit_new_sessions(request)
        if limited is not None:
            return limited
        options = self.authorization_options(params)
        if isinstance(options, HttpResponse):
            return options
        custom_state = params.get("state")
        if custom_state is not None and (
            not custom_state or len(custom_state) > MAX_CUSTOM_STATE or "\x00" in custom_state
        ):
            return error_response(request, "invalid_request", _("Invalid state."))
        # Without ``next`` the callback's return path (option or setting) decides.
        extra = {"state": custom_state} if custom_state else None
        try:
            url = flow.authorization_url(
                request, return_param(params), extra=extra, screen_hint=self.screen_hint,
                **options,
            )
        except (WorkOSError, ImproperlyConfigured) as exc:
            return configuration_error(request, exc)
        except flow.PendingTooLarge as exc:
            return error_response(request, exc.code, exc.message)
        return WorkOSRedirect(url)

    def limit_new_sessions(self, request: HttpRequest) -> HttpResponse | None:
        """Count starts from cookie-less clients: each leaves a breadcrumb in the cache.

        A start stores no session row (the attempt lives in a cookie); a browser that
        keeps its cookies (a session, or a live pending sign-in, at most
        ``MAX_PENDING_SIGN_INS``) is not limited, so only cookie-less loops are.
        """
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            return None
        if flow.has_pending(request):
            return None
        wait = ratelimit.hit(request, self.rate_limit_scope)
        if wait is None:
            return None
        return too_many(request, wait, html=prefers_html(request))

    def authorization_options(self, params: QueryDict) -> dict[str, Any] | HttpResponse:
        """Selector and hints for the authorization URL, from validated parameters."""
        options: dict[str, Any] = {}
        for name, pattern in _ID.items():
            value = params.get(name)
            if value:
                if not pattern.match(value):
                    invalid = _("Invalid %(name)s.") % {"name": name}
                    return error_response(self.request, "invalid_request", invalid)
                options[name] = value
        provider = params.get("provider") or self.provider
        if provider and not provider_accepted(provider):
            return error_response(self.request, "invalid_request", unknown_provider_message())
        if provider and not options:  # without a selector: DEFAULT_PROVIDER (the builder's)
            options["provider"] = provider
        for name in ("login_hint", "domain_hint"):
            value = params.get(name)
            if value:
                if not _HINT.match(value):
                    invalid = _("Invalid %(name)s.") % {"name": name}
                    return error_response(self.request, "invalid_request", invalid)
                options[name] = value
        prompt = params.get("prompt")
        if prompt:
            if len(prompt) > 64 or not set(prompt.split(" ")) <= PROMPTS:  # OIDC: space-separated
                return error_response(self.request, "invalid_request", _("Invalid prompt."))
            options["prompt"] = prompt
        max_age = params.get("max_age")
        if max_age:  # step-up: WorkOS re-authenticates when the last sign-in is older
            if not max_age.isdigit() or len(max_age) > 9:
                return error_response(self.request, "invalid_request", _("Invalid max_age."))
            options["max_age"] = int(max_age)
        return options


class SignUpView(SignInView):
    """Start a sign-in on AuthKit's sign-up screen."""

    screen_hint = "sign-up"


def return_param(params: QueryDict) -> str | None:
    """``next``, or the names other libraries use: ``returnTo`` (AuthSafe, authkit-nextjs)
    and ``callbackUrl`` (NextAuth). Always validated with :func:`flow.safe_next`."""
    return params.get("next") or params.get("returnTo") or params.get("callbackUrl")
