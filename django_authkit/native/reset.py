"""Password reset: ask for a link, then set a new password.

The request page answers the same whether or not the address has an account.
A new password ends every session of the account, here and at WorkOS
(:func:`~django_authkit.sessions.revoke_user_sessions`). The e-mailed link
(``password-reset-confirm?token=…``, which you register as the password reset
URL at WorkOS) is used once: the view moves the token into
the session and redirects to the same page without it, so the token does not
stay in the address bar, the history or a ``Referer``.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from django_authkit.client.errors import (
    BadRequestError,
    RateLimitExceededError,
    UnprocessableEntityError,
    WorkOSError,
)
from django_authkit.models import WorkOSUser
from django_authkit.native import pending
from django_authkit.native.base import NativeView, RateLimited, logger, visitor_refused
from django_authkit.native.forms import EmailForm, SetPasswordForm
from django_authkit.sessions import revoke_user_sessions
from django_authkit.workos import get_workos

_TOKEN = re.compile(r"^[A-Za-z0-9_\-.~]{8,512}$")
INVALID_LINK = _("This password reset link is invalid or has expired. Please ask for a new one.")


class PasswordResetView(NativeView):
    """Ask WorkOS to e-mail a reset link; the next page never says if it did."""

    template_name = "authkit/native/password_reset.html"
    sent_template_name = "authkit/native/password_reset_sent.html"
    form_class = EmailForm
    title = _("Reset your password")

    def form_valid(self, form: forms.Form) -> HttpResponse:
        email = form.cleaned_data["email"]
        failed = self.send_email(
            form,
            email,
            lambda: get_workos().user_management.create_password_reset(email=email),
            too_many=_("Too many e-mails were sent to this address."),
            refused="WorkOS did not start a password reset (%s).",
        )
        if failed is not None:
            return failed
        context = self.get_context_data(email=email, title=_("Check your e-mail"))
        return self.render_page(self.sent_template_name, context)


@method_decorator(never_cache, name="dispatch")
class PasswordResetConfirmView(NativeView):
    """Set a new password with the e-mailed token, kept server-side after the first GET."""

    template_name = "authkit/native/password_reset_confirm.html"
    done_template_name = "authkit/native/password_reset_done.html"
    invalid_template_name = "authkit/native/password_reset_invalid.html"
    form_class = SetPasswordForm
    title = _("Choose a new password")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not self.enabled():
            return super().dispatch(request, *args, **kwargs)  # the 404
        token = request.GET.get("token")
        if request.method == "GET" and token is not None:
            if not _TOKEN.match(token):
                return self.invalid()
            pending.start(request, pending.PASSWORD_RESET, token=token)
            response = HttpResponseRedirect(reverse("authkit:password-reset-confirm"))
            response["Referrer-Policy"] = "no-referrer"
            return response
        self.pending = pending.current(request, pending.PASSWORD_RESET)
        if self.pending is None:
            return self.invalid()
        return super().dispatch(request, *args, **kwargs)

    def invalid(self) -> HttpResponse:
        context = {"title": _("Link expired"), "message": INVALID_LINK}
        return self.render_page(self.invalid_template_name, context, status=400)

    def form_valid(self, form: forms.Form) -> HttpResponse:
        assert self.pending is not None
        try:
            user = get_workos().user_management.confirm_password_reset(
                token=self.pending.token, new_password=form.cleaned_data["password"]
            )
        except RateLimitExceededError as exc:
            raise RateLimited.by_workos(exc) from exc
        except WorkOSError as exc:
            if not visitor_refused(exc):
                return self.unavailable(form, exc)
            code = getattr(exc, "code", None) or ""
            if isinstance(exc, BadRequestError | UnprocessableEntityError) and "password" in code:
                form.add_error("password", _("Choose a stronger password."))
                return self.render(form, status=400)
            logger.info("WorkOS refused a password reset token (%s).",
                        code or getattr(exc, "error", None))
            pending.clear(self.request)
            return self.invalid()
        pending.clear(self.request)
        self.end_other_sessions(user.id)
        context = self.get_context_data(email=user.email, title=_("Password changed"))
        return self.render_page(self.done_template_name, context)

    def end_other_sessions(self, workos_user_id: str) -> None:
        """A new password ends every session of the account, here and at WorkOS.

        Whoever knew the old password may be signed in elsewhere; the reset is how the
        owner throws them out. The browser that reset it holds no session of the account
        (the reset does not sign in), so there is no session to spare.
        """
        link = WorkOSUser.objects.select_related("user").filter(workos_id=workos_user_id).first()
        if link is not None:
            ended = revoke_user_sessions(link.user, reason="password_reset")
            logger.info("A password reset ended %d session(s) of the account.", ended)
