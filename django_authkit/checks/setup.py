"""System checks for the misconfigurations that otherwise surface as a failed sign-in."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from django_authkit.backends import AuthKitBackend
from django_authkit.conf import authkit_settings

MIDDLEWARE = "django_authkit.middleware.AuthKitMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
BACKEND = "django_authkit.backends.AuthKitBackend"


@register(Tags.security, "authkit")
def check_credentials(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if not authkit_settings.CLIENT_ID:
        messages.append(
            Error(
                _("The WorkOS client id is not set."),
                hint=_("Set AUTHKIT['CLIENT_ID'] or the WORKOS_CLIENT_ID environment variable."),
                id="authkit.E001",
            )
        )
    if not authkit_settings.API_KEY:
        messages.append(
            Error(
                _("The WorkOS API key is not set."),
                hint=_("Set AUTHKIT['API_KEY'] or the WORKOS_API_KEY environment variable."),
                id="authkit.E002",
            )
        )
    for name, value in (("CLIENT_ID", authkit_settings.CLIENT_ID),
                        ("API_KEY", authkit_settings.API_KEY)):
        if is_placeholder(value):
            messages.append(
                Error(
                    _("AUTHKIT[%(name)s] = %(value)s is a placeholder from the documentation; "
                      "WorkOS refuses it, so every sign-in would fail.")
                    % {"name": repr(name), "value": repr(value)},
                    hint=_("Copy the client id (client_01…) and secret API key (sk_test_… or "
                           "sk_live_…) of your environment from the WorkOS dashboard (API Keys), "
                           "or point the site at the emulator (see the quickstart's offline "
                           "settings)."),
                    id="authkit.E008",
                )
            )
    if not authkit_settings.REDIRECT_URI and not authkit_settings.BASE_URL:
        messages.append(
            Warning(
                _("No WorkOS redirect URI is set; it will be built from each request's Host "
                  "header."),
                hint=_("Set AUTHKIT['REDIRECT_URI'] (or WORKOS_REDIRECT_URI) to the callback URL "
                       "registered in the WorkOS dashboard, or AUTHKIT['BASE_URL']."),
                id="authkit.W003",
            )
        )
    if authkit_settings.LINK_BY_EMAIL:
        messages.append(
            Warning(
                _("AUTHKIT['LINK_BY_EMAIL'] is on: a first WorkOS sign-in with a verified "
                  "e-mail takes over the existing Django account with that e-mail."),
                hint=_("Only enable this if every sign-in method in your WorkOS environment "
                       "verifies e-mail ownership. Silence with SILENCED_SYSTEM_CHECKS = "
                       "['authkit.W007']."),
                id="authkit.W007",
            )
        )
    return messages


#: Values the documentation and examples show in place of real credentials.
_PLACEHOLDER = re.compile(
    r"[.…<>{}\s]|your|changeme|placeholder|xxx"  # client_..., sk_…, <client id>, your_key
    r"|^(client|sk|sk_test|sk_live)_(0|12|123|1234|12345|123456|id|key|secret|example)$",
    re.IGNORECASE,
)


def is_placeholder(value: object) -> bool:
    """Whether a credential is one of the documentation's stand-ins (``client_...``)."""
    return isinstance(value, str) and bool(value) and bool(_PLACEHOLDER.search(value))


@register(Tags.compatibility, "authkit")
def check_middleware_and_backend(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    middleware = list(getattr(settings, "MIDDLEWARE", []) or [])
    if MIDDLEWARE not in middleware:
        messages.append(
            Error(
                _("%(middleware)s is not in MIDDLEWARE.") % {"middleware": MIDDLEWARE},
                hint=_("Add it right after %(middleware)s.") % {"middleware": AUTH_MIDDLEWARE},
                id="authkit.E004",
            )
        )
    elif AUTH_MIDDLEWARE not in middleware or middleware.index(AUTH_MIDDLEWARE) > middleware.index(
        MIDDLEWARE
    ):
        messages.append(
            Error(
                _("%(middleware)s must come after %(auth)s.")
                % {"middleware": MIDDLEWARE, "auth": AUTH_MIDDLEWARE},
                hint=_("It needs request.session and request.user; move it below."),
                id="authkit.E005",
            )
        )
    if not any(_is_authkit_backend(path) for path in
               list(getattr(settings, "AUTHENTICATION_BACKENDS", []) or [])):
        messages.append(
            Error(
                _("%(backend)s (or a subclass) is not in AUTHENTICATION_BACKENDS.")
                % {"backend": BACKEND},
                hint=_("Add it so users signed in through WorkOS stay signed in."),
                id="authkit.E006",
            )
        )
    return messages


def _is_authkit_backend(path: str) -> bool:
    """``AuthKitBackend`` or a site's subclass of it (which the sign-in logs users in with)."""
    if path == BACKEND:
        return True
    try:
        backend = import_string(path)
    except ImportError:
        return False  # Django's own check reports a backend that does not import
    return isinstance(backend, type) and issubclass(backend, AuthKitBackend)


#: The API key the emulator answers to by default (``python -m django_authkit.emulator``,
#: ``manage.py authkit_emulator``, the example project's offline settings).
EMULATOR_API_KEY = "sk_test_emulator"


@register(Tags.security, "authkit", deploy=True)
def check_production_api(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``check --deploy``: a production site (``DEBUG = False``) talks to the real WorkOS."""
    if settings.DEBUG:
        return []
    messages: list[CheckMessage] = []
    base = authkit_settings.api_base_url
    parts = urlsplit(base)
    if parts.scheme != "https" and not _is_loopback(parts.hostname or ""):
        messages.append(
            Error(
                _("The WorkOS API base %(base)s is plain http on a non-loopback host: the API "
                  "key, codes and tokens would cross the network unencrypted, to a server that "
                  "may not be WorkOS (the emulator signs in anyone).") % {"base": repr(base)},
                hint=_("In production use https://api.workos.com (the default) or your https "
                       "custom domain: unset AUTHKIT['API_BASE_URL'] / WORKOS_BASE_URL, or set "
                       "API_HTTPS = True."),
                id="authkit.E011",
            )
        )
    if authkit_settings.API_KEY == EMULATOR_API_KEY:
        messages.append(
            Error(
                _("AUTHKIT['API_KEY'] is the WorkOS emulator's key (%(key)s) while DEBUG is "
                  "off: this site is set up to trust the offline emulator, which lets anyone "
                  "sign in as any user.") % {"key": repr(EMULATOR_API_KEY)},
                hint=_("Set the secret API key (sk_live_…) of your WorkOS environment, e.g. "
                       "through WORKOS_API_KEY, and point the site at WorkOS."),
                id="authkit.E012",
            )
        )
    return messages


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
