"""Guards for views: an active organization, a WorkOS role, or a WorkOS permission.

Anonymous users are sent to sign in (as ``@login_required`` does); signed-in
users who fall short get ``authkit/forbidden.html`` with status 403, which says
what is missing. For WorkOS permissions use Django's own
``@permission_required("widgets:write")``: the backend answers WorkOS slugs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from django_authkit.conf import authkit_settings
from django_authkit.models import Organization
from django_authkit.sessions.bearer import OPT_IN
from django_authkit.signin.start import authorization_url
from django_authkit.web.responses import WorkOSRedirect, json_error, wants_json

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

View = TypeVar("View", bound=Callable[..., HttpResponse])


def forbidden(request: HttpRequest, message: StrOrPromise, code: str) -> HttpResponse:
    org_id = getattr(getattr(request, "authkit", None), "organization_id", None)
    # The page names the organization as people know it; the id only if it is not mirrored.
    name = (Organization.objects.filter(workos_id=org_id).values_list("name", flat=True).first()
            if org_id else None)
    return render(
        request,
        "authkit/forbidden.html",
        {"title": _("Access denied"), "message": message, "code": code,
         "organization_name": name or org_id},
        status=403,
    )


def _check(request: HttpRequest, *, organizations: tuple[str, ...] = (),
           roles: tuple[str, ...] = ()) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    authkit = getattr(request, "authkit", None)
    org_id = getattr(authkit, "organization_id", None)
    if not org_id:
        return forbidden(request, _("This page needs an active organization."),
                         "organization_required")
    if organizations and org_id not in organizations:
        return forbidden(request, _("This page is not available in your current organization."),
                         "organization_not_allowed")
    if roles:
        have = set(getattr(authkit, "roles", None) or []) | {getattr(authkit, "role", None)}
        if not have & set(roles):
            return forbidden(request, _("This page needs one of these roles: %(roles)s.")
                             % {"roles": ", ".join(roles)},
                             "role_required")
    return None


def organization_required(view: View | None = None, *, organizations: tuple[str, ...] = ()) -> Any:
    """Require an active WorkOS organization (optionally one of ``organizations``)."""

    def decorate(func: View) -> View:
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return _check(request, organizations=organizations) or func(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


def role_required(*roles: str) -> Callable[[View], View]:
    """Require one of ``roles`` (WorkOS role slugs) in the active organization."""
    if not roles:
        raise ValueError("role_required needs at least one role slug")

    def decorate(func: View) -> View:
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return _check(request, roles=roles) or func(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


class OrganizationRequiredMixin:
    """Class-based form of :func:`organization_required`."""

    required_organizations: tuple[str, ...] = ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        denied = _check(request, organizations=self.required_organizations)
        return denied or super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class RoleRequiredMixin:
    """Class-based form of :func:`role_required`; set ``required_roles``."""

    required_roles: tuple[str, ...] = ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        denied = _check(request, roles=self.required_roles)
        return denied or super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


# -- step-up: a recent sign-in ---------------------------------------------------------


def needs_recent_auth(request: HttpRequest, max_age: int | None = None) -> HttpResponse | None:
    """``None`` when the user authenticated within ``max_age`` seconds, else the response.

    A browser is sent through WorkOS again with ``max_age`` (WorkOS asks for the
    credentials again) and comes back to this page; a JSON caller, or a request
    that cannot be replayed (POST), gets ``401 reauthentication_required`` with
    the ``authorizationUrl`` to send the user to.
    """

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    limit = int(authkit_settings.RECENT_AUTH_MAX_AGE if max_age is None else max_age)
    authkit = getattr(request, "authkit", None)
    auth_time = getattr(authkit, "auth_time", None)
    if auth_time is not None and time.time() - auth_time <= limit:
        return None
    return reauthenticate(request, max_age=limit)


def reauthenticate(request: HttpRequest, **options: Any) -> HttpResponse:
    """Send the user to sign in again (``options`` for the authorization URL) and back."""

    replayable = request.method in ("GET", "HEAD")
    back = request.get_full_path() if replayable else str(options.pop("next", "") or "")
    email = getattr(request.user, "email", "") or None
    url = authorization_url(request, back, login_hint=email, **options)
    if wants_json(request) or not replayable:
        return json_error(
            "reauthentication_required", _("Sign in again to continue."), 401,
            authorizationUrl=url,
        )
    return WorkOSRedirect(url)


def recent_auth_required(view: View | None = None, *, max_age: int | None = None) -> Any:
    """Require a sign-in within ``max_age`` seconds (``RECENT_AUTH_MAX_AGE``): step-up.

    Like authkit-nextjs's ``checkRecentAuth``: put it on views that change a
    password, show a secret or move money.
    """

    def decorate(func: View) -> View:
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return needs_recent_auth(request, max_age) or func(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


class RecentAuthRequiredMixin:
    """Class-based form of :func:`recent_auth_required`; set ``recent_auth_max_age``."""

    recent_auth_max_age: int | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        denied = needs_recent_auth(request, self.recent_auth_max_age)
        return denied or super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


# -- bearer tokens: only where a view asks for them ---------------------------------------


def bearer_auth(view: View) -> View:
    """Let ``Authorization: Bearer`` (a WorkOS access token, an app token, an API key with
    ``API_KEYS``) authenticate requests to this view, without cookies or CSRF.

    The middleware authenticates bearer tokens only for views marked so (and paths
    under ``BEARER_PATHS``); a session cookie keeps working as usual. Put it outermost
    or anywhere: the mark survives ``functools.wraps``.
    """
    setattr(view, OPT_IN, True)
    return view


class BearerAuthMixin:
    """Class-based form of :func:`bearer_auth` (sets ``authkit_bearer = True``)."""

    authkit_bearer = True
