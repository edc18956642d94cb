"""``Authorization: Bearer <WorkOS access token>``: authentication for API clients.

The token is verified like any access token (RS256 against the WorkOS JWKS,
an accepted issuer, expiry; see :mod:`django_authkit.tokens`). Verified claims are
kept in a bounded in-process LRU until the token's ``exp``, keyed by the
SHA-256 of the token (the token itself is never stored or logged), so a client
repeating its token pays one dictionary lookup instead of an RSA verification.
The Django user is the one linked to the token's ``sub`` (one query); a WorkOS
user never provisioned here (no browser sign-in, no ``api-callback``) is refused.

Used by :class:`~django_authkit.middleware.AuthKitMiddleware` and by
:class:`django_authkit.contrib.drf.AuthKitBearerAuthentication`. The middleware
counts a bearer token only where the site opted in (:func:`accepted_for`): a view
marked ``authkit_bearer`` (``@bearer_auth``) or a path under ``BEARER_PATHS``; never
the Django admin or AuthKit's own pages, so a stolen token cannot drive them
without the session cookie and its CSRF check.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
import weakref
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.urls import Resolver404, URLResolver, get_resolver, get_urlconf
from django.utils.translation import gettext_lazy as _

from django_authkit.conf import authkit_settings
from django_authkit.sessions import api_keys as api_key_auth
from django_authkit.sessions.data import hot_data
from django_authkit.sessions.state import AuthKitState
from django_authkit.tokens import app_tokens
from django_authkit.tokens.verify import InvalidAccessToken, KeysUnavailable, verify_access_token

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger("django_authkit.bearer")
_verified: OrderedDict[bytes, tuple[dict[str, Any], float, frozenset[str]]] = OrderedDict()
_lock = threading.Lock()


#: RFC 6750 §3's challenge; its description is the stable code, never a translated text.
CHALLENGE = 'Bearer error="invalid_token", error_description="{code}"'


@dataclass(frozen=True)
class BearerFailure:
    """Why a bearer token was refused: a stable ``code``, a message, an HTTP status."""

    code: str
    message: StrOrPromise
    status: int = 401
    retry_after: int = 5

    def headers(self) -> dict[str, str]:
        """``WWW-Authenticate`` for a refused token (RFC 6750 §3), else ``Retry-After``."""
        if self.status == 401:
            return {"WWW-Authenticate": CHALLENGE.format(code=self.code)}
        return {"Retry-After": str(self.retry_after)}


INVALID = BearerFailure("invalid_token", _("The access token is invalid."))
EXPIRED = BearerFailure("token_expired", _("The access token has expired; refresh it."))
UNKNOWN_USER = BearerFailure("unknown_user", _("No account here is linked to this token's user."))
INACTIVE = BearerFailure("account_not_allowed", _("This account cannot sign in to this site."))
UNAVAILABLE = BearerFailure(
    "authentication_unavailable", _("Signing keys are unavailable; retry shortly."), 503
)


class BearerAuthKitState(AuthKitState):
    """``request.authkit`` of a bearer-authenticated request (no Django session involved)."""

    via = "bearer"

    def __init__(self, request: Any, hot: dict[str, Any], token: str, user_pk: Any) -> None:
        super().__init__(request, hot)
        self._token = token
        self.user_pk = user_pk

    def get_access_token(self) -> str | None:
        """The bearer token of this request (the client refreshes it, not the server)."""
        return self._token


#: The attribute (on a view function or class) that opts a view in or out of bearer tokens.
OPT_IN = "authkit_bearer"


def accepted_for(request: HttpRequest) -> bool:
    """Whether the middleware may authenticate this request by its bearer token.

    In order: never for the Django admin (any ``AdminSite``); a view's own
    ``authkit_bearer`` (``True``: ``@bearer_auth``; ``False``: never); never for
    AuthKit's own views that do not set it; else when ``request.path_info`` starts
    with one of ``BEARER_PATHS``.
    """
    path = request.path_info
    urlconf = getattr(request, "urlconf", None)
    resolver = get_resolver(urlconf if urlconf is not None else get_urlconf())
    if len(path) <= REMEMBERED_PATH_LENGTH:
        decided = _remembered_view_decision(resolver, path)
    else:
        decided = _view_decision(resolver, path)
    if decided is not None:
        return decided
    prefixes = authkit_settings.BEARER_PATHS or ()
    return any(path.startswith(str(prefix)) for prefix in prefixes)


def _view_decision(resolver: URLResolver, path: str) -> bool | None:
    """What the view at ``path`` decides (``None``: nothing; ``BEARER_PATHS`` then do)."""
    try:
        match = resolver.resolve(path)
    except Resolver404:
        return None
    if "admin" in match.app_names:
        return False
    view = getattr(match.func, "view_class", None)
    opted = getattr(view, OPT_IN, None) if view is not None else None
    if opted is None:
        opted = getattr(match.func, OPT_IN, None)
    if opted is not None:
        return bool(opted)
    if "authkit" in match.app_names:
        return False
    return None


#: Resolving a URL costs about as much as the rest of a bearer request, and Django
#: resolves it again for the view; a path's decision depends only on the URLconf, so
#: it is remembered per resolver (a changed URLconf is a new resolver) for this many
#: paths, each at most ``REMEMBERED_PATH_LENGTH`` characters long.
REMEMBERED_VIEW_DECISIONS = 1024
REMEMBERED_PATH_LENGTH = 512
_remembered_view_decision = functools.lru_cache(maxsize=REMEMBERED_VIEW_DECISIONS)(_view_decision)


def token_from(request: HttpRequest) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or ``None``.

    Remembers which request carried it, so :func:`authenticate` can charge an API-key
    validation to that request's client when its caller passes no ``request``.
    """
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    _carrier.set((token, weakref.ref(request)) if token else None)
    return token or None


