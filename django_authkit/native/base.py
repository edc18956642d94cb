"""The base of the native sign-in views: the switch, CSRF, limits, and WorkOS's answers.

:class:`NativeView` renders a form and handles a POST. :meth:`NativeView.authenticate`
calls one ``authenticate`` grant and turns WorkOS's answer into the next page:
a step-up (e-mail code, MFA, organization) opens that step server-side and
redirects to it; a success finishes the sign-in through
:func:`~django_authkit.signin.pipeline.complete_sign_in`, the one pipeline every
entry point (hosted callback, API mode) finishes through.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from django_authkit.client.errors import (
    APIError,
    AuthenticationFlowError,
    EmailVerificationRequiredError,
    MfaChallengeError,
    MfaEnrollmentError,
    OrganizationSelectionRequiredError,
    RateLimitExceededError,
    SsoRequiredError,
    WorkOSError,
)
from django_authkit.client.models import AuthenticationResponse
from django_authkit.conf import authkit_settings
from django_authkit.core.clientip import client_info
from django_authkit.native import pending, throttle
from django_authkit.native.pending import Pending
from django_authkit.signin import invitation as accepting
from django_authkit.signin import start as flow
from django_authkit.signin.pipeline import SignInRefused, complete_sign_in
from django_authkit.web.csrf import csrf_token_field
from django_authkit.workos import failures, get_workos

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger("django_authkit.native")

UNAVAILABLE = _("The sign-in service did not answer. Please try again in a moment.")
EXPIRED = _("This sign-in step has expired or was already used. Please start again.")
WRONG_CODE = _("That code is not right, or it has expired.")
TOO_MANY_CODES = _("Too many wrong codes. Please start again.")
#: What a code page says when ``SEND`` stops another e-mail to the address.
TOO_MANY_SENT = _("Too many codes were sent to this address.")
INVITATION_REFUSED = _(
    "This invitation cannot be used: it was sent to another e-mail address, was revoked, "
    "was already used or has expired. Use the address it was sent to, or ask whoever "
    "invited you to send a new one."
)
#: WorkOS's answers to an ``invitation_token`` it will not redeem.
INVITATION_ERRORS = frozenset({"invitation_invalid", "invitation_cannot_be_used_for_email"})

#: How a :data:`~django_authkit.native.pending.VERIFY_EMAIL` step is finished: WorkOS's
#: pending token and the e-mail-verification grant (WorkOS required it), the
#: confirmation of the user's code then the session WorkOS opened (the site required it),
#: or a magic code (a sign-up for an address that has an account).
VIA_PENDING = "pending"
VIA_CONFIRM = "confirm"
VIA_MAGIC = "magic"

STEP_URLS = {
    pending.VERIFY_EMAIL: "authkit:verify-email",
    pending.MFA_ENROLL: "authkit:mfa-enroll",
    pending.MFA_CHALLENGE: "authkit:mfa-challenge",
    pending.SELECT_ORGANIZATION: "authkit:select-organization",
    pending.MAGIC_AUTH: "authkit:magic-auth-verify",
    pending.PASSWORD_RESET: "authkit:password-reset-confirm",
}


class StepUsedUp(Exception):
    """The open step had all its codes (counted server-side): start again."""


class RateLimited(Exception):
    def __init__(self, wait: int, message: StrOrPromise) -> None:
        super().__init__(message)
        self.wait = wait
        self.message = message

    @classmethod
    def by_workos(cls, exc: RateLimitExceededError) -> RateLimited:
        """WorkOS's own 429: wait what it said, or a minute."""
        return cls(int(exc.retry_after or 60), _("Too many attempts."))


