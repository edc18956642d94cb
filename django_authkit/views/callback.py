"""Finishing a sign-in: ``CallbackView`` checks the state, exchanges the code, runs the pipeline."""


from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from django_authkit.client.errors import WorkOSError
from django_authkit.conf import authkit_settings
from django_authkit.core import ratelimit
from django_authkit.core.clientip import client_info
from django_authkit.signin import hooks
from django_authkit.signin import start as flow
from django_authkit.signin.pipeline import SignInRefused, complete_sign_in
from django_authkit.signin.start import provider_error_message as _provider_message
from django_authkit.web.responses import (
    error_response,
    prefers_html,
    too_many,
)
from django_authkit.workos import failures, get_workos

logger = logging.getLogger("django_authkit.views")


UNAVAILABLE_RETRY_AFTER = failures.RETRY_AFTER


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
    backend: str | None = None  # None: the backend that authenticated the user
    return_path: str | None = None
    on_success: Any = None
    on_error: Any = None
    base_url: str | None = None
    rate_limit_scope = "callback"
    next_url: str | None = None  # the sign-in's ``next``, once known: "try again" keeps it

    def get(self, request: HttpRequest) -> HttpResponse:
        wait = ratelimit.retry_after(request, self.rate_limit_scope)
        if wait is not None:
            return too_many(request, wait, html=prefers_html(request))
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
                "code_missing", _("The sign-in response carried no authorization code.")
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
            hint=failure.hint, template_name=failure.template, context=failure.context,
        )
        if failure.retry_after and not response.has_header("Retry-After"):
            response["Retry-After"] = str(failure.retry_after)
        return response

    def failure(
        self, code: str, message: Any, status: int = 400, *, title: Any = None,
        hint: Any = "", debug_hint: Any = "", template_name: str = "",
        context: Mapping[str, Any] | None = None,
    ) -> HttpResponse:
        """The error page (or the ``on_error`` hook's answer); "try again" keeps ``next``.

        ``template_name`` and ``context``: a failure's own page (an e-mail conflict's)."""
        if status < 500:  # count the client's failures, not WorkOS outages
            ratelimit.hit(self.request, self.rate_limit_scope)
            failures.login_failed(self.request, failures.Failure(
                failures.REFUSED, code, message, status), {"entry_point": "callback"})
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
            template_name=template_name, context=context,
        )


def _consume_quietly(request: HttpRequest, state: str | None) -> None:
    try:
        flow.complete(request, state)
    except flow.FlowError:
        pass
