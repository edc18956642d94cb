"""The one mapping from "WorkOS or verification failed" to an outcome.

Every entry point that talks to WorkOS (hosted callback, native forms, API mode,
SSO-first, organization switch, refresh) asks :func:`report` what a failure
means, so a failure means the same thing wherever it happens:

===============================================  ======  =====================  =======
failure                                          status  code                   log
===============================================  ======  =====================  =======
WorkOS 429, 5xx, timeout, lost or garbled answer  503    ``workos_unavailable``  WARNING
signing keys unreachable (``KeysUnavailable``)    503    ``workos_unavailable``  WARNING
WorkOS refused the site's API key or client id    503    ``configuration``       ERROR
settings missing (``ConfigurationError``, ...)    503    ``configuration``       ERROR
a token WorkOS returned that does not verify      502    ``invalid_token``       ERROR
WorkOS refused the visitor's code/credential      4xx    the entry point's      INFO
===============================================  ======  =====================  =======

Outages carry ``Retry-After`` (WorkOS's hint, capped). The result is a value; the web
layer renders it as a page or JSON. Only failures below 500 are the client's and
count against rate limits.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from django_authkit.client.errors import APIError, ConfigurationError, WorkOSError
from django_authkit.conf import authkit_settings
from django_authkit.core import outage
from django_authkit.tokens.verify import InvalidAccessToken, KeysUnavailable

logger = logging.getLogger("django_authkit.failures")

RETRY_AFTER = 5
MAX_RETRY_AFTER = 300

#: Kinds of failure; entry points branch on these, never on exception classes.
UNAVAILABLE = "unavailable"
CONFIGURATION = "configuration"
UNVERIFIED = "unverified"
REFUSED = "refused"
SIGN_IN_FAILED = _("Sign-in failed")


@dataclass(frozen=True)
class Failure:
    """What a failure means: ``code`` and ``message`` for the caller, ``status``,
    ``retry_after`` (seconds, for 503s), and ``hint``: what the operator should check.

    ``template`` is the page a browser gets (empty: ``authkit/error.html``) and
    ``context`` what that page needs besides these fields (e.g. the address of an
    e-mail conflict); JSON answers carry ``code`` and ``message`` only."""

    kind: str
    code: str
    message: str | Promise
    status: int
    retry_after: int | None = None
    level: int = logging.WARNING
    title: str | Promise = SIGN_IN_FAILED
    hint: str | Promise = ""
    template: str = ""
    context: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def clients_fault(self) -> bool:
        """Only these count against rate limits: a WorkOS outage is nobody's attempt."""
        return self.status < 500