_carrier: ContextVar[tuple[str, weakref.ref[HttpRequest]] | None] = ContextVar(
    "authkit_bearer", default=None
)


def _request_of(token: str, request: HttpRequest | None) -> HttpRequest | None:
    if request is None:
        carried = _carrier.get()
        request = carried[1]() if carried is not None and carried[0] == token else None
    return request


def verify(token: str) -> dict[str, Any]:
    """Verified claims of ``token`` (cached until ``exp``), or raise InvalidAccessToken."""
    if app_tokens.is_app_token(token):
        return app_tokens.verify(token)
    size = int(authkit_settings.BEARER_CACHE_SIZE)
    if size <= 0:
        return verify_access_token(token)
    issuers = authkit_settings.issuers  # a claim verified under other issuers is re-checked
    key = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
    now = time.time()
    with _lock:
        entry = _verified.get(key)
        if entry is not None:
            if entry[1] > now and entry[2] == issuers:
                _verified.move_to_end(key)
                return entry[0]
            del _verified[key]
    claims = verify_access_token(token)
    with _lock:
        _verified[key] = (claims, float(claims["exp"]), issuers)
        while len(_verified) > size:
            _verified.popitem(last=False)
    return claims


def clear_cache() -> None:
    """Forget every verified token in this process."""
    with _lock:
        _verified.clear()


class ApiKeyAuthKitState(BearerAuthKitState):
    """``request.authkit`` of a request authenticated by a WorkOS API key."""

    via = "api_key"

    @property
    def api_key(self) -> dict[str, Any]:
        """``id``, ``name`` and ``owner_type`` of the key (never its value)."""
        return dict(self._hot.get("api_key") or {})

    @property
    def user_id(self) -> str:
        return str(self._hot.get("sub") or "")

    @property
    def session_id(self) -> str:
        return ""

    @property
    def expires_at(self) -> int:
        return 0


OVER_BUDGET = _(
    "Too many API keys to validate from this client; retry after Retry-After seconds."
)
INVALID_KEY = BearerFailure("invalid_api_key", _("The API key is invalid, expired or revoked."))


def authenticate(
    token: str, request: HttpRequest | None = None
) -> tuple[Any, dict[str, Any]] | BearerFailure:
    """``(django user, claims)`` for a valid token, else the :class:`BearerFailure`.

    ``request`` (default: the one :func:`token_from` read ``token`` from) is the client
    an API-key validation is charged to.
    """
    if (
        authkit_settings.API_KEYS
        and not app_tokens.is_app_token(token)
        and api_key_auth.looks_like_api_key(token)
    ):
        return authenticate_api_key(token, request)
    if app_tokens.is_app_token(token):
        return authenticate_app_token(token)
    try:
        claims = verify(token)
    except KeysUnavailable:
        return UNAVAILABLE
    except InvalidAccessToken as exc:
        return EXPIRED if exc.reason == "expired" else INVALID
    # The user through its link, one query and one model: ``select_related().first()`` on
    # the link cost a first-seen request more than the token's RSA verification.
    user_model = get_user_model()
    try:
        user = user_model._default_manager.get(workos__workos_id=claims["sub"])
    except user_model.DoesNotExist:
        return UNKNOWN_USER
    if not user.is_active:
        return INACTIVE
    return user, claims


def authenticate_app_token(token: str) -> tuple[Any, dict[str, Any]] | BearerFailure:
    """An app token: its session row (one query) must still be active, its user too."""
    try:
        user, claims = app_tokens.authenticate(token)
    except InvalidAccessToken as exc:
        return EXPIRED if exc.reason == "expired" else INVALID
    return (user, claims) if user.is_active else INACTIVE


def authenticate_api_key(
    token: str, request: HttpRequest | None = None
) -> tuple[Any, dict[str, Any]] | BearerFailure:
    try:
        key = api_key_auth.validated(token, _request_of(token, request))
    except api_key_auth.OverBudget as exc:
        return BearerFailure("rate_limited", OVER_BUDGET, 429, exc.retry_after)
    except api_key_auth.WorkOSError as exc:
        logger.warning("Could not validate an API key with WorkOS: %s", type(exc).__name__)
        return UNAVAILABLE
    if key is None:
        return INVALID_KEY
    user = api_key_auth.principal(key)
    if user is None:
        return UNKNOWN_USER
    if not user.is_active:
        return INACTIVE
    return user, api_key_auth.claims_for(key)


def state_for(request: HttpRequest, token: str, user: Any, claims: dict[str, Any]) -> AuthKitState:
    """The ``request.authkit`` of a request authenticated by ``token``."""

    if "api_key" in claims:
        # An organization key's user is not in the database: bind its permissions to a
        # pk no real user has, never to whoever a session cookie might name.
        pk = user.pk if user.pk is not None else f"api_key:{claims['api_key']['id']}"
        return ApiKeyAuthKitState(request, dict(claims), token, pk)

    act = claims.get("act")
    impersonator = {"email": act.get("sub"), "reason": None} if isinstance(act, dict) else None
    return BearerAuthKitState(request, hot_data(claims, impersonator), token, user.pk)