@method_decorator([never_cache, csrf_token_field], name="dispatch")
class NativeView(View):
    """A page with one form. Subclasses set ``template_name``, ``form_class``, ``title``.

    ``step`` names the pending step the view finishes; without an open step of
    that name the browser is sent to the open one, or back to the start.
    """

    http_method_names = ["get", "post"]
    template_name = ""
    form_class: type[forms.Form] = forms.Form
    title = _("Sign in")
    step: str | None = None
    pending: Pending | None = None
    #: Attempts :meth:`check_account` reserved for the request being handled.
    reserved: list[str]
    keep_attempts = False
    #: ``complete_sign_in`` options, as on ``CallbackView``.
    on_success: Any = None
    base_url: str | None = None
    backend: str | None = None  # None: the backend that authenticated the user

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.reserved = []

    def enabled(self) -> bool:
        return bool(authkit_settings.NATIVE_FORMS)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not self.enabled():
            raise Http404(_("Native sign-in forms are not enabled."))
        if self.step is not None:
            self.pending = pending.current(request)
            if self.pending is None or self.pending.step != self.step:
                return self.elsewhere(self.pending)
        if request.method == "POST":  # counted before anything is done (atomic)
            _key, wait = throttle.reserve(request, throttle.CLIENT)
            if wait is not None:
                return self.limited(
                    self.get_form(), wait, _("Too many attempts from your network.")
                )
        return super().dispatch(request, *args, **kwargs)

    # -- forms and pages -----------------------------------------------------------------

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_form(self, data: Any = None) -> forms.Form:
        kwargs = self.get_form_kwargs()
        invited = self.invited_email()
        if data is None and invited and "email" in self.form_class.base_fields:
            kwargs.setdefault("initial", {"email": invited})  # the address invited
        return self.form_class(data, **kwargs)

    def invited_email(self) -> str:
        """The address of the invitation this browser is accepting, or ``""``."""
        found = accepting.current(self.request)
        return found.email if found is not None else ""

    def get_context_data(self, **extra: Any) -> dict[str, Any]:
        context: dict[str, Any] = {
            "title": self.title,
            "next": self.next_url(),
            "invitation_email": self.invited_email(),  # never the token
        }
        if self.pending is not None:
            context["email"] = self.pending.email
        context.update(extra)
        return context

    def render(self, form: forms.Form, status: int = 200, **extra: Any) -> HttpResponse:
        _annotate(form)
        context = self.get_context_data(form=form, **extra)
        return self.render_page(self.template_name, context, status=status)

    def render_page(
        self, template_name: str, context: dict[str, Any], status: int = 200
    ) -> HttpResponse:
        """A page of this flow; its address never leaves the site in a ``Referer``."""
        response = TemplateResponse(self.request, template_name, context, status=status)
        response["Referrer-Policy"] = "same-origin"
        return response

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(self.get_form())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            return self.form_valid(form)
        except RateLimited as exc:
            return self.limited(form, exc.wait, exc.message)
        except StepUsedUp:
            return restart(too_many=True)

    def form_valid(self, form: forms.Form) -> HttpResponse:
        raise NotImplementedError

    def error(self, form: forms.Form, message: StrOrPromise, status: int = 400) -> HttpResponse:
        _add_error(form, None, message)
        return self.render(form, status=status)

    def limited(self, form: forms.Form, wait: int, message: StrOrPromise) -> HttpResponse:
        _add_error(form, None, f"{message} Please try again in {throttle.minutes(wait)}.")
        response = self.render(form, status=429)
        response["Retry-After"] = str(wait)
        return response

    # -- where to go -----------------------------------------------------------------------

    def next_url(self) -> str:
        """The validated return path: from the open step, else from ``next``."""
        if self.pending is not None:
            return flow.safe_next(self.pending.next_url, self.request) or ""
        params = self.request.POST if self.request.method == "POST" else self.request.GET
        return flow.safe_next(params.get("next"), self.request) or ""

    def elsewhere(self, current: Pending | None) -> HttpResponse:
        """No open step for this view: go to the open one, or start again."""
        if current is not None:
            return HttpResponseRedirect(reverse(STEP_URLS[current.step]))
        return restart(expired=True)

    def check_account(self, account: str, *, ceiling: bool = False) -> None:
        """Reserve this attempt against the account's limits, before WorkOS is asked.

        Raises :class:`RateLimited` when this client (or, with ``ceiling``, everyone)
        has used them up, and :class:`StepUsedUp` when the open step had its codes.
        :meth:`authenticate` keeps the reservation for a wrong guess and gives it
        back otherwise.
        """
        kinds = [throttle.ACCOUNT] + ([throttle.ACCOUNT_CEILING] if ceiling else [])
        for kind in kinds:
            key, wait = throttle.reserve(self.request, kind, account)
            if wait is not None:
                self.release_attempts()
                raise RateLimited(wait, _("Too many attempts for this account."))
            if key is not None:
                self.reserved.append(key)
        if self.pending is not None and pending.count_attempt(self.request, self.pending):
            self.release_attempts()
            raise StepUsedUp

    def release_attempts(self) -> None:
        """Give back what :meth:`check_account` reserved: the attempt was no wrong guess."""
        for key in self.reserved:
            throttle.release(key)
        self.reserved.clear()

    def invitation_token(self) -> str | None:
        """The invitation this browser is accepting (kept server-side), for WorkOS."""
        return accepting.token(self.request)

    def client_info(self) -> dict[str, str | None]:
        """Where the grant comes from, as WorkOS records it (the one client IP)."""
        return client_info(self.request)

    def send_sign_in_code(
        self, form: forms.Form, email: str, *, refused: str
    ) -> HttpResponse | None:
        """E-mail ``email`` a one-time sign-in code (WorkOS magic auth), carrying the
        invitation this browser is accepting; answers as :meth:`send_email`."""
        invitation_token = self.invitation_token()
        return self.send_email(
            form,
            email,
            lambda: get_workos().user_management.create_magic_auth(
                email=email, invitation_token=invitation_token, **self.client_info()
            ),
            too_many=TOO_MANY_SENT,
            refused=refused,
        )

    def send_email(
        self,
        form: forms.Form,
        email: str,
        send: Callable[[], object],
        *,
        too_many: StrOrPromise,
        refused: str,
    ) -> HttpResponse | None:
        """Have WorkOS e-mail ``email`` (a code, a link), at most as often as ``SEND`` allows.

        ``None``: go on to the next page, also when WorkOS refused (an unknown address,
        most likely; ``refused`` is the log line), so that page never tells who has an
        account. Otherwise the error page.
        """
        key, wait = throttle.reserve(self.request, throttle.SEND, email)  # before sending
        if wait is not None:
            raise RateLimited(wait, too_many)
        try:
            send()
        except RateLimitExceededError as exc:
            throttle.release(key)
            raise RateLimited.by_workos(exc) from exc
        except WorkOSError as exc:
            if not visitor_refused(exc):
                throttle.release(key)  # nothing was sent
                return self.unavailable(form, exc)
            logger.info(refused, getattr(exc, "code", None) or getattr(exc, "error", None))
        return None

    # -- one grant, and what WorkOS answered --------------------------------------------

    def authenticate(
        self,
        form: forms.Form,
        call: Callable[[], AuthenticationResponse],
        *,
        account: str,
        refused: Callable[[APIError], HttpResponse],
    ) -> HttpResponse:
        """Run ``call`` (an ``authenticate_with_*``) and answer with the next page.

        What :meth:`check_account` reserved is kept only when WorkOS refused what the
        visitor sent (a wrong password or code); any other answer gives it back.
        """
        self.keep_attempts = False
        try:
            return self._authenticate(form, call, account=account, refused=refused)
        finally:
            if not self.keep_attempts:
                self.release_attempts()

    def _authenticate(
        self,
        form: forms.Form,
        call: Callable[[], AuthenticationResponse],
        *,
        account: str,
        refused: Callable[[APIError], HttpResponse],
    ) -> HttpResponse:
        next_url = self.next_url()
        try:
            auth = call()
        except EmailVerificationRequiredError as exc:
            return self.step_up(
                form, exc, pending.VERIFY_EMAIL, next_url, exc.email or account,
                {"via": VIA_PENDING, "verification_id": exc.email_verification_id or ""},
            )
        except MfaEnrollmentError as exc:
            user = exc.user or {}
            return self.step_up(
                form,
                exc,
                pending.MFA_ENROLL,
                next_url,
                _email(user, account),
                {"user_id": str(user.get("id", ""))},
            )
        except MfaChallengeError as exc:
            factors = [str(f["id"]) for f in exc.authentication_factors if f.get("type") == "totp"]
            if not factors:
                return self.error(form, _("No authenticator app is set up for this account."), 403)
            return self.step_up(
                form,
                exc,
                pending.MFA_CHALLENGE,
                next_url,
                _email(exc.user or {}, account),
                {"factors": factors},
            )
        except OrganizationSelectionRequiredError as exc:
            orgs = [
                {"id": str(o.get("id", "")), "name": str(o.get("name") or o.get("id", ""))}
                for o in exc.organizations
            ]
            return self.step_up(
                form,
                exc,
                pending.SELECT_ORGANIZATION,
                next_url,
                _email(exc.user or {}, account),
                {"organizations": orgs},
            )
        except SsoRequiredError as exc:
            pending.clear(self.request)
            return self.single_sign_on(account, exc.connection_ids, next_url)
        except AuthenticationFlowError as exc:
            logger.info("Native sign-in needs an unsupported step (%s).", exc.code or exc.error)
            pending.clear(self.request)
            return self.error(
                form, _("This way of signing in is not available. Try another one."), 403
            )
        except RateLimitExceededError as exc:
            raise RateLimited.by_workos(exc) from exc
        except APIError as exc:
            if (exc.code or exc.error) not in INVITATION_ERRORS:
                return self.refused_or_failed(form, exc, account=account, refused=refused)
            logger.info("WorkOS refused the invitation of a native sign-in (%s).",
                        exc.code or exc.error)
            accepting.forget(self.request)
            pending.clear(self.request)
            return self.error(form, INVITATION_REFUSED, 400)
        except (WorkOSError, ImproperlyConfigured) as exc:
            return self.refused_or_failed(form, exc, account=account, refused=refused)
        if auth.user is not None and not auth.user.email_verified:
            return self.verify_first(form, auth, next_url)
        pending.clear(self.request)
        accepting.forget(self.request)
        try:
            return complete_sign_in(
                self.request,
                auth,
                next_url=next_url,
                sender=type(self),
                backend=self.backend,
                on_success=self.on_success,
                base_url=self.base_url,
                entry_point="native",
            )
        except SignInRefused as exc:
            return self.failed(self.get_form(), exc.failure)

    def refused_or_failed(
        self,
        form: forms.Form,
        exc: WorkOSError | ImproperlyConfigured,
        *,
        account: str,
        refused: Callable[[APIError], HttpResponse],
    ) -> HttpResponse:
        """WorkOS refused what the visitor sent (counted), or failed (its error page)."""
        if not (isinstance(exc, APIError) and visitor_refused(exc)):
            return self.failed(form, failures.report(exc, during="a native sign-in step"))
        logger.info("WorkOS refused a native sign-in step (%s).", exc.code or exc.error)
        if self.reserved:
            self.keep_attempts = True  # counted before the call
        else:
            throttle.hit(self.request, throttle.ACCOUNT, account)
        failures.login_failed(self.request, failures.classify(exc),
                              {"email": account, "entry_point": "native"})
        return refused(exc)

    def verify_first(
        self, form: forms.Form, auth: AuthenticationResponse, next_url: str
    ) -> HttpResponse:
        """WorkOS signed in a user whose address is unverified: prove the mailbox first.

        WorkOS asks for this itself (``email_verification_required``) when the
        environment requires verification; when it does not, the site still does not
        start a session for an address nobody proved, so the user gets WorkOS's
        verification code (``send_verification_email``) and the session WorkOS opened
        is only picked up (by its refresh token, kept server-side in the step) once
        the code confirmed the address (:class:`~django_authkit.native.steps.VerifyEmailView`).
        """
        user = auth.user
        assert user is not None
        failed = self.send_email(
            form,
            user.email,
            lambda: get_workos().user_management.send_verification_email(user.id),
            too_many=TOO_MANY_SENT,
            refused="WorkOS refused to send a verification code (%s).",
        )
        if failed is not None:
            return failed
        pending.start(
            self.request, pending.VERIFY_EMAIL, next_url=next_url, email=user.email,
            token=auth.refresh_token, via=VIA_CONFIRM, user_id=user.id,
        )
        return HttpResponseRedirect(reverse(STEP_URLS[pending.VERIFY_EMAIL]))

    def step_up(
        self,
        form: forms.Form,
        exc: AuthenticationFlowError,
        step: str,
        next_url: str,
        email: str,
        data: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Keep WorkOS's pending token server-side for ``step``; go to its page."""
        token = exc.pending_authentication_token
        if not token:
            return self.unavailable(form, exc)
        data = data or {}
        pending.start(self.request, step, next_url=next_url, email=email, token=token, **data)
        return HttpResponseRedirect(reverse(STEP_URLS[step]))

    def single_sign_on(self, email: str, connection_ids: list[str], next_url: str) -> HttpResponse:
        """The account must use SSO: continue on the hosted flow with its connection."""
        params = {"login_hint": email}
        if connection_ids:
            params["connection_id"] = connection_ids[0]
        if next_url:
            params["next"] = next_url
        return HttpResponseRedirect(f"{reverse('authkit:sign-in')}?{urlencode(params)}")

    def unavailable(self, form: forms.Form, exc: Exception) -> HttpResponse:
        """WorkOS failed (or answered what this step cannot use): the mapping's page."""
        return self.failed(form, failures.report(
            exc, during="a native sign-in", refused=failures.UNAVAILABLE_FAILURE
        ))

    def failed(self, form: forms.Form, failure: failures.Failure) -> HttpResponse:
        """A classified failure (:mod:`django_authkit.failures`) on this form's page."""
        _add_error(form, None, str(failure.message))
        if failure.hint:
            _add_error(form, None, str(failure.hint))
        response = self.render(form, status=failure.status)
        if failure.retry_after:
            response["Retry-After"] = str(failure.retry_after)
        return response

    def wrong_code(self, form: forms.Form, exc: APIError) -> HttpResponse:
        """A refused code on an open step: count it, close the step after too many."""
        assert self.pending is not None
        if (exc.code or exc.error) == "invalid_pending_authentication_token":
            pending.clear(self.request)
            return restart(expired=True)
        if pending.wrong_code(self.request, self.pending):
            return restart(too_many=True)
        _add_error(form, "code", WRONG_CODE)
        return self.render(form, status=400)


def visitor_refused(exc: BaseException) -> bool:
    """WorkOS said no to what the visitor sent (not an outage, not the site's settings)."""
    return failures.classify(exc).kind == failures.REFUSED


def restart(*, expired: bool = False, too_many: bool = False) -> HttpResponse:
    """Back to the native sign-in page, which says why."""
    reason = "too_many" if too_many else "expired" if expired else ""
    url = reverse("authkit:native-sign-in")
    return HttpResponseRedirect(f"{url}?{urlencode({'restart': reason})}" if reason else url)


def _email(user: dict[str, Any], fallback: str) -> str:
    value = user.get("email")
    return str(value) if isinstance(value, str) and value else fallback


def _add_error(form: forms.Form, field: str | None, message: StrOrPromise) -> None:
    """``form.add_error`` that also works on an unbound form."""
    if not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}
    form.add_error(field, message)


def _annotate(form: forms.Form) -> None:
    """``aria-invalid`` and ``aria-describedby`` so errors and hints are announced."""
    errors = form.errors
    for name, field in form.fields.items():
        bound = form[name]
        described = []
        if field.help_text:
            described.append(f"{bound.auto_id}_helptext")
        if errors.get(name):
            described.append(f"{bound.auto_id}_error")
            field.widget.attrs["aria-invalid"] = "true"
        if errors.get("__all__"):
            described.append("form-errors")
        if described:
            field.widget.attrs["aria-describedby"] = " ".join(described)