class Refusal(Exception):
    """A failure already classified; whoever catches it renders ``failure``."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(str(failure.message))
        self.failure = failure


UNAVAILABLE_FAILURE = Failure(
    UNAVAILABLE, "workos_unavailable",
    _("The sign-in service did not answer. Please try again in a moment."),
    503, RETRY_AFTER, title=_("Sign-in unavailable"),
)
CONFIGURATION_FAILURE = Failure(
    CONFIGURATION, "configuration",
    _("Sign-in is not set up correctly on this site. This is not something you did: "
      "the site's administrators need to fix its WorkOS settings."),
    503, None, logging.ERROR, _("Sign-in unavailable"),  # no retry fixes it
    _("Administrators: check AUTHKIT['API_KEY'] and AUTHKIT['CLIENT_ID'] "
      "(manage.py authkit_doctor)."),
)
UNVERIFIED_FAILURE = Failure(
    UNVERIFIED, "invalid_token",
    _("The sign-in service answered, but this site could not verify its answer. This is a "
      "problem with the site's configuration or with WorkOS, not with anything you did."),
    502, None, logging.ERROR, _("Sign-in could not be completed"),
    _("Administrators: the server log has an ERROR line from django_authkit naming the "
      "cause. Check AUTHKIT['ISSUER'], AUTHKIT['CLIENT_ID'] and AUTHKIT['API_BASE_URL'] "
      "name the WorkOS environment that signs the tokens (manage.py authkit_doctor)."),
)
LOCKED_OUT_FAILURE = Failure(
    REFUSED, "locked_out",
    _("Signing in from here is blocked for now after too many failed attempts. Please try "
      "again later, or ask the site's administrators to lift the block."),
    403, level=logging.INFO, title=_("Sign-in blocked for now"),
)
INVALID_CODE = Failure(
    REFUSED, "invalid_code", _("This sign-in link is invalid or has expired."), 400,
    level=logging.INFO,
)

#: What fixes a token that does not verify, by reason (the default: the issuer).
_FIX = {
    "wrong_issuer": "set AUTHKIT['ISSUER'] (WORKOS_ISSUER) to the issuer your WorkOS "
                    "environment mints, or point AUTHKIT['API_BASE_URL'] at that environment",
    "invalid": "check AUTHKIT['CLIENT_ID'] and AUTHKIT['API_BASE_URL'] name the WorkOS "
               "environment that signs the tokens (its key set is per client)",
    "unknown_kid": "check AUTHKIT['CLIENT_ID'] and AUTHKIT['API_BASE_URL'] name the WorkOS "
                   "environment that signs the tokens (its key set is per client)",
    "malformed": "check AUTHKIT['API_BASE_URL'] points at WorkOS (or the emulator), not at "
                 "a proxy or another service answering for it",
    "wrong_subject": "WorkOS answered a token for another user than the one it signed in; "
                     "check AUTHKIT['API_BASE_URL'] points at WorkOS and report it to WorkOS",
}


def classify(exc: BaseException, *, refused: Failure | None = None) -> Failure:
    """The :class:`Failure` ``exc`` means; ``refused`` replaces the default refusal.

    Refused credentials of the site are configuration; a token WorkOS returned that
    does not verify is the site's or WorkOS's problem (502), never the visitor's.
    """
    if isinstance(exc, Refusal):
        return exc.failure
    if isinstance(exc, KeysUnavailable):
        return UNAVAILABLE_FAILURE
    if isinstance(exc, InvalidAccessToken):
        return UNVERIFIED_FAILURE
    if isinstance(exc, ConfigurationError | ImproperlyConfigured):
        return CONFIGURATION_FAILURE
    if isinstance(exc, APIError):
        if exc.is_configuration_error:
            return CONFIGURATION_FAILURE
        if exc.status_code == 429 or exc.status_code >= 500:
            return replace(UNAVAILABLE_FAILURE, retry_after=_retry_after(exc))
        return refused or INVALID_CODE
    return UNAVAILABLE_FAILURE  # no answer, a timeout, or one that could not be read


def report(exc: BaseException, *, during: str, refused: Failure | None = None) -> Failure:
    """:func:`classify` ``exc`` and log one line at the failure's level (no token data).

    ``during`` names the step for the log: "the code exchange", "a refresh", ...
    """
    failure = classify(exc, refused=refused)
    if isinstance(exc, Refusal):
        return failure  # logged where it was classified
    logger.log(failure.level, "%s", describe(exc, failure, during))
    return failure


def login_failed(
    request: HttpRequest | None, failure: Failure, credentials: dict[str, object] | None = None,
    *, sender: object = None,
) -> bool:
    """Send Django's ``user_login_failed`` for a refused sign-in; True when sent.

    Sent once per request, and only for the client's failures (``status < 500``): a
    WorkOS outage is nobody's failed attempt, so lockout tools (django-axes) never
    lock users out during one. ``credentials`` are safe identifiers only (``email``,
    ``workos_user_id``, ``entry_point``), never a password, code or token.
    """
    if request is None or not failure.clients_fault or getattr(request, _SENT, False):
        return False
    setattr(request, _SENT, True)
    safe = {k: v for k, v in (credentials or {}).items() if v and k in SAFE_CREDENTIALS}
    safe.setdefault("reason", failure.code)
    user_login_failed.send(sender=sender or __name__, credentials=safe, request=request)
    return True


#: The only keys ``user_login_failed``'s credentials carry.
SAFE_CREDENTIALS = frozenset({"email", "workos_user_id", "provider", "entry_point", "reason"})
_SENT = "_authkit_login_failed_sent"


def describe(exc: BaseException, failure: Failure, during: str) -> str:
    """The operator's line for ``exc``: what happened, where, and what fixes it."""
    if failure.kind == UNVERIFIED:
        reason = str(getattr(exc, "reason", "invalid"))
        received = getattr(exc, "received_issuer", None)
        accepted = tuple(getattr(exc, "accepted_issuers", ()) or accepted_issuers())
        return (
            f"WorkOS returned an access token at {during} that does not verify here "
            f"({reason}; issuer received: {received or 'not reported'!r}; issuers accepted: "
            f"{', '.join(repr(i) for i in accepted) or 'none'}). This is the site's "
            f"configuration or WorkOS, not the visitor: "
            f"{_FIX.get(reason.split(':')[0], _FIX['invalid'])}; "
            f"`manage.py authkit_doctor` compares them."
        )
    if failure.kind == CONFIGURATION:
        return (
            f"WorkOS refused this site's credentials or AuthKit is not configured, at "
            f"{during} ({exc}). Set AUTHKIT['API_KEY'] (WORKOS_API_KEY) to the secret key "
            f"and AUTHKIT['CLIENT_ID'] (WORKOS_CLIENT_ID) to the client id of the same "
            f"WorkOS environment; `manage.py authkit_doctor` checks both."
        )
    if failure.kind == UNAVAILABLE:
        return f"WorkOS unavailable during {during}: {type(exc).__name__}"
    code = exc.error or exc.code if isinstance(exc, APIError) else type(exc).__name__
    return f"WorkOS refused {during} ({code})."


def accepted_issuers() -> tuple[str, ...]:
    """The issuers the settings accept, whichever shape ``ISSUER`` has."""
    try:
        value = getattr(authkit_settings, "issuer_list", None) or authkit_settings.issuer
    except Exception:  # unset settings: the configuration check names it
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value or ())


def _retry_after(exc: WorkOSError) -> int:
    wait = getattr(exc, "retry_after", None) or RETRY_AFTER
    try:
        return max(1, min(int(float(wait)), MAX_RETRY_AFTER))
    except (TypeError, ValueError, OverflowError):
        return RETRY_AFTER


# -- our own infrastructure ------------------------------------------------------------

#: The cache or the database could not be reached (a Redis or PostgreSQL restart): the
#: session is kept and the client retries; never a 500 (see :mod:`django_authkit.core.outage`).
INFRASTRUCTURE_FAILURE = Failure(
    UNAVAILABLE, "service_unavailable",
    _("This site could not confirm your session just now. Please try again in a moment."),
    503, outage.RETRY_AFTER, title=_("Temporarily unavailable"),
    hint=_("Administrators: the cache or the database did not answer (see the "
           "django_authkit.outage log)."),
)


def infrastructure(exc: BaseException) -> Failure:
    """The failure for an outage of the cache or the database (logged once in a while)."""
    outage.note(outage.kind(exc), exc)
    return INFRASTRUCTURE_FAILURE
