"""Finish a sign-in from a successful ``authenticate`` answer: the one code path.

Whatever grant produced the :class:`~django_authkit.client.models.AuthenticationResponse`
(the hosted flow's authorization code, or a native form's password, code, TOTP or
organization choice), the rest is the same: verify the access token, provision
the user through the backend, ``login()``, store the tokens server-side, join the
default organization, mirror the membership, apply the session policy, send
``signed_in``, run the ``on_success`` hook and redirect.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import authenticate, login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from django_authkit import flow, hooks, provisioning, sessions, signals
from django_authkit.client import get_workos
from django_authkit.client.errors import WorkOSError
from django_authkit.client.models import AuthenticationResponse
from django_authkit.conf import authkit_settings
from django_authkit.tokens import InvalidAccessToken, KeysUnavailable, verify_access_token
from django_authkit.urlhelpers import after_sign_in_path

logger = logging.getLogger("django_authkit.native")

BACKEND = "django_authkit.backends.AuthKitBackend"


class SignInRefused(Exception):
    """The sign-in cannot finish; ``code``, a message safe to show, and an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def complete_sign_in(
    request: HttpRequest,
    auth: AuthenticationResponse,
    *,
    next_url: str | None = None,
    state: str | None = None,
    sender: Any = None,
    backend: str = BACKEND,
    on_success: Any = None,
    base_url: str | None = None,
) -> HttpResponse:
    """Sign the browser in as ``auth.user``; return the response to send.

    The one code path that ends every sign-in: the hosted callback and the native
    forms both call it.

    ``next_url`` must already be a validated same-site path (``flow.safe_next``);
    without it the ``LOGIN_REDIRECT_URL`` decides. ``state`` is the custom state
    handed to the ``on_success`` hook. Raises :class:`SignInRefused` when the
    token does not verify or the backend refuses the account.
    """
    try:
        claims = verify_access_token(auth.access_token, from_workos=True)
    except KeysUnavailable as exc:
        raise SignInRefused(
            "workos_unavailable", "The sign-in service did not answer. Please try again.", 503
        ) from exc
    except InvalidAccessToken as exc:
        logger.warning("Rejected an access token from WorkOS: %s", exc.reason)
        raise SignInRefused("invalid_token", "The sign-in could not be verified.", 400) from exc
    user = authenticate(request, workos_user=auth.user, claims=claims)
    if user is None:
        raise SignInRefused("account_not_allowed", "This account cannot sign in to this site.", 403)
    login(request, user, backend=backend)
    sessions.start(request, user, auth, claims)
    if not claims.get("org_id") and getattr(user, "_authkit_created", False):
        join_default_organization(request, auth.user.id)
    membership = provisioning.sync_membership(user, request.session[sessions.HOT_KEY])
    sessions.apply_policy(request, membership.organization if membership else None)
    signals.signed_in.send(sender=sender, request=request, user=user, auth=auth)
    hot = request.session[sessions.HOT_KEY]
    result = hooks.CallbackResult(
        user=auth.user,
        organization_id=hot.get("org_id") or auth.organization_id,
        authentication_method=auth.authentication_method,
        impersonator=auth.impersonator,
        oauth_tokens=auth.oauth_tokens,
        state=state,
        claims=dict(claims),
    )
    target = next_url or after_sign_in_path()
    hook = hooks.resolve(on_success or authkit_settings.ON_SUCCESS)
    if hook is not None:
        chosen = hook(request, user, result)
        if isinstance(chosen, HttpResponse):
            chosen.setdefault("Referrer-Policy", "no-referrer")
            return chosen
        if isinstance(chosen, str):
            target = flow.safe_next(chosen, request) or target
    base = base_url or authkit_settings.BASE_URL
    response = HttpResponseRedirect(str(base).rstrip("/") + target if base else target)
    response["Referrer-Policy"] = "no-referrer"
    return response


def join_default_organization(request: HttpRequest, workos_user_id: str) -> None:
    """Put a brand-new user without an organization into ``DEFAULT_ORGANIZATION``.

    The membership is created at WorkOS (the source of truth), then the session
    is refreshed into it. Failures leave the user signed in without one.
    """
    org_id = authkit_settings.DEFAULT_ORGANIZATION
    if not org_id:
        return
    try:
        get_workos().user_management.create_organization_membership(
            user_id=workos_user_id,
            organization_id=str(org_id),
            role_slug=authkit_settings.DEFAULT_ROLE or None,
        )
    except WorkOSError as exc:
        logger.warning("Could not add a new user to the default organization: %s", exc)
        return
    if sessions.refresh(request, organization_id=str(org_id)) is not sessions.Outcome.REFRESHED:
        logger.warning("Could not refresh a new user's session into the default organization.")
