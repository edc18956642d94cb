"""The sign-in flow as class-based views: subclass them or pass ``as_view()`` options.

``SignInView`` starts a flow, ``CallbackView`` finishes it, ``SignOutView``
confirms (GET) and signs out (POST, CSRF-protected). Every failure renders
``authkit/error.html`` with a stable ``code``; never a 500, never a token.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.contrib.auth import logout
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from django_authkit import signals
from django_authkit.client.errors import WorkOSError
from django_authkit.conf import authkit_settings
from django_authkit.core import ratelimit
from django_authkit.core.clientip import client_info
from django_authkit.core.urlhelpers import (
    absolute,
    after_sign_in_path,
    after_sign_out_path,
    redirect_uri,
)
from django_authkit.identity import provisioning
from django_authkit.sessions import lifecycle as sessions
from django_authkit.sessions.refresh import last_failure, last_refusal
from django_authkit.signin import hooks
from django_authkit.signin import start as flow
from django_authkit.signin.pipeline import SignInRefused, complete_sign_in
from django_authkit.signin.providers import SignInPageView as SignInPageView
from django_authkit.signin.providers import accepts as provider_accepted
from django_authkit.signin.providers import unknown_provider_message
from django_authkit.signin.reauth import REAUTH_CODES, authorization_url, referring_path
from django_authkit.web.csrf import csrf_token_field
from django_authkit.web.responses import json_error
from django_authkit.workos import failures, get_workos

logger = logging.getLogger("django_authkit.views")

_ID = {
    "organization_id": re.compile(r"^org_[0-9A-Za-z]{1,64}$"),
    "connection_id": re.compile(r"^conn_[0-9A-Za-z]{1,64}$"),
}
_HINT = re.compile(r"^[^\x00-\x1f\x7f]{1,254}$")
PROMPTS = frozenset({"login", "consent", "select_account", "none"})
MAX_CUSTOM_STATE = 1024
UNAVAILABLE_RETRY_AFTER = failures.RETRY_AFTER


class WorkOSRedirect(HttpResponseRedirect):
    """A redirect to WorkOS's own origin, which may be plain http for the emulator."""

    allowed_schemes = ["http", "https"]


def error_response(
    request: HttpRequest, code: str, message: Any, *, status: int = 400, title: Any = None,
    hint: Any = "", next_url: str | None = None, debug_hint: Any = "",
) -> HttpResponse:
    """``authkit/error.html`` (overridable): ``hint`` is for the site's operators,
    ``debug_hint`` only in DEBUG, and "try again" keeps ``next_url``."""
    retry_url = reverse("authkit:sign-in")
    if next_url:
        retry_url += "?" + urlencode({"next": next_url})
    response = render(
        request,
        "authkit/error.html",
        {"code": code, "message": message, "title": title or _("Sign-in failed"),
         "hint": hint, "debug_hint": debug_hint, "retry_url": retry_url},
        status=status,
    )
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def failure_response(
    request: HttpRequest, failure: failures.Failure, *, next_url: str | None = None
) -> HttpResponse:
    """The page for a :class:`~django_authkit.workos.failures.Failure`, ``Retry-After`` included."""
    response = error_response(
        request, failure.code, failure.message, status=failure.status, title=failure.title,
        hint=failure.hint, next_url=next_url,
    )
    if failure.retry_after:
        response["Retry-After"] = str(failure.retry_after)
    return response


