"""Starting a sign-in: state, PKCE, return paths and the authorization URL.

:func:`authorization_url` is the one place a sign-in starts (every starter calls it).

A sign-in attempt is a one-time ``state`` bound to the browser by a cookie of its
own (:mod:`django_authkit.signin.pending`: encrypted, short-lived, single-use),
carrying the PKCE verifier, the validated return path and the host it started on;
a start writes no session row. Several attempts may be pending at once (sign-in
started in several tabs); each is consumed once.

A callback whose ``state`` matches no attempt of this browser is refused
(``state_mismatch``). So that "try again" can keep ``next`` and DEBUG can say why
(the callback arrived on another host than the sign-in started on, whose cookies
the browser does not send there), each start also leaves a short-lived
breadcrumb in the cache, keyed by a hash of the state: the host and ``next`` only.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, QueryDict
from django.urls import Resolver404, get_script_prefix, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from django_authkit.conf import authkit_settings
from django_authkit.core.urlhelpers import redirect_uri
from django_authkit.signin import pending as pending_cookies
from django_authkit.workos import get_workos

logger = logging.getLogger("django_authkit.flow")

BREADCRUMB = "authkit:flow-start:"
MAX_NEXT_LENGTH = 2048
MAX_PENDING_CEILING = 50  # whatever the setting says, one browser's store stays small


class FlowError(Exception):
    """A callback that cannot be matched to a sign-in this browser started.

    ``next_url``: the sign-in's return path when known, for "try again";
    ``debug_hint``: in DEBUG, the likely cause and its fix.
    """

    def __init__(
        self, code: str, message: str, *, next_url: str | None = None, debug_hint: str = ""
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.next_url = next_url
        self.debug_hint = debug_hint


@dataclass
class PendingSignIn:
    """What the callback needs to finish the sign-in it belongs to."""

    state: str
    code_verifier: str
    next_url: str
    created_at: float = field(default_factory=time.time)
    extra: dict[str, Any] = field(default_factory=dict)


def pkce_pair() -> tuple[str, str]:
    """Return ``(verifier, S256 challenge)`` per RFC 7636 (43-char verifier)."""
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


class PendingTooLarge(FlowError):
    """The return path and custom state together do not fit in the attempt's cookie."""


def begin(
    request: HttpRequest, next_url: str, extra: dict[str, Any] | None = None
) -> tuple[PendingSignIn, str]:
    """Start a pending sign-in in its own cookie; return it and its PKCE challenge.

    A return path too long to travel in the cookie is dropped (the callback's default
    return path applies); a custom state too long for it raises :class:`PendingTooLarge`.
    """
    verifier, challenge = pkce_pair()
    pending = PendingSignIn(
        state=secrets.token_urlsafe(32),
        code_verifier=verifier,
        next_url=next_url,
        extra=dict(extra or {}),
    )
    host = _host(request)
    path = pending_path(request)
    entry = {"s": pending.state, "v": pending.code_verifier, "n": pending.next_url,
             "t": pending.created_at, "x": pending.extra, "h": host}
    try:
        pending_cookies.remember(request, entry, path)
    except pending_cookies.TooLarge:
        pending.next_url = entry["n"] = ""  # the default return path rather than no sign-in
        logger.info("A sign-in's return path is too long to keep; it returns to the default.")
        try:
            pending_cookies.remember(request, entry, path)
        except pending_cookies.TooLarge:
            raise PendingTooLarge(
                "invalid_request",
                _("The state given to this sign-in is too long. Please start again with "
                  "a shorter one."),
            ) from None
    _leave_breadcrumb(pending.state, host, pending.next_url)
    others = pending_cookies.live(request, path)
    limit = min(max(1, int(authkit_settings.MAX_PENDING_SIGN_INS)), MAX_PENDING_CEILING)
    for name in sorted(others, key=lambda n: others[n]["t"])[: max(0, len(others) + 1 - limit)]:
        pending_cookies.forget(request, name, str(others[name].get("p") or path))
    return pending, challenge


def has_pending(request: HttpRequest) -> bool:
    """Whether this browser holds a live pending sign-in (a cookie that opens)."""
    return bool(pending_cookies.live(request, pending_path(request)))


def pending_path(request: HttpRequest) -> str:
    """The cookie path of attempts started here: the directory this start and the
    callback share."""
    return pending_cookies.cookie_path(request, urlsplit(redirect_uri(request)).path or "/")


#: The authorization-URL options that pick where the visitor signs in.
SELECTORS = ("provider", "organization_id", "connection_id")


