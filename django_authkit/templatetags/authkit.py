"""``{% load authkit %}``: sign-in/sign-up links, providers and the sign-out form."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from django_authkit.models import Membership
from django_authkit.sessions import widgets
from django_authkit.signin import start as flow
from django_authkit.signin.providers import configured_providers
from django_authkit.workos import failures

register = template.Library()
logger = logging.getLogger("django_authkit.templatetags")


def _with_next(
    url_name: str, context: template.Context, next_url: str | None, extra: dict[str, str]
) -> str:
    request = context.get("request")
    params = dict(extra)
    target = next_url if next_url is not None else (request.get_full_path() if request else None)
    if target and request is not None and flow.safe_next(target, request):
        params["next"] = target
    url = reverse(url_name)
    return f"{url}?{urlencode(params)}" if params else url


@register.simple_tag(takes_context=True)
def authkit_sign_in_url(context: template.Context, next: str | None = None, **extra: str) -> str:
    """URL that signs in and comes back to ``next`` (default: the current page)."""
    return _with_next("authkit:sign-in", context, next, extra)


@register.simple_tag(takes_context=True)
def authkit_sign_up_url(context: template.Context, next: str | None = None, **extra: str) -> str:
    """Like ``authkit_sign_in_url``, opening AuthKit's sign-up screen."""
    return _with_next("authkit:sign-up", context, next, extra)


@register.inclusion_tag("authkit/sign_out_form.html", takes_context=True)
def authkit_sign_out_form(
    context: template.Context,
    label: str = "",
    next: str | None = None,
    css_class: str = "",
) -> dict[str, Any]:
    """A POST form with the CSRF token: signing out is a state change."""
    return {
        "label": label or gettext("Sign out"),
        "next": next,
        "css_class": css_class,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.inclusion_tag("authkit/impersonation_banner.html", takes_context=True)
def authkit_impersonation_banner(context: template.Context) -> dict[str, Any]:
    """A banner, with a sign-out button, while a WorkOS admin impersonates the user."""
    request = context.get("request")
    authkit = getattr(request, "authkit", None)
    return {
        "impersonator": authkit.impersonator if authkit else None,
        "user": getattr(request, "user", None),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.simple_tag(takes_context=True)
def authkit_providers(context: template.Context, next: str | None = None) -> list[dict[str, str]]:
    """The configured providers: ``{% authkit_providers as providers %}``.

    Each has ``id``, ``name``, ``type`` and ``sign_in_url`` (a GET link that
    returns to ``next``, default the current page). To start each by a
    CSRF-protected POST instead, post ``provider`` (and ``next``) to
    ``{% url 'authkit:sign-in' %}``, as ``authkit/sign_in.html`` does.
    """

    return [
        {
            "id": p.id,
            "name": p.name,
            "type": p.type,
            "sign_in_url": _with_next("authkit:sign-in", context, next, {"provider": p.id}),
        }
        for p in configured_providers()
    ]


# -- the organization switcher (issue 26) ---------------------------------------------------


@register.inclusion_tag("authkit/organization_switcher.html", takes_context=True)
def authkit_organization_switcher(
    context: template.Context, next: str | None = None, label: str | None = None,
) -> dict[str, Any]:
    """The user's active memberships as a form POSTing to ``switch-organization``.

    The current organization (``request.authkit.organization_id``) is marked with
    ``aria-current``; each other one is a submit button (keyboard: Tab, Enter). The
    list is the mirror's (``Membership`` rows with status ``active``); when WorkOS asks
    for a new sign-in (SSO, MFA) the switch view sends the browser there.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    authkit = getattr(request, "authkit", None)
    memberships: list[Any] = []
    if authkit and user is not None and user.is_authenticated:
        memberships = list(
            Membership.objects.filter(user=user, status="active")
            .select_related("organization").order_by("organization__name", "organization_id")
        )
    current = authkit.organization_id if authkit else None
    target = next if next is not None else (request.get_full_path() if request else None)
    return {
        "memberships": memberships,
        "current": current,
        "next": target if target and request is not None and flow.safe_next(target, request)
        else "",
        "label": label or _("Organization"),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


# -- template gates: the WorkOS session's claims (issue 26) ---------------------------------


def _authkit(value: Any) -> Any:
    """``request.authkit`` from whatever the template passes: it, or the request."""
    return getattr(value, "authkit", value)


def _claim(value: Any, name: str) -> list[str]:
    found = getattr(_authkit(value), name, None) or []
    return [str(v) for v in found] if isinstance(found, list | tuple | set | frozenset) else []


@register.filter
def has_permission(value: Any, slug: str) -> bool:
    """``{% if request.authkit|has_permission:"posts:write" %}``: a WorkOS permission
    of the session's active organization (from the verified access token)."""
    return bool(value) and str(slug) in _claim(value, "permissions")


@register.filter
def has_role(value: Any, slug: str) -> bool:
    """``{% if request.authkit|has_role:"admin" %}``: the session's role (or one of its roles)."""
    authkit = _authkit(value)
    if not authkit:
        return False
    return str(slug) in {*_claim(authkit, "roles"), str(getattr(authkit, "role", "") or "")}


@register.filter
def has_feature(value: Any, slug: str) -> bool:
    """``{% if request.authkit|has_feature:"beta-dashboard" %}``: a WorkOS feature flag."""
    return bool(value) and str(slug) in _claim(value, "feature_flags")


@register.filter
def has_entitlement(value: Any, slug: str) -> bool:
    """``{% if request.authkit|has_entitlement:"audit-logs" %}``: a WorkOS entitlement."""
    return bool(value) and str(slug) in _claim(value, "entitlements")


# -- WorkOS widgets (issue 26) ----------------------------------------------------------------


@register.simple_tag(takes_context=True)
def authkit_widget_token(context: template.Context, *scopes: str) -> str:
    """``{% authkit_widget_token "widgets:users-table:manage" as token %}``: a widget token.

    For the session's own user and organization, with scopes the site allows
    (``WIDGET_SCOPES``) and the role carries; no scopes: a user-only token. ``""`` when
    refused or WorkOS is unavailable (logged). The token is a bearer credential: the
    page must not be cached (``never_cache``); fetching it from ``authkit:widget-token``
    keeps it out of the HTML.
    """
    request = context.get("request")
    if request is None:
        return ""
    try:
        return widgets.mint(request, scopes).token
    except failures.Refusal as exc:
        logger.info("No widget token for this page: %s.", exc.failure.code)
        return ""
