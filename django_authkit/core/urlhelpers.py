"""Absolute URLs for redirects sent to WorkOS, honouring ``BASE_URL`` behind proxies."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse

from django_authkit.conf import authkit_settings


def absolute(request: HttpRequest, path: str) -> str:
    base = authkit_settings.BASE_URL
    if base:
        return str(base).rstrip("/") + path
    return request.build_absolute_uri(path)


def redirect_uri(request: HttpRequest) -> str:
    """The callback URL sent to WorkOS; it must be registered there."""
    return str(authkit_settings.REDIRECT_URI or absolute(request, reverse("authkit:callback")))


def after_sign_in_path() -> str:
    return str(resolve_url(authkit_settings.LOGIN_REDIRECT_URL or settings.LOGIN_REDIRECT_URL))


def after_sign_out_path() -> str:
    target = authkit_settings.LOGOUT_REDIRECT_URL or settings.LOGOUT_REDIRECT_URL or "/"
    return str(resolve_url(target))