def authorization_url(
    request: HttpRequest, next_url: str | None, *, extra: dict[str, Any] | None = None,
    **options: Any,
) -> str:
    """The WorkOS authorization URL of a new sign-in returning to ``next_url``.

    The one place a sign-in starts, for every starter (``sign-in``, ``sign-up``,
    ``initiate-login``, provider routes, step-up, an organization's
    re-authentication): a one-time ``state`` bound to this browser with its PKCE
    verifier (:func:`begin`), the return path validated with :func:`safe_next`, and
    ``options`` for ``get_authorization_url`` (``organization_id``, ``max_age``,
    ``login_hint``, ``screen_hint``...; ``None`` values are left out). Without a
    selector the provider is ``DEFAULT_PROVIDER``. ``extra`` is kept with the pending
    sign-in for its callback (the custom ``state`` of the ``on_success`` hook).
    Raises what the client raises (``WorkOSError``, ``ImproperlyConfigured``).
    """
    pending, challenge = begin(request, safe_next(next_url, request) or "", extra=extra)
    if not any(options.get(k) for k in SELECTORS):
        options["provider"] = authkit_settings.DEFAULT_PROVIDER
    return str(
        get_workos().user_management.get_authorization_url(
            redirect_uri=redirect_uri(request),
            state=pending.state,
            code_challenge=challenge,
            code_challenge_method="S256",
            **{k: v for k, v in options.items() if v is not None},
        )
    )


def complete(request: HttpRequest, state: str | None) -> PendingSignIn:
    """Consume the pending sign-in named by ``state`` or raise :class:`FlowError`."""
    if not state:
        raise FlowError("state_missing", _("The sign-in response carried no state."))
    entry = pending_cookies.take(request, state) if len(state) <= 128 else None
    if entry is None:
        started = _breadcrumb(state)
        raise FlowError(
            "state_mismatch",
            _("This sign-in was not started in this browser, was already used, or has expired."),
            next_url=safe_next(started.get("n"), request) if started else None,
            debug_hint=host_mismatch(request, started) if settings.DEBUG else "",
        )
    verifier, next_url = entry.get("v"), entry.get("n", "")
    if not isinstance(verifier, str) or not _VERIFIER.match(verifier) or not isinstance(
        next_url, str
    ):  # never send an empty or made-up verifier to WorkOS
        raise FlowError(
            "state_corrupt", _("This sign-in could not be resumed. Please start again.")
        )
    return PendingSignIn(
        state=state,
        code_verifier=verifier,
        next_url=safe_next(next_url, request) or "",
        created_at=entry["t"],
        extra=entry.get("x") or {},
    )


def _host(request: HttpRequest) -> str:
    try:
        return request.get_host()
    except Exception:  # DisallowedHost: nothing to compare with
        return ""


def _breadcrumb_key(state: str) -> str:
    return BREADCRUMB + hashlib.sha256(state.encode()).hexdigest()[:40]


def _leave_breadcrumb(state: str, host: str, next_url: str) -> None:
    """Where a sign-in started and where it returns to, for a callback that lost its session."""
    try:
        cache.set(_breadcrumb_key(state), {"h": host, "n": next_url},
                  timeout=max(1, int(authkit_settings.STATE_TTL)))
    except Exception:  # a cache outage must not stop a sign-in
        logger.warning("Could not record where a sign-in started.", exc_info=True)


def _breadcrumb(state: str) -> dict[str, Any] | None:
    if len(state) > 128:
        return None
    try:
        found = cache.get(_breadcrumb_key(state))
    except Exception:
        return None
    return found if isinstance(found, dict) else None


def host_mismatch(request: HttpRequest, started: dict[str, Any] | None) -> str:
    """In DEBUG: why no pending sign-in matched, when a host mismatch explains it.

    Browsers keep cookies per host, so a sign-in started on ``127.0.0.1`` whose
    callback comes back to ``localhost`` (``REDIRECT_URI``) finds no session there.
    """
    here = _host(request)
    redirect_host = urlsplit(str(authkit_settings.REDIRECT_URI or "")).netloc
    began = str(started.get("h") or "") if started else ""
    if not began:  # another attempt of this browser may say where sign-ins start
        attempts = pending_cookies.live(request, "/").values()
        began = next((str(e.get("h")) for e in attempts if e.get("h")), "")
    if began and began != here:
        return _(
            "This sign-in started on %(start)s but the callback arrived on %(here)s. Browsers "
            "keep the session cookie per host, so the pending sign-in is not sent to "
            "%(here)s. Use one host: browse the site on %(here)s, or set "
            "AUTHKIT['REDIRECT_URI'] to the host you browse (%(start)s) and register it "
            "with WorkOS."
        ) % {"start": began, "here": here}
    if redirect_host and redirect_host != here:
        return _(
            "The callback arrived on %(here)s but AUTHKIT['REDIRECT_URI'] names "
            "%(redirect)s. Use one host: set REDIRECT_URI to the host you browse."
        ) % {"here": here, "redirect": redirect_host}
    return ""


