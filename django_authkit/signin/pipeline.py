"""The one sign-in pipeline every entry point finishes through.

exchange result -> :func:`verify` (the access token) -> :func:`provision` (backend,
adapter) -> :func:`assign_organization` -> :func:`sync_membership` -> ``login()`` and
the session start with its organization's policy -> ``signed_in`` -> ``on_success``
hook -> the entry point's response.

The hosted callback and the native forms call :func:`complete_sign_in` (a
browser sign-in: Django login and a server-side AuthKit session); API mode and
its SSO-first path call :func:`finish` with ``browser=False`` (no cookie, no
Django session; the client holds the tokens). Everything else is the same step
for step, so the same identity ends with the same Django user, organization,
groups, signals and hook calls whichever way it came in. API mode's token
rotation (``api-refresh``) is not a sign-in: :func:`renew` runs the same
verification, provisioning and membership steps, without signal or hook.

Organization assignment is explicit first (the organization the caller named),
then the site default (``DEFAULT_ORGANIZATION``) for a brand-new user, and
otherwise whatever WorkOS put in the token: the pipeline never guesses one
(never "the oldest organization").
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib.auth import load_backend, login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from django_authkit import signals
from django_authkit.client.errors import WorkOSError
from django_authkit.client.models import AuthenticationResponse
from django_authkit.conf import authkit_settings
from django_authkit.core.clientip import client_info
from django_authkit.core.urlhelpers import after_sign_in_path
from django_authkit.identity import provisioning
from django_authkit.identity import rules as identity
from django_authkit.sessions import lifecycle as sessions
from django_authkit.signin.hooks import CallbackResult
from django_authkit.signin.hooks import resolve as resolve_hook
from django_authkit.signin.start import safe_next
from django_authkit.tokens.verify import InvalidAccessToken, verify_access_token
from django_authkit.workos import failures, get_workos

logger = logging.getLogger("django_authkit.signin")

BACKEND = "django_authkit.backends.AuthKitBackend"


class SignInRefused(failures.Refusal):
    """The sign-in cannot finish; ``code``, a message safe to show, and an HTTP status.

    ``failure`` is the whole outcome (see :mod:`django_authkit.failures`), which
    entry points render; ``code``, ``message`` and ``status`` are kept for callers.
    """

    def __init__(
        self, code: str, message: Any, status: int = 400, *,
        failure: failures.Failure | None = None,
    ) -> None:
        failure = failure or failures.Failure(
            failures.REFUSED if status < 500 else failures.UNAVAILABLE, code, message, status,
            failures.RETRY_AFTER if status == 503 else None,
        )
        super().__init__(failure)
        self.code = failure.code
        self.message = failure.message
        self.status = failure.status

    @classmethod
    def of(cls, failure: failures.Failure) -> SignInRefused:
        """The refusal that renders ``failure``."""
        return cls(failure.code, failure.message, failure.status, failure=failure)

    @classmethod
    def identity(cls, exc: identity.IdentityRefused) -> SignInRefused:
        """The refusal for an identity rule's or the adapter's ``IdentityRefused``: its
        code, message and status, and its title, operator hint and page when it has them."""
        failure = failures.Failure(
            failures.REFUSED if exc.status < 500 else failures.UNAVAILABLE, exc.code,
            exc.message, exc.status, level=logging.INFO,
            title=exc.title or failures.SIGN_IN_FAILED, hint=exc.hint,
            template=exc.template, context=exc.context,
        )
        return cls.of(failure)

    @classmethod
    def because(cls, exc: BaseException, *, during: str) -> SignInRefused:
        """The refusal for a WorkOS or verification failure, logged once by the mapping."""
        failure = failures.report(exc, during=during)
        return cls.of(failure)


@dataclass
class SignedIn:
    """What the pipeline produced: the entry point turns it into its response."""

    user: Any
    auth: AuthenticationResponse
    claims: dict[str, Any]
    organization: Any | None
    result: CallbackResult
    hook_answer: Any = None


def verify(auth: AuthenticationResponse, *, during: str = "the end of a sign-in") -> dict[str, Any]:
    """Verified claims of ``auth``'s access token, bound to ``auth.user``.

    The token comes from WorkOS over the authenticated API, so an unknown ``kid``
    may always fetch the key set. Unreachable signing keys are WorkOS's outage
    (503, try again); a token WorkOS returned that does not verify here is the
    site's configuration or WorkOS at fault (502), never the visitor's.
    """
    try:
        claims = verify_access_token(auth.access_token, from_workos=True)
    except InvalidAccessToken as exc:
        raise SignInRefused.because(exc, during=during) from None
    if claims.get("sub") != auth.user.id:
        raise SignInRefused.because(InvalidAccessToken("wrong_subject"), during=during)
    return claims


def provision(request: HttpRequest, auth: AuthenticationResponse, claims: dict[str, Any]) -> Any:
    """The Django user for ``auth.user``, through the site's AuthKit backend and the adapter.

    ``AUTHENTICATION_BACKENDS`` are walked in order, as ``authenticate()`` walks them.
    A backend that speaks AuthKit (has ``sign_in``) is asked for the user; the one that
    answers is remembered on the user for ``login()``. Any other backend listed before
    it that accepts these credentials is asked whether it vetoes the sign-in: one that
    raises ``PermissionDenied`` (django-axes' ``AxesStandaloneBackend`` for a
    locked-out client) refuses it (``locked_out``); a user it returns is ignored.
    Raises :class:`SignInRefused` with the rule's reason when one refuses (the e-mail
    rule, an inactive account, the adapter, a lockout).
    """
    for path in settings.AUTHENTICATION_BACKENDS:
        backend = load_backend(path)
        sign_in = getattr(backend, "sign_in", None)
        if sign_in is None:
            _ask_for_veto(request, backend, path, auth, claims)
            continue
        try:
            user = sign_in(request, auth.user, claims)
        except identity.IdentityRefused as exc:
            raise SignInRefused.identity(exc) from None
        if user is not None:
            user.backend = path
            return user
    raise SignInRefused(*identity.DEFAULT_REFUSAL)


def _ask_for_veto(
    request: HttpRequest, backend: Any, path: str, auth: AuthenticationResponse,
    claims: dict[str, Any],
) -> None:
    """Let a backend that is not AuthKit's refuse this sign-in, as ``authenticate()``
    would: only one whose ``authenticate`` accepts the credentials is asked."""
    credentials = {"workos_user": auth.user, "claims": claims}
    try:
        inspect.signature(backend.authenticate).bind(request, **credentials)
    except (TypeError, ValueError):
        return  # it does not take these credentials (Django skips it too)
    try:
        backend.authenticate(request, **credentials)
    except PermissionDenied:
        logger.info("%s refused a sign-in (a lockout).", path)
        raise SignInRefused.of(failures.LOCKED_OUT_FAILURE) from None


def sync_membership(user: Any, claims: dict[str, Any]) -> Any | None:
    """Mirror the role and permissions ``claims`` give ``user``; the organization's row."""
    membership = provisioning.sync_membership(user, claims)
    return membership.organization if membership else None


