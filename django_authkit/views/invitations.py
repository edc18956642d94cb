"""Invitations: invite people into the session's organization, and accept an invitation.

``invitations`` (permission-gated): the organization's pending invitations, a form to
invite by e-mail (with a role the site offers), revoke and resend. Everything is the
session's organization: an inviter never sees or changes another organization's
invitations, whatever their role there. ``accept-invitation``: the URL a site
registers with WorkOS ("Accept invitation URL"); it checks the token and starts the
hosted sign-in (sign-up screen for a new address) carrying ``invitation_token`` as
the official SDK does, so the new user lands in the organization. With
``NATIVE_FORMS``, on a site whose ``LOGIN_URL`` is the native sign-in page, the site's
own sign-up (or sign-in) page continues instead, the token kept server-side
(:mod:`django_authkit.signin.invitation`).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.generic import TemplateView

from django_authkit.client.errors import NotFoundError, WorkOSError
from django_authkit.client.models import Invitation
from django_authkit.conf import authkit_settings
from django_authkit.signin import invitation as accepting
from django_authkit.signin import start as flow
from django_authkit.views.account import sign_in_first
from django_authkit.web.responses import WorkOSRedirect, failure_response
from django_authkit.workos import failures, get_workos

TITLE = _("Invitations")
_TOKEN = accepting.TOKEN
_ID = re.compile(r"^invitation_[0-9A-Za-z]{1,64}$")
LIMIT = 100

FORBIDDEN = failures.Failure(
    failures.REFUSED, "permission_denied",
    _("You may not manage invitations of this organization."), 403, title=TITLE,
)
NO_ORGANIZATION = failures.Failure(
    failures.REFUSED, "organization_required",
    _("Choose an organization first: invitations belong to one."), 400, title=TITLE,
)
NOT_FOUND = failures.Failure(
    failures.REFUSED, "invitation_not_found",
    _("No such pending invitation in this organization."), 404, title=TITLE,
)
INVALID_INVITATION = failures.Failure(
    failures.REFUSED, "invitation_invalid",
    _("This invitation link is invalid, was revoked, was already used or has expired. "
      "Ask whoever invited you to send a new one."), 400, title=_("Invitation"),
)
REFUSED_INVITE = failures.Failure(
    failures.REFUSED, "invitation_refused",
    _("WorkOS did not accept this invitation (already a member, or already invited?)."), 400,
)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label=_("Role"), required=False, choices=())

    def __init__(self, *args: Any, roles: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        if roles and isinstance(role, forms.ChoiceField):
            role.choices = [(r, r) for r in roles]
            role.required = True
        else:
            del self.fields["role"]


@method_decorator([never_cache, csrf_protect], name="dispatch")
class InvitationsView(TemplateView):
    """GET: the session organization's pending invitations and the invite form.

    POST (CSRF): ``email`` (+ ``role``) invites; ``revoke`` or ``resend`` with an
    invitation id acts on one of this organization's pending invitations. Requires
    ``INVITATION_PERMISSION`` in the session's organization.
    """

    template_name = "authkit/invitations.html"
    http_method_names = ["get", "post"]
    form_class = InvitationForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return sign_in_first(request)
        authkit = getattr(request, "authkit", None)
        if not authkit or authkit_settings.INVITATION_PERMISSION not in (
            authkit.permissions or ()
        ):
            return failure_response(request, FORBIDDEN)
        if not authkit.organization_id:
            return failure_response(request, NO_ORGANIZATION)
        self.organization_id = str(authkit.organization_id)
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data: Any = None) -> InvitationForm:
        return self.form_class(data, roles=list(authkit_settings.INVITATION_ROLES or []))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.show(self.get_form())

    def show(self, form: InvitationForm, status: int = 200) -> HttpResponse:
        try:
            pending = self.pending()
        except failures.Refusal as exc:
            return failure_response(self.request, exc.failure)
        context = self.get_context_data(form=form, invitations=pending, title=TITLE)
        return self.render_to_response(context, status=status)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            for action in ("revoke", "resend"):
                if action in request.POST:
                    return self.act(action, request.POST.get(action, ""))
            form = self.get_form(request.POST)
            if not form.is_valid():
                return self.show(form, status=400)
            self.invite(form.cleaned_data["email"], form.cleaned_data.get("role") or None)
        except failures.Refusal as exc:
            if exc.failure is REFUSED_INVITE:
                form = self.get_form(request.POST)
                form.is_valid()
                form.add_error(None, str(exc.failure.message))
                return self.show(form, status=400)
            return failure_response(request, exc.failure)
        messages.success(request, _("Invitation sent."), fail_silently=True)
        return HttpResponseRedirect(reverse("authkit:invitations"))

    # -- WorkOS, always for the session's organization ------------------------------------

    def pending(self) -> list[Invitation]:
        try:
            page = get_workos().user_management.list_invitations(
                organization_id=self.organization_id, limit=LIMIT
            )
        except WorkOSError as exc:
            raise failures.Refusal(failures.report(exc, during="listing invitations")) from None
        return [i for i in page.data
                if i.organization_id == self.organization_id and i.state == "pending"]

    def invite(self, email: str, role: str | None) -> Invitation:
        try:
            return get_workos().user_management.send_invitation(
                email=email, organization_id=self.organization_id, role_slug=role,
                inviter_user_id=str(self.request.authkit.user_id),  # type: ignore[attr-defined]
            )
        except WorkOSError as exc:
            failure = failures.report(exc, during="sending an invitation")
            raise failures.Refusal(
                REFUSED_INVITE if failure.kind == failures.REFUSED else failure
            ) from None

    def act(self, action: str, invitation_id: str) -> HttpResponse:
        """Revoke or resend one of this organization's pending invitations."""
        client = get_workos().user_management
        try:
            if not _ID.match(invitation_id):
                raise NotFoundError("not an invitation id")
            invitation = client.get_invitation(invitation_id)
            if invitation.organization_id != self.organization_id or (
                invitation.state != "pending"
            ):
                raise NotFoundError("another organization's, or not pending")
            if action == "revoke":
                client.revoke_invitation(invitation_id)
                done = _("Invitation revoked.")
            else:
                client.resend_invitation(invitation_id)
                done = _("Invitation sent again.")
        except NotFoundError:
            return failure_response(self.request, NOT_FOUND)
        except WorkOSError as exc:
            return failure_response(self.request, failures.report(exc, during=f"{action}"))
        messages.success(self.request, done, fail_silently=True)
        return HttpResponseRedirect(reverse("authkit:invitations"))


