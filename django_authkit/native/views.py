"""The native sign-in pages (headless AuthKit): class-based views to subclass.

First steps live here (password sign-in, sign-up, magic code); the steps WorkOS
may ask for next are in :mod:`django_authkit.native.steps`, and the password
reset in :mod:`django_authkit.native.reset`. All answer 404 unless
``AUTHKIT["NATIVE_FORMS"]`` is on.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from django_authkit.client.errors import (
    BadRequestError,
    ConflictError,
    RateLimitExceededError,
    UnprocessableEntityError,
    WorkOSError,
)
from django_authkit.conf import authkit_settings
from django_authkit.native import pending
from django_authkit.native.base import VIA_MAGIC, NativeView, RateLimited, logger
from django_authkit.native.forms import CodeForm, EmailForm, SignInForm, SignUpForm
from django_authkit.native.steps import (
    MfaChallengeView,
    MfaEnrollView,
    SelectOrganizationView,
    VerifyEmailView,
)
from django_authkit.workos import get_workos

__all__ = [
    "MagicAuthVerifyView",
    "MagicAuthView",
    "MfaChallengeView",
    "MfaEnrollView",
    "SelectOrganizationView",
    "SignInView",
    "SignUpView",
    "VerifyEmailView",
]

INVALID_CREDENTIALS = _("Incorrect e-mail address or password.")
RESTART_MESSAGES = {
    "expired": _("That sign-in step has expired or was already used. Please start again."),
    "too_many": _("Too many wrong codes. Please start again."),
}


class SignInView(NativeView):
    """E-mail and password. Every refusal reads the same, account or not."""

    template_name = "authkit/native/sign_in.html"
    form_class = SignInForm
    title = _("Sign in")

    def get_context_data(self, **extra: Any) -> dict[str, Any]:
        context = super().get_context_data(**extra)
        context["restart_message"] = RESTART_MESSAGES.get(self.request.GET.get("restart", ""))
        context["sign_up_enabled"] = bool(authkit_settings.NATIVE_SIGN_UP)
        return context

    def form_valid(self, form: forms.Form) -> HttpResponse:
        email = form.cleaned_data["email"]
        password = form.cleaned_data["password"]
        invitation_token = self.invitation_token()
        self.check_account(email, ceiling=True)
        return self.authenticate(
            form,
            lambda: get_workos().user_management.authenticate_with_password(
                email=email, password=password, invitation_token=invitation_token,
                **self.client_info(),
            ),
            account=email,
            refused=lambda exc: self.error(form, INVALID_CREDENTIALS, 400),
        )


class SignUpView(NativeView):
    """Create a WorkOS user with a password; the address is proven before the first session.

    A new account signs in with its password (``invitation_token`` too, when the
    browser came through an invitation link); WorkOS then asks for its e-mailed
    verification code (``email_verification_required``), or, when the environment
    does not require it, the site does (:meth:`NativeView.verify_first`). An address
    that already has an account gets a sign-in code (magic auth) instead. Both go to
    the same code page with the same answer, so nothing on the page, in its status or
    in its redirect says which happened, and the form cannot be used to list accounts.
    """

    template_name = "authkit/native/sign_up.html"
    form_class = SignUpForm
    title = _("Create an account")

    def enabled(self) -> bool:
        return super().enabled() and bool(authkit_settings.NATIVE_SIGN_UP)

    def form_valid(self, form: forms.Form) -> HttpResponse:
        data = form.cleaned_data
        email = data["email"]
        um = get_workos().user_management
        try:
            um.create_user(
                email=email,
                password=data["password"],
                first_name=data.get("first_name") or None,
                last_name=data.get("last_name") or None,
            )
        except ConflictError:
            logger.info("A native sign-up named an address that has an account.")
            return self.existing_account(form, email)
        except (BadRequestError, UnprocessableEntityError) as exc:
            logger.info("WorkOS refused a sign-up (%s).", exc.code or exc.error)
            if "password" in (exc.code or ""):
                form.add_error("password", _("Choose a stronger password."))
                return self.render(form, status=400)
            return self.error(form, _("An account could not be created with these details."))
        except RateLimitExceededError as exc:
            raise RateLimited.by_workos(exc) from exc
        except WorkOSError as exc:
            return self.unavailable(form, exc)
        password, invitation_token = data["password"], self.invitation_token()
        return self.authenticate(
            form,
            lambda: um.authenticate_with_password(
                email=email, password=password, invitation_token=invitation_token,
                **self.client_info(),
            ),
            account=email,
            refused=lambda exc: self.error(
                form, _("An account could not be created with these details.")
            ),
        )

    def existing_account(self, form: forms.Form, email: str) -> HttpResponse:
        """The address has an account: e-mail its owner a sign-in code, on the same page."""
        failed = self.send_sign_in_code(
            form, email, refused="WorkOS refused to send a sign-up code (%s)."
        )
        if failed is not None:
            return failed
        pending.start(
            self.request, pending.VERIFY_EMAIL, next_url=self.next_url(), email=email,
            via=VIA_MAGIC,
        )
        return HttpResponseRedirect(reverse("authkit:verify-email"))


class MagicAuthView(NativeView):
    """Send a one-time sign-in code. The page after it is the same for every address."""

    template_name = "authkit/native/magic_auth.html"
    form_class = EmailForm
    title = _("Sign in with a code")

    def form_valid(self, form: forms.Form) -> HttpResponse:
        email = form.cleaned_data["email"]
        failed = self.send_sign_in_code(
            form, email, refused="WorkOS refused to send a magic code (%s)."
        )
        if failed is not None:
            return failed
        pending.start(self.request, pending.MAGIC_AUTH, next_url=self.next_url(), email=email)
        return HttpResponseRedirect(reverse("authkit:magic-auth-verify"))


class MagicAuthVerifyView(NativeView):
    """Enter the e-mailed code; the address is the one kept server-side, not a field."""

    template_name = "authkit/native/magic_auth_verify.html"
    form_class = CodeForm
    title = _("Enter your code")
    step = pending.MAGIC_AUTH

    def form_valid(self, form: forms.Form) -> HttpResponse:
        assert self.pending is not None
        email = self.pending.email
        code = form.cleaned_data["code"]
        invitation_token = self.invitation_token()
        self.check_account(email)
        return self.authenticate(
            form,
            lambda: get_workos().user_management.authenticate_with_magic_auth(
                code=code, email=email, invitation_token=invitation_token,
                **self.client_info(),
            ),
            account=email,
            refused=lambda exc: self.wrong_code(form, exc),
        )
