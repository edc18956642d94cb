"""The steps WorkOS may ask for after a first credential: e-mail code, MFA, organization.

Each view finishes exactly one pending step (``step``), whose WorkOS token is in
the session, never in the page. MFA factors and challenges are created here,
server-side, the first time the page is shown, and reused until the step ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from django_authkit.client.errors import APIError, WorkOSError
from django_authkit.client.models import AuthenticationResponse
from django_authkit.conf import authkit_settings
from django_authkit.native import pending
from django_authkit.native.base import (
    TOO_MANY_SENT,
    VIA_CONFIRM,
    VIA_MAGIC,
    VIA_PENDING,
    NativeView,
    RateLimited,
    restart,
)
from django_authkit.native.forms import CodeForm, OrganizationForm
from django_authkit.workos import get_workos


class VerifyEmailView(NativeView):
    """The code WorkOS e-mailed to prove the address, before the first session starts.

    Three ways in, one page (so a sign-up reads the same for a new and a taken
    address), told apart by the step's ``via``:

    * ``pending``: WorkOS answered ``email_verification_required``; the code and the
      pending token go to the e-mail-verification grant.
    * ``confirm``: WorkOS signed in a user whose address it reports unverified (an
      environment that does not require verification); the code confirms the address
      (``verify_email``), then the session WorkOS opened is taken up by its refresh
      token, so the user is signed in with the verified address.
    * ``magic``: a sign-up named an address that already has an account; WorkOS
      e-mailed its owner a sign-in code (magic auth).

    A POST with ``resend`` e-mails a new code (at most as often as the ``send`` limit
    allows); wrong codes count against the step as on every code page.
    """

    template_name = "authkit/native/verify_email.html"
    form_class = CodeForm
    title = _("Verify your e-mail address")
    step = pending.VERIFY_EMAIL

    def via(self) -> str:
        assert self.pending is not None
        return str(self.pending.data.get("via") or VIA_PENDING)

    def post(self, request: HttpRequest) -> HttpResponse:
        if "resend" in request.POST:
            return self.resend()
        return super().post(request)

    def form_valid(self, form: forms.Form) -> HttpResponse:
        assert self.pending is not None
        token, code, email = self.pending.token, form.cleaned_data["code"], self.pending.email
        um = get_workos().user_management
        call: Callable[[], AuthenticationResponse]
        if self.via() == VIA_CONFIRM:
            call = lambda: self.confirm(code)  # noqa: E731
        elif self.via() == VIA_MAGIC:
            invitation_token = self.invitation_token()
            call = lambda: um.authenticate_with_magic_auth(  # noqa: E731
                code=code, email=email, invitation_token=invitation_token,
                **self.client_info(),
            )
        else:
            call = lambda: um.authenticate_with_email_verification(  # noqa: E731
                code=code, pending_authentication_token=token, **self.client_info()
            )
        self.check_account(email)
        return self.authenticate(
            form, call, account=email, refused=lambda exc: self.code_refused(form, exc)
        )

    def confirm(self, code: str) -> AuthenticationResponse:
        """Confirm the address with ``code``, then take up the session WorkOS opened."""
        assert self.pending is not None
        um = get_workos().user_management
        data = self.pending.data
        if not data.get("verified"):
            um.verify_email(str(data.get("user_id", "")), code=code)
            data["verified"] = True  # a failed refresh must not spend the code again
            pending.save(self.request, self.pending)
        info = self.client_info()
        return um.authenticate_with_refresh_token(
            refresh_token=self.pending.token,
            ip_address=info.get("ip_address"),
            user_agent=info.get("user_agent"),
        )

    def code_refused(self, form: forms.Form, exc: APIError) -> HttpResponse:
        if self.via() == VIA_CONFIRM and (exc.code or exc.error) == "invalid_grant":
            pending.clear(self.request)  # the session WorkOS opened has ended
            return restart(expired=True)
        return self.wrong_code(form, exc)

    def resend(self) -> HttpResponse:
        """E-mail a new code for this step; the page says so (whatever WorkOS answered)."""
        assert self.pending is not None
        form = self.get_form()
        email = self.pending.email
        refused = "WorkOS refused to send the code again (%s)."
        try:
            if self.via() == VIA_MAGIC:
                failed = self.send_sign_in_code(form, email, refused=refused)
            else:  # the user is looked up inside the send: a WorkOS error there is its own
                failed = self.send_email(
                    form, email,
                    lambda: get_workos().user_management.send_verification_email(self.user_id()),
                    too_many=TOO_MANY_SENT, refused=refused,
                )
        except RateLimited as exc:
            return self.limited(form, exc.wait, exc.message)
        return failed or self.render(form, resent=True)

    def user_id(self) -> str:
        """The WorkOS user the step verifies (looked up once from WorkOS's verification)."""
        assert self.pending is not None
        data = self.pending.data
        if not data.get("user_id"):
            verification = get_workos().user_management.get_email_verification(
                str(data.get("verification_id", ""))
            )
            data["user_id"] = str(verification.user_id or "")
            pending.save(self.request, self.pending)
        return str(data["user_id"])


class TotpView(NativeView):
    """A TOTP code for the step's challenge (opened on demand)."""

    form_class = CodeForm

    def challenge_id(self) -> str:
        """This step's open challenge, opening one if needed (may raise ``WorkOSError``)."""
        assert self.pending is not None
        data = self.pending.data
        if not data.get("challenge_id"):
            factor_id = str(data.get("factor_id") or data.get("factors", [""])[0])
            challenge = get_workos().user_management.challenge_auth_factor(factor_id)
            data["challenge_id"] = challenge.id
            pending.save(self.request, self.pending)
        return str(data["challenge_id"])

    def prepare(self) -> HttpResponse | None:
        """Make sure the step has what its page shows; an error page if WorkOS failed."""
        try:
            self.challenge_id()
        except WorkOSError as exc:
            return self.unavailable(self.get_form(), exc)
        return None

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.prepare() or super().get(request)

    def form_valid(self, form: forms.Form) -> HttpResponse:
        assert self.pending is not None
        failed = self.prepare()
        if failed is not None:
            return failed
        token, code, email = self.pending.token, form.cleaned_data["code"], self.pending.email
        challenge_id = self.challenge_id()
        self.check_account(email)
        return self.authenticate(
            form,
            lambda: get_workos().user_management.authenticate_with_totp(
                code=code,
                pending_authentication_token=token,
                authentication_challenge_id=challenge_id,
                **self.client_info(),
            ),
            account=email,
            refused=lambda exc: self.totp_refused(form, exc),
        )

    def totp_refused(self, form: forms.Form, exc: APIError) -> HttpResponse:
        # A refused code may have spent or outlived the challenge (WorkOS does not
        # always say which): the next attempt opens a fresh one.
        if self.pending is not None:
            self.pending.data.pop("challenge_id", None)
        return self.wrong_code(form, exc)


class MfaChallengeView(TotpView):
    """The code from the authenticator app the account already has."""

    template_name = "authkit/native/mfa_challenge.html"
    title = _("Two-step verification")
    step = pending.MFA_CHALLENGE


class MfaEnrollView(TotpView):
    """Set up an authenticator app (QR code and key), then confirm it with a code."""

    template_name = "authkit/native/mfa_enroll.html"
    title = _("Set up two-step verification")
    step = pending.MFA_ENROLL

    def issuer(self) -> str:
        return str(authkit_settings.NATIVE_TOTP_ISSUER or self.request.get_host())

    def challenge_id(self) -> str:
        assert self.pending is not None
        data = self.pending.data
        if not data.get("factor_id"):
            enrollment = get_workos().user_management.enroll_auth_factor(
                str(data.get("user_id", "")),
                type="totp",
                totp_issuer=self.issuer(),
                totp_user=self.pending.email or None,
            )
            totp = enrollment.authentication_factor.totp or {}
            data.update(
                factor_id=enrollment.authentication_factor.id,
                qr_code=str(totp.get("qr_code") or ""),
                secret=str(totp.get("secret") or ""),
            )
            if enrollment.authentication_challenge is not None:
                data["challenge_id"] = enrollment.authentication_challenge.id
            pending.save(self.request, self.pending)
        return super().challenge_id()

    def get_context_data(self, **extra: Any) -> dict[str, Any]:
        context = super().get_context_data(**extra)
        data = self.pending.data if self.pending is not None else {}
        qr = str(data.get("qr_code") or "")
        context["qr_code"] = qr if qr.startswith("data:image/") else ""
        secret = str(data.get("secret") or "")
        context["secret"] = secret
        context["secret_groups"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        return context


class SelectOrganizationView(NativeView):
    """Pick one of the organizations WorkOS offered for this sign-in."""

    template_name = "authkit/native/select_organization.html"
    form_class = OrganizationForm
    title = _("Choose an organization")
    step = pending.SELECT_ORGANIZATION

    def get_form_kwargs(self) -> dict[str, Any]:
        orgs = self.pending.data.get("organizations", []) if self.pending is not None else []
        return {"organizations": list(orgs)}

    def form_valid(self, form: forms.Form) -> HttpResponse:
        assert self.pending is not None
        token, email = self.pending.token, self.pending.email
        org_id = form.cleaned_data["organization_id"]
        return self.authenticate(
            form,
            lambda: get_workos().user_management.authenticate_with_organization_selection(
                pending_authentication_token=token, organization_id=org_id, **self.client_info()
            ),
            account=email,
            refused=lambda exc: self.organization_refused(form, exc),
        )

    def organization_refused(self, form: forms.Form, exc: APIError) -> HttpResponse:
        if (exc.code or exc.error) == "invalid_pending_authentication_token":
            pending.clear(self.request)
            return restart(expired=True)
        return self.error(form, _("You cannot sign in to that organization."), 403)
