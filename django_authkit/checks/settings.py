"""System checks for settings that are present but wrong (typos, types, paths, URLs).

A wrong value otherwise surfaces only at the first sign-in (a 500, a rate limit
that silently turns off, or every token refused for its issuer). Ids
``authkit.E1xx`` / ``authkit.W1xx``; each message names the fix.
"""

from __future__ import annotations

import difflib
import os
import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.http.request import validate_host
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from django_authkit.conf import SETTINGS, Setting, authkit_settings, default_of, split_issuers
from django_authkit.core.ratelimit import Rate
from django_authkit.signin.providers import PROVIDERS, accepts

DOTTED = ("ADAPTER", "ON_SUCCESS", "ON_ERROR", "RATE_LIMIT_CLIENT")
#: The limits each rate setting knows: the keys of its documented default.
RATE_SCOPES = {name: tuple(default_of(name)) for name in ("RATE_LIMITS", "NATIVE_RATE_LIMITS")}
SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
#: An HTTP header name (RFC 9110 token) or its ``request.META`` key.
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


def _user() -> dict[str, Any]:
    value = getattr(settings, "AUTHKIT", None) or {}
    return value if isinstance(value, dict) else {}


@register(Tags.compatibility, "authkit")
def check_setting_names_and_types(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    raw = getattr(settings, "AUTHKIT", None)
    if raw is not None and not isinstance(raw, dict):
        return [Error(_("settings.AUTHKIT must be a dict."), hint="AUTHKIT = {...}",
                      id="authkit.E100")]
    known = [s.name for s in SETTINGS]
    for key in _user():
        if key not in known:
            close = difflib.get_close_matches(str(key).upper(), known, n=1, cutoff=0.6)
            hint = (_("Did you mean %(name)s?") % {"name": repr(close[0])} if close
                    else _("See the settings reference."))
            messages.append(Error(_("AUTHKIT[%(key)s] is not a setting; it is ignored.")
                                  % {"key": repr(key)}, hint=hint, id="authkit.E101"))
    for spec in SETTINGS:
        try:
            value = getattr(authkit_settings, spec.name)
        except ImproperlyConfigured as exc:  # a malformed environment variable
            messages.append(Error(str(exc), hint=_("Fix %(variable)s.") % {"variable": spec.env},
                                  id="authkit.E102"))
            continue
        problem = _type_problem(spec, value)
        if problem:
            messages.append(Error(problem % {"name": repr(spec.name), "value": repr(value)},
                                  hint=_("Set it to %(expected)s.") % {"expected": _expected(spec)},
                                  id="authkit.E102"))
    return messages


def _type_problem(spec: Setting, value: Any) -> str | None:
    """The whole sentence (``%(name)s``, ``%(value)s``), so each language can order it."""
    if value is None:
        if spec.default is None or spec.kind in (list, dict):
            return None
        return _("AUTHKIT[%(name)s] = %(value)s must be set.")
    if spec.kind is bool and not isinstance(value, bool):
        return _("AUTHKIT[%(name)s] = %(value)s is not True or False.")
    if spec.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        return _("AUTHKIT[%(name)s] = %(value)s is not a whole number.")
    if spec.kind is float and (isinstance(value, bool) or not isinstance(value, int | float)):
        return _("AUTHKIT[%(name)s] = %(value)s is not a number.")
    if spec.kind is list and not isinstance(value, list):
        return _("AUTHKIT[%(name)s] = %(value)s is not a list.")
    if spec.kind is dict and not isinstance(value, dict):
        return _("AUTHKIT[%(name)s] = %(value)s is not a dict.")
    return None


def _expected(spec: Setting) -> str:
    names = {bool: _("True or False"), int: _("a whole number"), float: _("a number (seconds)"),
             list: _("a list"), dict: _("a dict")}
    expected = names.get(spec.kind, _("a string"))
    return _("%(expected)s or None") % {"expected": expected} if spec.default is None else expected


@register(Tags.compatibility, "authkit")
def check_dotted_paths_and_providers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for name in DOTTED:
        value = _safe(name)
        if isinstance(value, str) and value:
            try:
                import_string(value)
            except ImportError as exc:
                messages.append(Error(_("AUTHKIT[%(name)s] = %(value)s cannot be imported: "
                                        "%(error)s")
                                      % {"name": repr(name), "value": repr(value), "error": exc},
                                      hint=_("Give the dotted path of an importable object "
                                             "(module.attribute)."), id="authkit.E103"))

    entries = _safe("PROVIDERS")
    entries = entries if isinstance(entries, list) else []
    ids = [e.get("id") if isinstance(e, dict) else e for e in entries]
    default = _safe("DEFAULT_PROVIDER")
    for pid in [*ids, *([default] if default else [])]:
        if not (isinstance(pid, str) and accepts(pid)):
            messages.append(Error(_("Unknown AuthKit provider %(provider)s.")
                                  % {"provider": repr(pid)},
                                  hint=_("Use 'authkit' or a WorkOS '<Name>OAuth' provider "
                                         "(%(providers)s, ...) in AUTHKIT['PROVIDERS'] and "
                                         "AUTHKIT['DEFAULT_PROVIDER'].")
                                  % {"providers": ", ".join(sorted(PROVIDERS - {"authkit"}))},
                                  id="authkit.E104"))
    return messages


@register(Tags.security, "authkit")
def check_rate_limits(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:

    messages: list[CheckMessage] = []
    for name, scopes in RATE_SCOPES.items():
        limits = _safe(name)
        if not isinstance(limits, dict):
            continue  # None turns limiting off; other types are E102
        for scope, value in limits.items():
            if scope not in scopes:
                messages.append(Error(_("AUTHKIT[%(name)s] names unknown limit %(scope)s; "
                                        "it limits nothing.")
                                      % {"name": repr(name), "scope": repr(scope)},
                                      hint=_("Known limits: %(limits)s.")
                                      % {"limits": ", ".join(scopes)},
                                      id="authkit.E105"))
            elif value is not None:
                try:
                    Rate.parse(str(value))
                except ValueError:
                    messages.append(Error(_("AUTHKIT[%(name)s][%(scope)s] = %(value)s is not a "
                                            "rate; that limit is off.")
                                          % {"name": repr(name), "scope": repr(scope),
                                             "value": repr(value)},
                                          hint=_("Use '<count>/<s|m|h|d>' (e.g. '30/m') or None "
                                                 "for AUTHKIT[%(name)s].") % {"name": repr(name)},
                                          id="authkit.E105"))
    return messages


@register(Tags.security, "authkit")
def check_urls(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    base = _safe("BASE_URL")
    if base:
        parts = urlsplit(str(base))
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or (
            parts.path not in ("", "/") or parts.fragment
        ):
            messages.append(Error(_("AUTHKIT['BASE_URL'] = %(value)s is not an origin.")
                                  % {"value": repr(base)},
                                  hint=_("Use scheme and host only, e.g. 'https://example.com'."),
                                  id="authkit.E106"))
    uri = _safe("REDIRECT_URI")
    if not uri:
        return messages
    parts = urlsplit(str(uri))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        messages.append(Error(_("AUTHKIT['REDIRECT_URI'] = %(value)s is not an absolute URL.")
                              % {"value": repr(uri)},
                              hint=_("Use the full callback URL registered at WorkOS, e.g. "
                                     "'https://example.com/auth/callback/'."), id="authkit.E107"))
        return messages
    try:
        route = reverse("authkit:callback")
    except NoReverseMatch:
        route = None
    if route and not parts.path.endswith(route):
        messages.append(Error(_("AUTHKIT['REDIRECT_URI'] = %(value)s is not the callback route "
                                "(%(route)s); WorkOS would send sign-ins elsewhere.")
                              % {"value": repr(uri), "route": route},
                              hint=_("Set its path to %(route)s (and register that URL at "
                                     "WorkOS).") % {"route": route},
                              id="authkit.E107"))
    host = (parts.hostname or "").lower()
    loopback = host in LOOPBACK or host.endswith(".localhost")
    if parts.scheme == "http" and not settings.DEBUG and not loopback:
        messages.append(Warning(_("AUTHKIT['REDIRECT_URI'] = %(value)s is plain http while "
                                  "DEBUG is off: authorization codes would cross the network "
                                  "unencrypted.") % {"value": repr(uri)},
                                hint=_("Use an https:// redirect URI in production."),
                                id="authkit.W108"))
    return messages


@register(Tags.compatibility, "authkit")
def check_session_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if SESSION_MIDDLEWARE in list(getattr(settings, "MIDDLEWARE", []) or []):
        return []
    return [Error(_("%(middleware)s is not in MIDDLEWARE; AuthKit keeps its sign-in state "
                    "and tokens in the session.") % {"middleware": SESSION_MIDDLEWARE},
                  hint=_("Add it before AuthenticationMiddleware."), id="authkit.E109")]


def _per_process_cache() -> str | None:
    backend = str((getattr(settings, "CACHES", {}) or {}).get("default", {}).get("BACKEND", ""))
    return backend if backend in PER_PROCESS_CACHES else None


def _cache_warning(backend: str) -> Warning:
    return Warning(_("The default cache (%(backend)s) lives in one process: with several "
                     "worker processes, single-flight refresh, signing keys, revocation marks "
                     "and rate limits are not shared.") % {"backend": backend},
                   hint=_("Use a shared cache (Redis, Memcached or the database cache) for "
                          "CACHES['default']."), id="authkit.W110")


@register(Tags.caches, "authkit")
def check_cache_for_several_processes(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Several processes announced by ``WEB_CONCURRENCY`` (gunicorn, uvicorn, Heroku)."""
    backend = _per_process_cache()
    return [_cache_warning(backend)] if backend and _processes() > 1 else []


@register(Tags.caches, "authkit", deploy=True)
def check_cache_for_deployment(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``check --deploy``: production usually runs several processes."""
    backend = _per_process_cache()
    if backend is None or _processes() > 1:
        return []  # nothing to say, or already said by the check above
    return [_cache_warning(backend)]


@register(Tags.security, "authkit")
def check_issuers_and_hosts(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Hosts that disagree make every sign-in fail (``wrong_issuer``, ``state_mismatch``)."""
    return [*_issuer_problems(), *_redirect_host_problems()]


def _issuer_problems() -> list[CheckMessage]:
    value = _safe("ISSUER")
    if value is None or value == "":
        return []
    if not isinstance(value, str) and not (
        isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    ):
        return [Error(_("AUTHKIT['ISSUER'] = %(value)s is not a string or a list of strings.")
                      % {"value": repr(value)},
                      hint=_("Set it to the issuer your WorkOS environment mints, or a list "
                             "of them (a comma-separated string works too)."), id="authkit.E102")]
    try:
        api = urlsplit(authkit_settings.api_base_url)
    except ValueError:
        return []
    wrong = [i for i in split_issuers(value) if _other_host_by_mistake(urlsplit(i), api)]
    if not wrong:
        return []
    return [Warning(
        _("AUTHKIT['ISSUER'] names %(issuers)s but the WorkOS API is %(api)s: tokens from that "
          "API never carry such an issuer, so every sign-in would fail with wrong_issuer.")
        % {"issuers": ", ".join(map(repr, wrong)), "api": repr(authkit_settings.api_base_url)},
        hint=_("Use the same host in both (localhost and 127.0.0.1 are different names), or "
               "leave ISSUER unset to accept the issuers WorkOS mints for this API and client. "
               "Only a custom authentication domain needs an issuer on another host."),
        id="authkit.W112")]


def _other_host_by_mistake(issuer: Any, api: Any) -> bool:
    """An issuer on another origin than the API that cannot be a custom domain.

    A custom authentication domain is the one legitimate other host; an issuer on a
    loopback name, or on a WorkOS API host while the API is elsewhere, is a typo or a
    leftover (``localhost`` vs ``127.0.0.1``, an emulator vs ``api.workos.com``).
    """
    try:
        same = (issuer.hostname, issuer.port) == (api.hostname, api.port)
        host, api_host = issuer.hostname or "", api.hostname or ""
    except ValueError:  # a malformed port
        return True
    if same or not host:
        return False
    return _loopback(host) or _loopback(api_host) or host == "workos.com" or host.endswith(
        ".workos.com")


def _loopback(host: str) -> bool:
    return host in LOOPBACK or host.endswith(".localhost")


def _redirect_host_problems() -> list[CheckMessage]:

    uri = _safe("REDIRECT_URI")
    try:
        host = urlsplit(str(uri)).hostname if uri else None
    except ValueError:
        return []
    if not host:
        return []  # E107 reports a REDIRECT_URI that is not absolute
    allowed = list(getattr(settings, "ALLOWED_HOSTS", []) or [])
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]  # what Django allows then
    if validate_host(f"[{host}]" if ":" in host else host, allowed):
        return []
    return [Warning(_("The host of AUTHKIT['REDIRECT_URI'] (%(host)s) is not in ALLOWED_HOSTS: "
                      "Django refuses the callback WorkOS sends the browser to (400), so every "
                      "sign-in would fail.") % {"host": host},
                    hint=_("Add %(host)s to ALLOWED_HOSTS, or use the site's own host in "
                           "REDIRECT_URI (and register it in the WorkOS dashboard).")
                    % {"host": repr(host)},
                    id="authkit.W113")]


def _processes() -> int:
    try:
        return int(os.environ.get("WEB_CONCURRENCY", "1") or 1)
    except ValueError:
        return 1


def _safe(name: str) -> Any:
    """A setting's value; ``None`` where reading it fails (E102 reports that)."""
    try:
        return getattr(authkit_settings, name)
    except ImproperlyConfigured:
        return None


# -- the client IP behind a proxy ----------------------------------------------------------


def _behind_a_proxy() -> list[str]:
    """The Django settings that say a proxy sits in front of the site."""
    found = []
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        found.append("SECURE_PROXY_SSL_HEADER")
    for name in ("USE_X_FORWARDED_HOST", "USE_X_FORWARDED_PORT"):
        if getattr(settings, name, False) is True:
            found.append(name)
    return found


@register(Tags.security, "authkit")
def check_client_ip_behind_a_proxy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Behind a proxy, ``REMOTE_ADDR`` is the proxy: one client for every visitor."""
    messages: list[CheckMessage] = []
    count = _safe("TRUSTED_PROXY_COUNT")
    header = _safe("CLIENT_IP_HEADER")
    if isinstance(count, int) and not isinstance(count, bool) and count < 0:
        messages.append(Error(_("AUTHKIT['TRUSTED_PROXY_COUNT'] = %(value)s is negative.")
                              % {"value": repr(count)},
                              hint=_("Set it to the number of proxies in front of the site "
                                     "that append to CLIENT_IP_HEADER, or 0 for none."),
                              id="authkit.E121"))
    if header is not None and not (isinstance(header, str) and HEADER_NAME.match(header.strip())):
        messages.append(Error(_("AUTHKIT['CLIENT_IP_HEADER'] = %(value)s is not an HTTP header "
                                "name.") % {"value": repr(header)},
                              hint=_("Name the header your proxy writes the client address "
                                     "into, e.g. 'X-Forwarded-For' or 'X-Real-IP'."),
                              id="authkit.E121"))
    proxied = _behind_a_proxy()
    if proxied and not count and not _safe("RATE_LIMIT_CLIENT"):
        says = (_("%(setting)s says the site runs behind a proxy")
                if len(proxied) == 1 else _("%(setting)s say the site runs behind a proxy"))
        messages.append(Warning(_("%(says)s, but AUTHKIT['TRUSTED_PROXY_COUNT'] is 0, so the "
                                  "client IP is the proxy's: rate limits count every visitor as "
                                  "one client (one abuser locks everyone out), and WorkOS "
                                  "sessions, Radar and audit logs see the proxy's address.")
                                % {"says": says % {"setting": " and ".join(proxied)}},
                                hint=_("Set AUTHKIT['TRUSTED_PROXY_COUNT'] to the number of "
                                       "proxies that append to X-Forwarded-For (and "
                                       "CLIENT_IP_HEADER if they use another header); or name "
                                       "your own client function in RATE_LIMIT_CLIENT."),
                                id="authkit.W120"))
    return messages


# -- multi-tenant sites: which organizations' roles grant power -----------------------------


@register(Tags.security, "authkit")
def check_role_mapping_names_organizations(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """Roles mapped to staff, superuser or groups with no organization named (E130)."""
    mapped = [name for name in ("STAFF_ROLES", "SUPERUSER_ROLES", "ROLE_GROUPS") if _safe(name)]
    organizations = _safe("STAFF_ORGANIZATIONS")
    if not mapped or (isinstance(organizations, list) and organizations):
        return []
    return [Error(_("AUTHKIT[%(setting)s] maps WorkOS roles to Django power but "
                    "AUTHKIT['STAFF_ORGANIZATIONS'] names no organization: on a site that serves "
                    "several organizations, the admin of any customer organization would become "
                    "staff or superuser of the whole site (every user in the admin, every "
                    "organization's Admin Portal). Until an organization is named, those roles "
                    "grant nothing.") % {"setting": repr(mapped[0])},
                  hint=_("Set AUTHKIT['STAFF_ORGANIZATIONS'] to the WorkOS organization id(s) "
                         "of the site operator, e.g. ['org_01H...'] (roles in other "
                         "organizations are ignored), or remove %(settings)s.")
                  % {"settings": ", ".join(mapped)}, id="authkit.E130")]


@register(Tags.security, "authkit")
def check_widget_scopes(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``WIDGET_SCOPES`` lists WorkOS widget scopes (``widgets:…``), nothing else."""
    scopes = _safe("WIDGET_SCOPES")
    if not isinstance(scopes, list | tuple):
        return []  # the type check (E102) names it
    bad = [s for s in scopes if not (isinstance(s, str) and s.startswith("widgets:"))]
    if not bad:
        return []
    return [Error(_("AUTHKIT['WIDGET_SCOPES'] has %(scopes)s, which are not widget scopes.")
                  % {"scopes": repr(bad)},
                  hint=_("List WorkOS widget scopes, e.g. 'widgets:users-table:manage'."),
                  id="authkit.E260")]