def finish(
    request: HttpRequest,
    auth: AuthenticationResponse,
    *,
    entry_point: str,
    organization_id: str | None = None,
    state: str | None = None,
    sender: Any = None,
    backend: str | None = None,
    on_success: Any = None,
    browser: bool = True,
    claims: dict[str, Any] | None = None,
) -> SignedIn:
    """Run the pipeline for ``auth``; raises :class:`SignInRefused` on refusal.

    ``entry_point`` (``"callback"``, ``"native"``, ``"api"``, ``"sso"``) is sent
    with ``signed_in``. ``organization_id`` is an explicit organization choice.
    ``claims`` are given instead of a token to verify only by the SSO-first path,
    whose identity comes from WorkOS's own SSO exchange (organization already set).
    ``browser``: log the user in and start the server-side session (API mode: no).
    """
    trusted = claims is not None
    try:
        claims = claims if claims is not None else verify(auth)
        user = provision(request, auth, claims)
        if not trusted:
            created = bool(getattr(user, "_authkit_created", False))
            auth, claims = assign_organization(
                auth, claims, organization_id, created=created, request=request
            )
    except SignInRefused as exc:
        refused(request, exc, auth, entry_point)
        raise
    organization = sync_membership(user, claims)
    if browser:
        login(request, user, backend=backend or user.backend)
        sessions.start(request, user, auth, claims, organization)
    if auth.organization_id != claims.get("org_id"):
        auth = _with_organization(auth, claims.get("org_id"))
    signals.signed_in.send(
        sender=sender, request=request, user=user, auth=auth, entry_point=entry_point
    )
    result = CallbackResult(
        user=auth.user,
        organization_id=claims.get("org_id") or auth.organization_id,
        authentication_method=auth.authentication_method,
        impersonator=auth.impersonator,
        oauth_tokens=auth.oauth_tokens,
        state=state,
        claims=dict(claims),
    )
    done = SignedIn(user, auth, claims, organization, result)
    hook = resolve_hook(on_success or authkit_settings.ON_SUCCESS)
    if hook is not None:
        done.hook_answer = hook(request, user, result)
    return done


def refused(
    request: HttpRequest, exc: SignInRefused, auth: AuthenticationResponse, entry_point: str
) -> None:
    """Django's ``user_login_failed`` for a sign-in the pipeline refused (safe fields only)."""
    failures.login_failed(request, exc.failure, {
        "workos_user_id": getattr(auth.user, "id", None),
        "email": getattr(auth.user, "email", None),
        "entry_point": entry_point,
    })


@dataclass
class Renewed:
    """Rotated tokens, verified, with their user and organization (:func:`renew`)."""

    user: Any
    auth: AuthenticationResponse
    claims: dict[str, Any]
    organization: Any | None


def renew(
    request: HttpRequest, auth: AuthenticationResponse, *, during: str = "a token rotation"
) -> Renewed:
    """The pipeline's steps for tokens a client rotated (API mode's ``api-refresh``).

    Verification, provisioning and membership sync as at sign-in, in the same
    order; a rotation is not a sign-in, so no organization is assigned, no session
    is started, and neither ``signed_in`` nor the ``on_success`` hook runs.
    Raises :class:`SignInRefused`.
    """
    claims = verify(auth, during=during)
    user = provision(request, auth, claims)
    return Renewed(user, auth, claims, sync_membership(user, claims))


