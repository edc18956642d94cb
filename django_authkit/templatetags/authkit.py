"""``{% load authkit %}``: sign-in/sign-up links, providers and the sign-out form."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import gettext

from django_authkit.signin import start as flow
from django_authkit.signin.providers import configured_providers

register = template.Library()


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