def safe_next(value: str | None, request: HttpRequest) -> str | None:
    """Return ``value`` as a same-site path with its dot segments resolved, else ``None``.

    Only paths are accepted (``/dashboard?tab=1``): no scheme, no host, no
    protocol-relative ``//`` or ``/\\`` forms, no control, whitespace or
    bidi/format characters, nothing over ``MAX_NEXT_LENGTH``. The path is resolved
    as a browser resolves it (``.``/``..`` segments, also percent-encoded ones such
    as ``%2e%2e``) before deciding: a resolved path that starts with ``//`` (or an
    encoded ``/``/``\\`` after the first slash) is refused, and so are the app's own
    sign-in, callback and sign-out endpoints (anything in the ``authkit`` namespace).
    Call it again wherever a stored value is used: it is cheap and idempotent.
    """
    if not value or len(value) > MAX_NEXT_LENGTH:
        return None
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    for ch in value:
        if ch.isspace() or ch == "\\" or unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}:
            return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return None
    resolved = resolve_dot_segments(value)
    path = resolved.split("?", 1)[0].split("#", 1)[0]
    decoded = unquote(path)
    if path.startswith("//") or decoded.startswith(("//", "/\\")) or "\x00" in decoded:
        return None
    if is_own_endpoint(decoded, request):
        return None
    return resolved


_SINGLE_DOT = {".", "%2e"}
_DOUBLE_DOT = {"..", ".%2e", "%2e.", "%2e%2e"}


def resolve_dot_segments(value: str) -> str:
    """``value`` (a path, maybe with ``?query`` and ``#fragment``) with ``.``/``..`` removed.

    The WHATWG URL Standard's path parsing: ``%2e`` counts as a dot (any case), a
    ``..`` never climbs above the root, and a trailing dot segment leaves a slash.
    """
    cut = min((i for i in (value.find("?"), value.find("#")) if i >= 0), default=len(value))
    path, rest = value[:cut], value[cut:]
    segments = path.split("/")[1:]
    out: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        lowered = segment.lower()
        if lowered in _DOUBLE_DOT:
            if out:
                out.pop()
            if last:
                out.append("")
        elif lowered in _SINGLE_DOT:
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out) + rest


def is_own_endpoint(path: str, request: HttpRequest) -> bool:
    """Whether ``path`` (decoded) names one of this app's views (namespace ``authkit``)."""
    prefix = get_script_prefix()
    if prefix != "/" and path.startswith(prefix):
        path = "/" + path[len(prefix):]
    urlconf = getattr(request, "urlconf", None)
    for candidate in (path, path if path.endswith("/") else path + "/"):
        try:
            match = resolve(candidate, urlconf)
        except Resolver404:
            continue
        if "authkit" in match.app_names or "authkit" in match.namespaces:
            return True
    return False


#: An authorization code as RFC 6749 allows it (``VSCHAR``, no space), bounded.
_CODE = re.compile(r"^[\x21-\x7e]{1,512}$")
#: A PKCE verifier as RFC 7636 §4.1 defines it.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
#: Callback parameters that must appear at most once (RFC 6749 §3.1).
SINGLE_PARAMS = ("code", "state", "error", "error_description", "error_uri")


def callback_input_error(params: QueryDict) -> FlowError | None:
    """What is wrong with a callback's query before anything is looked up, or ``None``.

    RFC 6749 §3.1: parameters MUST NOT appear more than once; a repeated ``state``
    or ``code`` is refused instead of letting one of them win. A ``code`` must be
    printable ASCII of a bounded length: anything else never reaches WorkOS.
    """
    for name in SINGLE_PARAMS:
        if len(params.getlist(name)) > 1:
            return FlowError(
                "invalid_request", _("The sign-in response repeated %(name)s.") % {"name": name}
            )
    code = params.get("code")
    if code is not None and code != "" and not valid_code(code):
        return FlowError("invalid_code", _("This sign-in link is invalid or has expired."))
    return None


def valid_code(code: str | None) -> bool:
    """An authorization code worth sending to WorkOS: 1-512 printable ASCII characters."""
    return bool(code) and _CODE.match(code or "") is not None


PROVIDER_ERRORS = {
    "access_denied": gettext_lazy("The sign-in was cancelled."),
    "organization_invalid": gettext_lazy("That organization cannot be used to sign in."),
}


def provider_error_message(error: str) -> str:
    """What to show for a provider's ``error`` (in the active language)."""
    return str(PROVIDER_ERRORS.get(error, _("The sign-in provider reported an error.")))