def configuration_error(request: HttpRequest, exc: BaseException | None = None) -> HttpResponse:
    """The site, not the visitor, is misconfigured: a clear 503 page, an ERROR for operators."""
    logger.error("AuthKit is misconfigured (%s); run manage.py check.", exc or "see settings",
                 exc_info=exc is not None and not isinstance(exc, ImproperlyConfigured))
    return error_response(
        request, "configuration",
        "Sign-in is not configured on this site yet. This is not your fault; please try "
        "again later.", status=503, title="Sign-in unavailable",
    )


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
            return error_response(request, "invalid_request", "Invalid state.")
        # Without ``next`` the callback's return path (option or setting) decides.
        next_url = flow.safe_next(return_param(params), request) or ""
        extra = {"state": custom_state} if custom_state else None
        pending, challenge = flow.begin(request, next_url, extra=extra)
        try:
            url = get_workos().user_management.get_authorization_url(
                redirect_uri=redirect_uri(request),
                state=pending.state,
                code_challenge=challenge,
                code_challenge_method="S256",
                screen_hint=self.screen_hint,
                **options,
            )
        except (WorkOSError, ImproperlyConfigured) as exc:
            return configuration_error(request, exc)
        return WorkOSRedirect(url)

    def limit_new_sessions(self, request: HttpRequest) -> HttpResponse | None:
        """Each start from a browser without a session stores one: count those per client.

        A browser that keeps its cookie reuses its session (at most
        ``MAX_PENDING_SIGN_INS`` attempts in it), so only cookie-less loops are limited.
        """
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            return None
        wait = ratelimit.hit(request, self.rate_limit_scope)
        if wait is None:
            return None
        return ratelimit.too_many(request, wait, html=prefers_html(request))

    def authorization_options(self, params: QueryDict) -> dict[str, Any] | HttpResponse:
        """Selector and hints for the authorization URL, from validated parameters."""
        options: dict[str, Any] = {}
        for name, pattern in _ID.items():
            value = params.get(name)
            if value:
                if not pattern.match(value):
                    return error_response(self.request, "invalid_request", f"Invalid {name}.")
                options[name] = value
        provider = params.get("provider") or self.provider
        if provider and not provider_accepted(provider):
            return error_response(self.request, "invalid_request", unknown_provider_message())
        if not options:
            options["provider"] = provider or authkit_settings.DEFAULT_PROVIDER
        for name in ("login_hint", "domain_hint"):
            value = params.get(name)
            if value:
                if not _HINT.match(value):
                    return error_response(self.request, "invalid_request", f"Invalid {name}.")
                options[name] = value
        prompt = params.get("prompt")
        if prompt:
            if len(prompt) > 64 or not set(prompt.split(" ")) <= PROMPTS:  # OIDC: space-separated
                return error_response(self.request, "invalid_request", "Invalid prompt.")
            options["prompt"] = prompt
        max_age = params.get("max_age")
        if max_age:  # step-up: WorkOS re-authenticates when the last sign-in is older
            if not max_age.isdigit() or len(max_age) > 9:
                return error_response(self.request, "invalid_request", "Invalid max_age.")
            options["max_age"] = int(max_age)
        return options


class SignUpView(SignInView):
    """Start a sign-in on AuthKit's sign-up screen."""

    screen_hint = "sign-up"


