"""The ``AUTHKIT`` settings, read lazily.

Every attribute of :data:`authkit_settings` is resolved when it is first used:
``settings.AUTHKIT[key]``, then the WorkOS environment variable of the same
meaning, then the default. Resolved values are kept until Django's
``setting_changed`` signal, which ``override_settings`` and pytest-django's
``settings`` fixture send, so the request hot path does not re-read settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver


@dataclass(frozen=True)
class Setting:
    """One documented key of the ``AUTHKIT`` dict."""

    name: str
    default: Any
    doc: str
    env: str | None = None
    kind: type = str


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


SETTINGS: tuple[Setting, ...] = (
    Setting("CLIENT_ID", None, "WorkOS client id (``client_…``).", "WORKOS_CLIENT_ID"),
    Setting("API_KEY", None, "WorkOS secret API key (``sk_…``).", "WORKOS_API_KEY"),
    Setting(
        "REDIRECT_URI",
        None,
        "Absolute callback URL registered at WorkOS. When unset it is built from the "
        "request (see ``BASE_URL``) and the ``authkit:callback`` URL.",
        "WORKOS_REDIRECT_URI",
    ),
    Setting("API_HOSTNAME", "api.workos.com", "WorkOS API host.", "WORKOS_API_HOSTNAME"),
    Setting("API_HTTPS", True, "Use https for the WorkOS API.", "WORKOS_API_HTTPS", bool),
    Setting(
        "API_PORT", None, "WorkOS API port, when not the scheme's default.", "WORKOS_API_PORT", int
    ),
    Setting(
        "API_BASE_URL",
        None,
        "Full API base URL; overrides the three ``API_*`` host parts when set.",
        "WORKOS_BASE_URL",
    ),
    Setting(
        "WEBHOOK_SECRET", None, "Secret of the WorkOS webhook endpoint.", "WORKOS_WEBHOOK_SECRET"
    ),
    Setting(
        "ISSUER",
        None,
        "Accepted ``iss`` of access tokens: a string or a list; a string (and "
        "``WORKOS_ISSUER``) is split on commas, as the official SDKs read it. When unset, "
        "the shapes WorkOS mints for this client are accepted: the bare API origin "
        "(legacy environments, with or without a trailing slash) and "
        "``<API origin>/user_management/<CLIENT_ID>``. Set it for a custom authentication "
        "domain or the ``/sso/<CLIENT_ID>`` shape; the issuer is never taken from the token "
        "and the signature is always checked against this client's own key set.",
        "WORKOS_ISSUER",
    ),
    Setting("JWT_LEEWAY", 5, "Seconds of clock skew tolerated on ``exp``/``iat``.", None, int),
    Setting("JWKS_CACHE_SECONDS", 300, "How long fetched signing keys are reused.", None, int),
    Setting(
        "JWKS_REFETCH_COOLDOWN",
        30,
        "Minimum seconds between two key fetches caused by an unknown ``kid`` in a bearer "
        "token. Tokens WorkOS itself returns (code exchange, refresh) are never held back.",
        None,
        int,
    ),
    Setting(
        "JWKS_TIMEOUT",
        3.0,
        "Seconds a JWKS fetch may take (its own short timeout; never retried or slept on "
        "inside a request).",
        None,
        float,
    ),
    Setting(
        "JWKS_FAILURE_BACKOFF",
        30,
        "Seconds after a failed JWKS fetch before any process tries again (at least the "
        "``Retry-After`` WorkOS sent, up to 300). Known keys keep serving meanwhile.",
        None,
        int,
    ),
    Setting("REQUEST_TIMEOUT", 10.0, "Seconds before a WorkOS API call is abandoned.", None, float),
    Setting(
        "MAX_RETRIES", 2, "Retries of idempotent WorkOS calls on 429/5xx/network errors.", None, int
    ),
    Setting(
        "RETRY_AFTER_MAX",
        10.0,
        "Upper bound in seconds on a honoured ``Retry-After``.",
        None,
        float,
    ),
    Setting(
        "STATE_TTL",
        600,
        "Seconds a sign-in attempt (state + PKCE verifier) stays valid.",
        None,
        int,
    ),
    Setting(
        "MAX_PENDING_SIGN_INS",
        5,
        "Pending sign-in attempts (one cookie each) kept per browser (parallel tabs).",
        None,
        int,
    ),
    Setting(
        "REFRESH_AHEAD",
        30,
        "Seconds before access-token expiry at which the middleware refreshes.",
        None,
        int,
    ),
    Setting(
        "REFRESH_WAIT",
        10.0,
        "Seconds a request waits for another request's refresh of the same session.",
        None,
        float,
    ),
    Setting(
        "IDLE_TIMEOUT",
        None,
        "Seconds of inactivity after which a session ends (``None``: no idle timeout).",
        None,
        int,
    ),
    Setting(
        "SESSION_MAX_AGE",
        None,
        "Seconds after sign-in at which a session ends however active (``None``: WorkOS decides).",
        None,
        int,
    ),
    Setting(
        "ACTIVITY_WRITE_INTERVAL",
        60,
        "Seconds between writes of a session's last activity (bounds idle-timeout precision).",
        None,
        int,
    ),
    Setting(
        "WEBHOOK_TOLERANCE",
        180,
        "Seconds a webhook signature's timestamp may differ from now (past or future).",
        None,
        int,
    ),
    Setting(
        "SYNC_DIRECTORY_USERS",
        False,
        "Provision Django users from ``dsync.user.*`` events (otherwise only signals are sent).",
        None,
        bool,
    ),
    Setting(
        "AUDIT_LOG",
        False,
        "Record sign-in, sign-out and organization switches as WorkOS audit log events.",
        None,
        bool,
    ),
    Setting(
        "ROLE_GROUPS",
        {},
        "WorkOS role slug to a list of Django group names the member gets "
        "(``{'admin': ['Editors']}``); removed when the role is.",
        None,
        dict,
    ),
    Setting("STAFF_ROLES", [], "WorkOS role slugs that make a user ``is_staff``.", None, list),
    Setting(
        "SUPERUSER_ROLES", [], "WorkOS role slugs that make a user ``is_superuser``.", None, list
    ),
    Setting(
        "STAFF_ORGANIZATIONS",
        [],
        "WorkOS organization ids (``org_…``) whose roles may map to staff, superuser and "
        "groups: ``STAFF_ROLES``, ``SUPERUSER_ROLES`` and ``ROLE_GROUPS`` count only active "
        "memberships in these organizations (usually the site operator's own). Empty: no "
        "role grants anything, and mapping roles is a system check error (``authkit.E130``): "
        "a customer organization's admin must never become the site's admin.",
        None,
        list,
    ),
    Setting(
        "DEFAULT_ORGANIZATION",
        None,
        "WorkOS organization id brand-new users without one join (a membership is created "
        "at WorkOS).",
    ),
    Setting(
        "DEFAULT_ROLE", None, "Role slug of that membership (WorkOS's default role when unset)."
    ),
    Setting(
        "ADAPTER",
        "django_authkit.adapter.DefaultAdapter",
        "Dotted path of the policy adapter (open sign-up, e-mail linking, role mapping).",
    ),
    Setting(
        "ADMIN_LOGIN_VIA_AUTHKIT",
        False,
        "Send ``/admin/login/`` through AuthKit instead of the password form.",
        None,
        bool,
    ),
    Setting("DEFAULT_PROVIDER", "authkit", "Provider used by ``sign-in`` when none is given."),
    Setting(
        "LOGIN_REDIRECT_URL",
        None,
        "Where to go after sign-in without ``next``. Default: Django's ``LOGIN_REDIRECT_URL``.",
    ),
    Setting(
        "LOGOUT_REDIRECT_URL",
        None,
        "Where WorkOS returns the browser after sign-out. Default: Django's "
        "``LOGOUT_REDIRECT_URL`` or ``/``.",
    ),
    Setting(
        "BASE_URL",
        None,
        "Public origin of the site (``https://example.com``) for absolute URLs behind proxies.",
    ),
    Setting(
        "CREATE_USERS", True, "Create a Django user on a WorkOS user's first sign-in.", None, bool
    ),
    Setting(
        "LINK_BY_EMAIL",
        False,
        "Link a first sign-in to an existing Django user with the same verified e-mail. "
        "Off by default: it trusts WorkOS's e-mail verification with your existing accounts.",
        None,
        bool,
    ),
    # -- callback options, also ``CallbackView.as_view(...)`` arguments ---------------
    Setting(
        "ON_SUCCESS",
        None,
        "Dotted path (or callable) ``on_success(request, user, auth)`` run after a browser "
        "sign-in; ``auth`` is a :class:`django_authkit.hooks.CallbackResult`. It may return "
        "an ``HttpResponse`` (sent instead of the redirect) or a same-site path to go to.",
        None,
        object,
    ),
    Setting(
        "ON_ERROR",
        None,
        "Dotted path (or callable) ``on_error(request, error)`` run when a callback fails; "
        "``error`` is a :class:`django_authkit.hooks.CallbackError`. Return an ``HttpResponse`` "
        "to replace the error page, or ``None`` to keep it.",
        None,
        object,
    ),
    Setting(
        "PROVIDERS",
        ["authkit"],
        "Providers listed by the sign-in page, ``{% authkit_providers %}`` and the "
        "``providers`` endpoint (only these are shown): ids (``authkit`` or any WorkOS "
        "``<Name>OAuth``: ``GoogleOAuth``, ``MicrosoftOAuth``, ``GitHubOAuth``, "
        "``GitLabOAuth``, ...) or dicts ``{'id': ..., 'name': ...}``. ``sign-in`` accepts "
        "any well-formed provider, listed here or not; see "
        ":ref:`the providers list <providers>`.",
        None,
        list,
    ),
    Setting(
        "SESSION_WARNING_TIME",
        None,
        "Seconds before an idle timeout at which clients should warn the user "
        "(an organization's ``warning_time`` overrides it); reported in ``sessionConfig``.",
        None,
        int,
    ),
    # -- API mode (SPAs and mobile apps) -------------------------------------------------
    Setting(
        "API_MODE",
        True,
        "Serve the token-returning ``api-callback`` and ``api-refresh`` endpoints.",
        None,
        bool,
    ),
    Setting(
        "API_REDIRECT_URIS",
        [],
        "Redirect URIs an API-mode client may report in ``redirect_uri`` (exact match), e.g. "
        "``['com.example.app://callback']``. A ``redirect_uri`` not listed is refused.",
        None,
        list,
    ),
    Setting(
        "API_REQUIRE_PKCE",
        True,
        "Refuse an ``api-callback`` without the client's PKCE ``codeVerifier`` (RFC 9700 2.1.1).",
        None,
        bool,
    ),
    Setting(
        "API_SSO_EXCHANGE_FIRST",
        False,
        "In ``api-callback``, try the SSO API's code exchange (``/sso/token``) first and fall "
        "back to AuthKit's: for clients that start enterprise SSO with ``/sso/authorize``.",
        None,
        bool,
    ),
    Setting(
        "ASSIGNABLE_ORGANIZATIONS",
        [],
        "WorkOS organization ids a brand-new user may be put into when the sign-in names "
        "one (API mode's ``organizationId``), besides ``DEFAULT_ORGANIZATION``. Any other "
        "named organization must already count the user as a member.",
        None,
        list,
    ),
    Setting(
        "API_SSO_TOKEN_LIFETIME",
        900,
        "Seconds the app token that API mode's SSO-first path answers stays valid (WorkOS "
        "gives that path no session to refresh; the client signs in again). It also ends "
        "with the user's sessions (``revoke_user_sessions()``, ``api-sign-out``) and with a "
        "``SECRET_KEY`` rotation, whatever ``SECRET_KEY_FALLBACKS`` holds.",
        None,
        int,
    ),
    Setting(
        "RECENT_AUTH_MAX_AGE",
        300,
        "Seconds a sign-in counts as recent for ``recent_auth_required`` (step-up) when the "
        "guard names no ``max_age``.",
        None,
        int,
    ),
    Setting(
        "ACCESS_TOKEN_ENDPOINT",
        False,
        "Serve ``authkit:access-token``: a fresh WorkOS access token for the signed-in "
        "browser (session + CSRF). Off: 404. Any script on your pages can then read it.",
        None,
        bool,
    ),
    Setting(
        "API_KEYS",
        False,
        "Authenticate ``Authorization: Bearer <WorkOS API key>`` (keys your customers "
        "create in WorkOS) by validating them through the WorkOS API.",
        None,
        bool,
    ),
    Setting(
        "API_KEY_CACHE_SECONDS",
        60,
        "Seconds a validated (or refused) API key is remembered in the Django cache, by its "
        "SHA-256; a revoked key keeps working at most this long.",
        None,
        int,
    ),
    Setting(
        "API_KEY_NEGATIVE_CACHE_SECONDS",
        10,
        "Seconds a value WorkOS refused as an API key is remembered (at most "
        "``API_KEY_CACHE_SECONDS``): a client repeating a bad key costs no WorkOS call, and "
        "random values leave no long-lived cache entries. New values are budgeted by the "
        "``api-key-validation`` scope of ``RATE_LIMITS``.",
        None,
        int,
    ),
    Setting(
        "INITIATE_LOGIN_PROVIDER",
        "authkit",
        "Provider a sign-in started from the WorkOS dashboard (``authkit:initiate-login``) "
        "goes to when the request names none.",
    ),
    # -- bearer tokens ---------------------------------------------------------------------
    Setting(
        "BEARER_TOKENS",
        True,
        "Authenticate requests carrying ``Authorization: Bearer <WorkOS access token>``.",
        None,
        bool,
    ),
    Setting(
        "BEARER_REJECT_INVALID",
        True,
        "Answer 401 JSON to an invalid bearer token (``False``: continue as anonymous, e.g. "
        "when another library also reads bearer tokens).",
        None,
        bool,
    ),
    Setting(
        "BEARER_PATHS",
        [],
        "URL path prefixes (``request.path_info``, e.g. ``['/api/']``) where the middleware "
        "authenticates ``Authorization: Bearer``. Elsewhere a view opts in with "
        "``@bearer_auth`` (or ``authkit_bearer = True`` on a class-based view), and Django "
        "REST Framework views with the classes of ``django_authkit.contrib.drf``. The "
        "Django admin and AuthKit's own pages never accept a bearer token, whatever this "
        "says; see :ref:`bearer-scope`.",
        None,
        list,
    ),
    Setting(
        "BEARER_CACHE_SIZE",
        2048,
        "Verified bearer tokens whose claims are kept in process (LRU, until ``exp``); "
        "keyed by a SHA-256 of the token, never the token. ``0`` disables the cache.",
        None,
        int,
    ),
    # -- rate limiting -----------------------------------------------------------------------
    Setting(
        "RATE_LIMITS",
        {"callback": "30/m", "api-callback": "30/m", "refresh": "30/m", "api-refresh": "60/m",
         "sign-in": "60/m", "api-key-validation": "30/m"},
        "Per-client limits (``'<count>/<s|m|h>'`` or ``None``) kept in the Django cache. "
        "``callback`` and ``api-callback`` count failed attempts (a successful one needs a "
        "real sign-in at WorkOS); ``refresh`` and ``api-refresh`` count every request; "
        "``sign-in`` counts sign-in starts (``sign-in``/``sign-up``) from browsers without a "
        "session yet, each of which would store a new session; ``api-key-validation`` counts "
        "bearer values WorkOS is asked to validate as API keys (``API_KEYS``; a cached answer "
        "costs nothing). A scope not named keeps its "
        "default; ``None`` for a scope turns it off; ``None`` or ``{}`` for the setting "
        "disables rate limiting.",
        None,
        dict,
    ),
    Setting(
        "RATE_LIMIT_CLIENT",
        None,
        "Dotted path of ``f(request) -> str`` naming the client a limit applies to. Default: "
        "the client IP (see ``TRUSTED_PROXY_COUNT``). Rate limits only: WorkOS and audit logs "
        "always get the client IP.",
    ),
    Setting(
        "TRUSTED_PROXY_COUNT",
        0,
        "How many proxies (load balancer, CDN, ingress) in front of the site append the "
        "address they received from to ``CLIENT_IP_HEADER``. ``0``: no proxy is trusted and "
        "the client IP is ``REMOTE_ADDR``. ``N``: the client IP is the ``N``-th entry from "
        "the right of that header (the one the outermost trusted proxy wrote); entries left "
        "of it are the client's own and are never read. A missing or shorter header, or an "
        "entry that is not an IP address, falls back to ``REMOTE_ADDR``. The one client IP is "
        "used by rate limits, the ``ip_address`` sent with every WorkOS ``authenticate`` call "
        "and audit-log events; see :ref:`behind-a-proxy`.",
        None,
        int,
    ),
    Setting(
        "CLIENT_IP_HEADER",
        "X-Forwarded-For",
        "The HTTP header the trusted proxies write the client address into, as an HTTP "
        "header name (``X-Forwarded-For``, ``X-Real-IP``: a single value, use it with "
        "``TRUSTED_PROXY_COUNT = 1``) or a ``request.META`` key (``HTTP_X_FORWARDED_FOR``). "
        "Read only when ``TRUSTED_PROXY_COUNT`` is above 0.",
    ),
    # -- native sign-in forms (headless AuthKit) ------------------------------------------
    Setting(
        "NATIVE_FORMS",
        False,
        "Serve the site's own sign-in pages (password, sign-up, magic code, e-mail "
        "verification, MFA, organization choice, password reset); see :doc:`native`. "
        "Off: those URLs answer 404.",
        None,
        bool,
    ),
    Setting(
        "NATIVE_SIGN_UP",
        True,
        "With ``NATIVE_FORMS``, offer the e-mail + password sign-up form.",
        None,
        bool,
    ),
    Setting(
        "NATIVE_PENDING_TTL",
        600,
        "Seconds a native sign-in step (e-mail code, MFA, organization choice) stays open.",
        None,
        int,
    ),
    Setting(
        "NATIVE_MAX_CODE_ATTEMPTS",
        5,
        "Wrong codes accepted in one native sign-in step before it must start again.",
        None,
        int,
    ),
    Setting(
        "NATIVE_RATE_LIMITS",
        {"client": "30/5m", "account": "10/15m", "account_ceiling": "100/15m", "send": "5/15m"},
        "Native forms' limits (``'<count>/<period>'`` or ``None``), in the Django cache: "
        "``client``: form submissions per client address; ``account``: failed passwords and "
        "codes per e-mail address and client address, reserved before WorkOS is asked; "
        "``account_ceiling``: failed passwords per e-mail address from all clients (password "
        "sign-in pauses, magic codes stay open; see :doc:`native`); ``send``: e-mails "
        "(codes, reset links) per address. "
        "A limit not named keeps its default; ``None`` (for one, or for the setting) is off.",
        None,
        dict,
    ),
    Setting(
        "NATIVE_TOTP_ISSUER",
        None,
        "Issuer shown in authenticator apps for TOTP factors enrolled through the native "
        "forms. Default: the request's host.",
    ),
    Setting(
        "WIDGET_SCOPES",
        [],
        "The WorkOS widget scopes (``widgets:users-table:manage``, ...) the ``widget-token`` "
        "endpoint may grant; a request asks for a subset. Empty: user-only widgets (profile, "
        "security, sessions) get tokens, organization widgets do not.",
        None,
        list,
    ),
    Setting(
        "INVITATION_PERMISSION",
        "members:invite",
        "The WorkOS permission slug (of the session's organization) that lets a user invite "
        "people into it, list, revoke and resend its invitations (``authkit:invitations``).",
    ),
    Setting(
        "INVITATION_ROLES",
        [],
        "Role slugs an inviter may give (a choice on the invitation form). Empty: no choice, "
        "WorkOS gives its default role.",
        None,
        list,
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def default_of(name: str) -> Any:
    """The documented default of an ``AUTHKIT`` key (for dict settings merged per key)."""
    return _BY_NAME[name].default


class AuthKitSettings:
    """Attribute access to the ``AUTHKIT`` settings with env fallbacks and defaults."""

    def __getattr__(self, name: str) -> Any:
        # Only reached on a first read: the value is then kept as an instance attribute,
        # so the hot path's later reads are plain attribute lookups (no Python call).
        try:
            return _resolved[name]
        except KeyError:
            value = _resolved[name] = self.__dict__[name] = self._resolve(name)
            return value

    def _resolve(self, name: str) -> Any:
        spec = _BY_NAME.get(name)
        if spec is None:
            raise AttributeError(f"Unknown AUTHKIT setting {name!r}")
        user = getattr(settings, "AUTHKIT", None) or {}
        if not isinstance(user, dict):
            raise ImproperlyConfigured("settings.AUTHKIT must be a dict.")
        if name in user:
            return user[name]
        if spec.env:
            raw = os.environ.get(spec.env)
            if raw not in (None, ""):
                return _coerce(spec, raw)
        return spec.default

    @property
    def api_base_url(self) -> str:
        """The WorkOS API origin, without a trailing slash."""
        base = self.API_BASE_URL
        if base:
            return str(base).rstrip("/")
        scheme = "https" if self.API_HTTPS else "http"
        port = self.API_PORT
        host = self.API_HOSTNAME
        return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"

    @cached_property
    def issuers(self) -> frozenset[str]:
        """Every ``iss`` an access token may carry (computed once, like resolved settings).

        Kept in the instance ``__dict__``, which ``setting_changed`` clears.
        """
        return frozenset(self.issuer_list)

    @cached_property
    def issuer_list(self) -> tuple[str, ...]:
        """The accepted issuers in a stable order, for messages (``ISSUER`` or the defaults)."""
        explicit = split_issuers(self.ISSUER)
        return explicit or default_issuers(self.api_base_url, self.CLIENT_ID)

    @property
    def issuer(self) -> str:
        """The first accepted issuer (the per-client shape by default), for callers needing one.

        Verification accepts every one of :attr:`issuers`.
        """
        explicit = split_issuers(self.ISSUER)
        return explicit[0] if explicit else f"{self.api_base_url}/user_management/{self.CLIENT_ID}"


def split_issuers(value: Any) -> tuple[str, ...]:
    """``ISSUER`` as a tuple: strings split on commas, trimmed, empties and repeats dropped.

    The official SDKs read ``WORKOS_ISSUER`` this way (a Next.js front end may share
    the value); a list given in settings may hold comma-separated strings too.
    """
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value) if _iterable(value) else [value]
    found: list[str] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if part and part not in found:
                found.append(part)
    return tuple(found)


def _iterable(value: Any) -> bool:
    return isinstance(value, list | tuple | set | frozenset)


def default_issuers(api_base_url: str, client_id: Any) -> tuple[str, ...]:
    """The issuer shapes WorkOS mints for ``client_id`` on the API at ``api_base_url``.

    The bare origin (legacy environments; Convex's docs spell it with a trailing
    slash) and ``/user_management/<client_id>`` (environments created since mid-2025).
    Accepting several is safe: the signature must still verify against this
    client's own JWKS, which is what binds a token to this client.
    """
    origin = api_base_url.rstrip("/")
    return (f"{origin}/user_management/{client_id}", origin, f"{origin}/")


def _coerce(spec: Setting, raw: str) -> Any:
    if spec.kind is bool:
        return _bool(raw)
    if spec.kind in (int, float):
        try:
            return spec.kind(raw)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{spec.env}={raw!r} is not a number.") from exc
    return raw


_resolved: dict[str, Any] = {}


@receiver(setting_changed)
def _forget_resolved(**kwargs: Any) -> None:
    """Any settings change (``override_settings``, tests) may change resolved values."""
    _resolved.clear()
    authkit_settings.__dict__.clear()


authkit_settings = AuthKitSettings()