@method_decorator(never_cache, name="dispatch")
class AcceptInvitationView(View):
    """GET ``?invitation_token=...``: check the invitation, then sign in carrying it.

    AuthKit opens on its sign-up screen (which links to sign-in), with the invited
    e-mail as ``login_hint`` and ``invitation_token`` on the authorization URL
    (as the official SDK's ``get_authorization_url`` passes it), so WorkOS accepts the
    invitation at the code exchange and the session starts in its organization.
    """

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        token = request.GET.get("invitation_token") or request.GET.get("token") or ""
        if not _TOKEN.match(token):
            return failure_response(request, INVALID_INVITATION)
        try:
            invitation = get_workos().user_management.find_invitation_by_token(token)
        except WorkOSError as exc:
            failure = failures.report(exc, during="finding an invitation")
            if failure.kind == failures.REFUSED:
                failure = INVALID_INVITATION
            return failure_response(request, failure)
        if invitation.state != "pending":
            return failure_response(request, INVALID_INVITATION)
        if self.native():
            return self.continue_natively(request, token, invitation)
        try:
            url = flow.authorization_url(
                request, flow.safe_next(request.GET.get("next"), request),
                invitation_token=token, login_hint=invitation.email,
                screen_hint="sign-up",  # AuthKit's sign-up screen links to sign-in
            )
        except (WorkOSError, ImproperlyConfigured) as exc:
            return failure_response(request, failures.report(exc, during="an invitation"))
        return WorkOSRedirect(url)

    def native(self) -> bool:
        """Whether the site's own forms take the invitation: ``NATIVE_FORMS`` is on and
        the site signs people in there (``LOGIN_URL`` is a native page). A site that
        serves both keeps the hosted page its ``LOGIN_URL`` names."""
        if not authkit_settings.NATIVE_FORMS:
            return False
        login = str(resolve_url(settings.LOGIN_URL)).split("?", 1)[0]
        return login in {reverse("authkit:native-sign-in"), reverse("authkit:native-sign-up")}

    def continue_natively(
        self, request: HttpRequest, token: str, invitation: Invitation
    ) -> HttpResponse:
        """Keep the token server-side and open the native sign-up (or sign-in) page.

        The token leaves the address bar here: the next page's URL holds only ``next``.
        """
        accepting.remember(request, token, invitation.email)
        name = "native-sign-up" if authkit_settings.NATIVE_SIGN_UP else "native-sign-in"
        target = reverse(f"authkit:{name}")
        next_url = flow.safe_next(request.GET.get("next"), request)
        if next_url:
            target += "?" + urlencode({"next": next_url})
        response = HttpResponseRedirect(target)
        response["Referrer-Policy"] = "no-referrer"
        return response