@method_decorator(never_cache, name="dispatch")
class CallbackView(View):
    """Finish a sign-in: check state, exchange the code with PKCE, verify, log in.

    Options (``CallbackView.as_view(...)`` arguments, subclass attributes, or the
    settings named in brackets):

    ``return_path``
        Where to go when the sign-in carried no ``next`` [``LOGIN_REDIRECT_URL``].
    ``on_success(request, user, auth)``
        Run after login; ``auth`` is a :class:`~django_authkit.signin.hooks.CallbackResult`.
        Return ``None``, a same-site path, or an ``HttpResponse`` [``ON_SUCCESS``].
    ``on_error(request, error)``
        Run on failure with a :class:`~django_authkit.signin.hooks.CallbackError`; return
        an ``HttpResponse`` to replace the error page [``ON_ERROR``].
    ``base_url``
        Public origin for the absolute redirect after sign-in, behind proxies [``BASE_URL``].
    """

    http_method_names = ["get"]
    backend = "django_authkit.backends.AuthKitBackend"
    return_path: str | None = None
    on_success: Any = None
    on_error: Any = None
    base_url: str | None = None
    rate_limit_scope = "callback"
    next_url: str | None = None  # the sign-in's ``next``, once known: "try again" keeps it

    def get(self, request: HttpRequest) -> HttpResponse:
        wait = ratelimit.retry_after(request, self.rate_limit_scope)
        if wait is not None:
            return ratelimit.too_many(request, wait, html=prefers_html(request))
        params = request.GET
        if (bad := flow.callback_input_error(params)) is not None:
            return self.failure(bad.code, bad.message)
        if params.get("error"):
            if params.get("state"):
                _consume_quietly(request, params.get("state"))
            return self.failure("provider_error", _provider_message(params.get("error", "")))
        try:
            pending = flow.complete(request, params.get("state"))
        except flow.FlowError as exc:
            self.next_url = exc.next_url
            return self.failure(exc.code, exc.message, debug_hint=exc.debug_hint)
        self.next_url = pending.next_url or None
        code = params.get("code", "")
        if not flow.valid_code(code):
            return self.failure(
                "code_missing", "The sign-in response carried no authorization code."
            )
        try:
            auth = get_workos().user_management.authenticate_with_code(
                code=code,
                code_verifier=pending.code_verifier,
                **client_info(request),
            )
        except (WorkOSError, ImproperlyConfigured) as exc:
            return self.render_failure(failures.report(exc, during="the code exchange"))
        next_url = pending.next_url or (
            str(resolve_url(self.return_path)) if self.return_path else None
        )
        try:
            return complete_sign_in(
                request, auth, next_url=next_url, state=pending.extra.get("state"),
                sender=type(self), backend=self.backend, on_success=self.on_success,
                base_url=self.base_url,
            )
        except SignInRefused as exc:
            return self.render_failure(exc.failure)

    def render_failure(self, failure: failures.Failure) -> HttpResponse:
        """A classified failure (see :mod:`django_authkit.failures`) as this view's page."""
        response = self.failure(
            failure.code, failure.message, status=failure.status, title=failure.title,
            hint=failure.hint,
        )
        if failure.retry_after and not response.has_header("Retry-After"):
            response["Retry-After"] = str(failure.retry_after)
        return response

    def failure(
        self, code: str, message: Any, status: int = 400, *, title: Any = None,
        hint: Any = "", debug_hint: Any = "",
    ) -> HttpResponse:
        """The error page (or the ``on_error`` hook's answer); "try again" keeps ``next``."""
        if status < 500:  # count the client's failures, not WorkOS outages
            ratelimit.hit(self.request, self.rate_limit_scope)
        hook = hooks.resolve(self.on_error or authkit_settings.ON_ERROR)
        if hook is not None:
            replaced = hook(self.request, hooks.CallbackError(code, str(message), status))
            if isinstance(replaced, HttpResponse):
                replaced.setdefault("Cache-Control", "no-store")
                replaced.setdefault("Referrer-Policy", "no-referrer")
                return replaced
        return error_response(
            self.request, code, message, status=status, title=title, hint=hint,
            next_url=getattr(self, "next_url", None), debug_hint=debug_hint,
        )


def return_param(params: QueryDict) -> str | None:
    """``next``, or the names other libraries use: ``returnTo`` (AuthSafe, authkit-nextjs)
    and ``callbackUrl`` (NextAuth). Always validated with :func:`flow.safe_next`."""
    return params.get("next") or params.get("returnTo") or params.get("callbackUrl")


def prefers_html(request: HttpRequest) -> bool:
    """A browser navigation (``Accept`` names HTML) rather than an API client."""
    return "text/html" in request.headers.get("Accept", "")


@method_decorator([never_cache, csrf_token_field], name="dispatch")
class SignOutView(View):
    """GET asks for confirmation; POST ends the session here and at WorkOS."""

    http_method_names = ["get", "post"]
    template_name = "authkit/sign_out.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"next": self.return_path()})

    def post(self, request: HttpRequest) -> HttpResponse:
        return_to = absolute(request, self.return_path())
        sid = sessions.sign_out(request)
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