def _with_organization(auth: AuthenticationResponse, org_id: str | None) -> AuthenticationResponse:
    try:
        return replace(auth, organization_id=org_id)
    except TypeError:  # not a dataclass: leave as is
        return auth


# -- organization assignment --------------------------------------------------------


def may_join(organization_id: str) -> bool:
    """May a brand-new user be put into ``organization_id`` at their first sign-in?

    The site default and the organizations listed in ``ASSIGNABLE_ORGANIZATIONS``
    only: a client naming an organization never joins it on its own say-so.
    """
    allowed = {str(o) for o in authkit_settings.ASSIGNABLE_ORGANIZATIONS or ()}
    if authkit_settings.DEFAULT_ORGANIZATION:
        allowed.add(str(authkit_settings.DEFAULT_ORGANIZATION))
    return organization_id in allowed


def assign_organization(
    auth: AuthenticationResponse,
    claims: dict[str, Any],
    organization_id: str | None,
    *,
    created: bool,
    request: HttpRequest | None = None,
) -> tuple[AuthenticationResponse, dict[str, Any]]:
    """Tokens for the organization the rule picks: explicit, else the site default.

    An explicit organization the user belongs to is switched into (WorkOS checks
    the membership); a brand-new user is first added to it when :func:`may_join`
    allows, else the sign-in is refused with ``organization_not_allowed``. Without
    an explicit choice a brand-new user without an organization joins
    ``DEFAULT_ORGANIZATION``; a failure there leaves them signed in without one.
    """
    current = claims.get("org_id")
    if organization_id:
        if organization_id == current:
            return auth, claims
        switched = _switch(auth, organization_id, request)
        if switched is None and created and may_join(organization_id):
            if _join(auth.user.id, organization_id):
                switched = _switch(auth, organization_id, request)
        if switched is None:
            raise SignInRefused(
                "organization_not_allowed", _("You are not a member of that organization."), 403
            )
        return switched
    default = authkit_settings.DEFAULT_ORGANIZATION
    if current or not created or not default:
        return auth, claims
    if _join(auth.user.id, str(default)):
        switched = _switch(auth, str(default), request)
        if switched is not None:
            return switched
        logger.warning("Could not refresh a new user's session into the default organization.")
    return auth, claims


def _switch(
    auth: AuthenticationResponse, organization_id: str, request: HttpRequest | None = None
) -> tuple[AuthenticationResponse, dict[str, Any]] | None:
    """Fresh tokens in ``organization_id``, or ``None`` when WorkOS refuses the move.

    The move is a refresh grant for the visitor signing in: it carries their IP and agent.
    """
    try:
        moved = get_workos().user_management.authenticate_with_refresh_token(
            refresh_token=auth.refresh_token, organization_id=organization_id,
            **client_info(request),
        )
    except WorkOSError as exc:
        failure = failures.report(exc, during="a move into an organization")
        if failure.kind == failures.REFUSED:
            return None
        raise SignInRefused(failure.code, failure.message, failure.status,
                            failure=failure) from None
    return moved, verify(moved)


def _join(workos_user_id: str, organization_id: str) -> bool:
    """Create the membership at WorkOS (the source of truth); False when refused."""
    try:
        get_workos().user_management.create_organization_membership(
            user_id=workos_user_id,
            organization_id=organization_id,
            role_slug=authkit_settings.DEFAULT_ROLE or None,
        )
    except WorkOSError as exc:
        logger.warning("Could not add a new user to an organization: %s", type(exc).__name__)
        return False
    return True


# -- the browser adapter ------------------------------------------------------------


def complete_sign_in(
    request: HttpRequest,
    auth: AuthenticationResponse,
    *,
    next_url: str | None = None,
    state: str | None = None,
    sender: Any = None,
    backend: str | None = None,
    on_success: Any = None,
    base_url: str | None = None,
    entry_point: str = "callback",
    organization_id: str | None = None,
) -> HttpResponse:
    """Sign the browser in as ``auth.user``; return the redirect (or the hook's response).

    ``next_url`` must already be a validated same-site path (``safe_next``);
    without it the ``LOGIN_REDIRECT_URL`` decides. ``state`` is the custom state
    handed to the ``on_success`` hook. Raises :class:`SignInRefused`.
    """
    done = finish(
        request, auth, entry_point=entry_point, organization_id=organization_id, state=state,
        sender=sender, backend=backend, on_success=on_success, browser=True,
    )
    target = safe_next(next_url, request) or after_sign_in_path()  # re-check at use
    chosen = done.hook_answer
    if isinstance(chosen, HttpResponse):
        chosen.setdefault("Referrer-Policy", "no-referrer")
        return chosen
    if isinstance(chosen, str):
        target = safe_next(chosen, request) or target
    base = base_url or authkit_settings.BASE_URL
    response = HttpResponseRedirect(str(base).rstrip("/") + target if base else target)
    response["Referrer-Policy"] = "no-referrer"
    return response