@method_decorator([never_cache, csrf_token_field], name="dispatch")
class SwitchOrganizationView(View):
    """POST ``organization_id`` (+ ``next``): refresh the session into that organization.

    WorkOS checks the membership; ``request.authkit`` then carries the new
    ``org_id``, role and permissions. JSON callers get the new state as JSON.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        from django_authkit.middleware import wants_json

        if not request.authkit:  # type: ignore[attr-defined]
            return self.answer("no_session", "Sign in first.", 401)
        org_id = request.POST.get("organization_id", "")
        if not _ID["organization_id"].match(org_id):
            return self.answer("invalid_request", "Invalid organization_id.", 400)
        previous = request.authkit.organization_id  # type: ignore[attr-defined]
        last_refusal.set(None)
        outcome = sessions.refresh(request, organization_id=org_id)
        failure = last_failure.get()  # why a refresh failed, as the mapping says
        if outcome is sessions.Outcome.ENDED:
            logout(request)
            if failure is not None:
                return self.answer_failure(failure)
            return self.answer("session_ended", "Your session has ended. Sign in again.", 401)
        if outcome is sessions.Outcome.REFUSED:
            if last_refusal.get() in REAUTH_CODES:
                return self.reauthenticate(org_id, str(last_refusal.get()))
            return self.answer(
                "organization_not_allowed", "You are not a member of that organization.", 403
            )
        if outcome is not sessions.Outcome.REFRESHED:
            return self.answer_failure(failure or failures.UNAVAILABLE_FAILURE)
        hot = request.session[sessions.HOT_KEY]
        membership = provisioning.sync_membership(request.user, hot)
        sessions.apply_policy(request, membership.organization if membership else None)
        hot = request.session[sessions.HOT_KEY]
        signals.organization_switched.send(
            sender=type(self), request=request, user=request.user, session_id=hot.get("sid"),
            organization_id=hot.get("org_id"), previous_organization_id=previous,
        )
        if wants_json(request):
            return JsonResponse(
                {"organization_id": hot.get("org_id"), "role": hot.get("role"),
                 "roles": hot.get("roles", []), "permissions": hot.get("permissions", [])},
                headers={"Cache-Control": "no-store"},
            )
        next_url = flow.safe_next(request.POST.get("next"), request) or after_sign_in_path()
        return HttpResponseRedirect(next_url)

    def reauthenticate(self, org_id: str, reason: str) -> HttpResponse:
        """WorkOS needs a new sign-in for that organization (SSO, MFA): send the user there.

        The authorization URL is scoped to the organization and returns to ``next``.
        JSON callers get ``409 reauthentication_required`` with ``authorizationUrl``.
        """
        from django_authkit.middleware import wants_json

        next_url = (
            flow.safe_next(self.request.POST.get("next"), self.request)
            or referring_path(self.request)
            or ""
        )
        email = getattr(self.request.user, "email", "") or None
        url = authorization_url(
            self.request, next_url, organization_id=org_id, login_hint=email
        )
        if wants_json(self.request):
            return json_error(
                "reauthentication_required", "Sign in to that organization again.", 409,
                authorizationUrl=url, reason=reason,
            )
        return WorkOSRedirect(url)

    def answer(self, code: str, message: Any, status: int, hint: Any = "") -> HttpResponse:
        from django_authkit.middleware import wants_json

        if wants_json(self.request):
            return json_error(code, str(message), status)
        return error_response(self.request, code, message, status=status,
                              title=_("Could not switch organization"), hint=hint)

    def answer_failure(self, failure: failures.Failure) -> HttpResponse:
        """A WorkOS or verification failure, as the mapping classified it."""
        response = self.answer(failure.code, failure.message, failure.status, failure.hint)
        if failure.retry_after:
            response["Retry-After"] = str(failure.retry_after)
        return response


def _consume_quietly(request: HttpRequest, state: str | None) -> None:
    try:
        flow.complete(request, state)
    except flow.FlowError:
        pass


_PROVIDER_ERRORS = {
    "access_denied": "The sign-in was cancelled.",
    "organization_invalid": "That organization cannot be used to sign in.",
}


def _provider_message(error: str) -> str:
    return _PROVIDER_ERRORS.get(error, "The sign-in provider reported an error.")
