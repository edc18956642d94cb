"""Refresh a session's tokens exactly once across threads, processes and hosts.

WorkOS refresh tokens are single-use. Where the database can lock rows
(PostgreSQL, MySQL, Oracle) the session row is locked with ``SELECT ... FOR
UPDATE``: the first request spends the refresh token, the others block on the
row, then find fresh tokens and adopt them. Where it cannot (SQLite), an
atomic ``cache.add`` lock (Redis/Memcached in production) plays that part,
no transaction is held open across the WorkOS call (SQLite would answer
"database is locked"), and the others re-check the lock cheaply until the
winner has stored its result.

Whatever WorkOS answers is stored (encrypted) before it is verified: a
verification that fails on our side (keys unavailable, a rotated ``kid`` not
yet fetchable) keeps the session and verifies again on the next request. Only
WorkOS refusing the refresh ends the session.

The cache lock is a lease (:func:`django_authkit.sessions.wakeup.lease`): a process
killed while it holds it frees it within ``REFRESH_WAIT``; a killed process's row
lock goes with its database connection. The cache or the database unreachable is
an outage (:mod:`django_authkit.core.outage`): the session is kept and the refresh
is ``UNAVAILABLE``, never an exception.

:func:`refresh` returns a :class:`Refresh`: what happened (:class:`Outcome`) and
why when it did not refresh (the failure as :mod:`django_authkit.workos.failures`
classes it, or WorkOS's code for a refused organization switch). Callers read
that value; nothing is left behind in the request or the context.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any, TypeVar

from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone as dj_timezone

from django_authkit import signals
from django_authkit.client.errors import (
    APIError,
    RateLimitExceededError,
    ServerError,
    WorkOSConnectionError,
    WorkOSError,
)
from django_authkit.client.models import AuthenticationResponse
from django_authkit.conf import authkit_settings
from django_authkit.core import crypto
from django_authkit.core.clientip import client_info
from django_authkit.core.outage import OUTAGE_ERRORS
from django_authkit.models import AuthKitSession
from django_authkit.sessions import wakeup as refresh_wakeup
from django_authkit.sessions.data import expiry, hot_data, read_hot, store_hot
from django_authkit.sessions.revocation import end_session
from django_authkit.tokens.verify import (
    OUR_SIDE,
    InvalidAccessToken,
    KeysUnavailable,
    unverified_expiry,
    verify_access_token,
)
from django_authkit.workos import failures, get_workos

logger = logging.getLogger("django_authkit.refreshing")

POLL_FIRST = 0.01
POLL_MAX = 0.1
WAKE_RECHECK = 1.0  # a woken-up wait still re-checks the lock at least this often
LOCKED_RETRIES = 6
LOST_ANSWER_ATTEMPTS = 3  # a lost refresh answer is asked again at once (replay window)
LOST_ANSWER_PAUSE = 0.1
T = TypeVar("T")


class Outcome(enum.Enum):
    REFRESHED = "refreshed"  # this request spent the refresh token
    ADOPTED = "adopted"  # another request had just refreshed; we took its tokens
    ENDED = "ended"  # WorkOS refused, or the session was revoked: signed out
    REFUSED = "refused"  # an organization switch WorkOS refused; session unchanged
    UNAVAILABLE = "unavailable"  # WorkOS or its keys could not be reached; session kept


@dataclass(frozen=True)
class Refresh:
    """What a refresh did (``outcome``) and, when it did not refresh, why.

    ``failure``: why it failed, as :mod:`django_authkit.workos.failures` classes it
    (``None``: it did not fail, or WorkOS ended the session); the views that answer a
    refresh render it like any other entry point. ``refusal``: WorkOS's code for a
    refused organization switch (e.g. ``sso_required``: the switch view then sends the
    user to re-authenticate).
    """

    outcome: Outcome
    failure: failures.Failure | None = None
    refusal: str | None = None

    @property
    def ok(self) -> bool:
        """The session holds fresh tokens (refreshed here, or adopted)."""
        return self.outcome in (Outcome.REFRESHED, Outcome.ADOPTED)


_REFRESHED = Refresh(Outcome.REFRESHED)
_ADOPTED = Refresh(Outcome.ADOPTED)
_ENDED = Refresh(Outcome.ENDED)
_UNAVAILABLE = Refresh(Outcome.UNAVAILABLE)


def refresh(request: HttpRequest, organization_id: str | None = None) -> Refresh:
    """Refresh (or switch the organization of) the request's session; see :class:`Refresh`."""
    hot = read_hot(request.session) or {}
    sid = hot.get("sid")
    if not sid:
        return _ENDED
    try:
        if connection.features.has_select_for_update:
            return _refresh_locked_row(request, hot, organization_id)
        return _refresh_with_cache_lock(request, hot, organization_id)
    except OUTAGE_ERRORS as exc:  # the cache or the database down: keep the session
        return Refresh(Outcome.UNAVAILABLE, failures.infrastructure(exc))


# -- coordination -----------------------------------------------------------------------


def _refresh_locked_row(
    request: HttpRequest, hot: dict[str, Any], organization_id: str | None
) -> Refresh:
    """PostgreSQL & co: the row lock is held while WorkOS answers, then released."""
    with transaction.atomic():
        row = AuthKitSession.objects.select_for_update().filter(session_id=hot["sid"]).first()
        early = _before_spending(request, hot, row, organization_id)
        if early is not None or row is None:
            return early or _ENDED
        answer = _spend(row, organization_id, request)
        if isinstance(answer, Refresh):
            return answer
        _store_pair(row, answer)
    return _verify_and_apply(request, hot, row, answer)


def _refresh_with_cache_lock(
    request: HttpRequest, hot: dict[str, Any], organization_id: str | None
) -> Refresh:
    """SQLite: a cache lock per WorkOS session; no transaction spans the WorkOS call."""
    key = f"authkit:refresh-lock:{hot['sid']}"
    # A lease renewed while this process lives: a killed holder frees it within REFRESH_WAIT.
    lease = refresh_wakeup.lease_seconds(float(authkit_settings.REFRESH_WAIT))
    deadline = time.monotonic() + float(authkit_settings.REFRESH_WAIT)
    step = POLL_FIRST
    last_try = False
    while True:
        if cache.add(key, 1, timeout=lease):  # the cache down: UNAVAILABLE (refresh())
            refresh_wakeup.lease(key, lease)
            refresh_wakeup.begin(key)
            try:
                spent = _spend_unlocked(request, hot, organization_id)
            finally:
                refresh_wakeup.unlease(key)
                try:
                    cache.delete(key)
                except OUTAGE_ERRORS:  # the lease lapses by itself
                    logger.debug("Could not release the refresh lock.", exc_info=True)
                refresh_wakeup.done(key)
            if isinstance(spent, Refresh):
                return spent
            return _verify_and_apply(request, hot, *spent)
        # Another request holds the lock: sleep until its holder says it is done (or, where
        # nothing can wake us, re-check the cheap cache key on a backoff), then read the row
        # once, instead of querying the database in a loop.
        while cache.get(key) is not None and time.monotonic() < deadline:
            woken = refresh_wakeup.wait(key, min(deadline - time.monotonic(), WAKE_RECHECK))
            if woken is None:
                logger.debug("Polling for another request's refresh of the session.")
                time.sleep(step)
                step = min(step * 2, POLL_MAX)
        if organization_id is None:
            row = _locked_retry(
                lambda: AuthKitSession.objects.filter(session_id=hot["sid"]).first()
            )
            if row is None or row.ended_at is not None:
                return _ENDED
            if _adoptable(row):
                adopted = _adopt(request, row)
                if adopted is not None:
                    return adopted
        if time.monotonic() > deadline:
            if last_try:
                logger.warning("Gave up waiting for another request's refresh of a session.")
                return _UNAVAILABLE
            # One more try at the lock: a holder that died frees it within REFRESH_WAIT,
            # which may be the very moment this wait ran out.
            last_try = True


def _spend_unlocked(
    request: HttpRequest, hot: dict[str, Any], organization_id: str | None
) -> Refresh | tuple[AuthKitSession, AuthenticationResponse]:
    """Under the cache lock: read the row, spend the refresh token, store the new pair."""
    row = _locked_retry(lambda: AuthKitSession.objects.filter(session_id=hot["sid"]).first())
    early = _before_spending(request, hot, row, organization_id)
    if early is not None or row is None:
        return early or _ENDED
    answer = _spend(row, organization_id, request)
    if isinstance(answer, Refresh):
        return answer
    _locked_retry(lambda: _store_pair(row, answer))
    return row, answer


def _locked_retry(action: Callable[[], T]) -> T:
    """Run a short database step, retrying while SQLite reports the file locked."""
    for attempt in range(LOCKED_RETRIES):
        try:
            return action()
        except OperationalError as exc:
            if "locked" not in str(exc) or transaction.get_connection().in_atomic_block:
                raise
            if attempt == LOCKED_RETRIES - 1:
                raise
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


# -- steps -------------------------------------------------------------------------------


def _before_spending(
    request: HttpRequest, hot: dict[str, Any], row: AuthKitSession | None,
    organization_id: str | None,
) -> Refresh | None:
    """An outcome that needs no WorkOS call (ended, or another request just refreshed)."""
    if row is None or row.ended_at is not None or row.user_id != _user_pk(request):
        return _ENDED
    if organization_id is None and _adoptable(row):
        return _adopt(request, row)
    return None


def _spend(
    row: AuthKitSession, organization_id: str | None, request: HttpRequest | None = None
) -> AuthenticationResponse | Refresh:
    """Call WorkOS with the stored refresh token; a :class:`Refresh` when there is nothing to store.

    WorkOS records the client IP and user agent on the session at each refresh too,
    so the request's are sent; a refresh without a request (background) sends none.
    """
    refresh_token = crypto.decrypt(row.refresh_token)
    if refresh_token is None:  # SECRET_KEY rotated without a fallback
        end_session(row, "undecryptable")
        return _ENDED
    api = get_workos().user_management
    lost = False
    for attempt in range(1, LOST_ANSWER_ATTEMPTS + 1):
        if lost:
            time.sleep(LOST_ANSWER_PAUSE * attempt)
        try:
            return api.authenticate_with_refresh_token(
                refresh_token=refresh_token, organization_id=organization_id,
                **client_info(request),
            )
        except WorkOSConnectionError as exc:
            # The answer may have been lost after WorkOS rotated the token: ask again now,
            # inside WorkOS's replay window, which returns the same new pair.
            logger.warning("WorkOS refresh lost (%s); attempt %d.", type(exc).__name__, attempt)
            lost = True
        except (ServerError, RateLimitExceededError) as exc:
            failure = failures.report(exc, during="a refresh")
            if not lost:  # nothing was spent: keep the session, try on a later request
                return Refresh(Outcome.UNAVAILABLE, failure)
        except APIError as exc:
            return _refused(row, exc, switching=organization_id is not None)
        except WorkOSError as exc:
            return Refresh(Outcome.UNAVAILABLE, failures.report(exc, during="a refresh"))
    logger.error("WorkOS refresh answers lost %d times in a row.", LOST_ANSWER_ATTEMPTS)
    return Refresh(Outcome.UNAVAILABLE, failures.UNAVAILABLE_FAILURE)


def _store_pair(row: AuthKitSession, auth: AuthenticationResponse) -> None:
    """Keep what WorkOS handed back before anything else can fail."""
    exp = unverified_expiry(auth.access_token)
    now = dj_timezone.now()
    row.access_token = crypto.encrypt(auth.access_token)
    row.refresh_token = crypto.encrypt(auth.refresh_token)
    row.access_token_expires_at = (
        datetime.fromtimestamp(exp, tz=dt_timezone.utc) if exp else now
    )
    if row.access_token_expires_at > now + timedelta(days=1):  # a claim, not yet verified
        row.access_token_expires_at = now
    row.refreshed_at = now
    row.save(update_fields=[
        "access_token", "refresh_token", "access_token_expires_at", "refreshed_at",
    ])


def _verify_and_apply(
    request: HttpRequest, hot: dict[str, Any], row: AuthKitSession, auth: AuthenticationResponse
) -> Refresh:
    try:
        claims = verify_access_token(auth.access_token, from_workos=True)
    except InvalidAccessToken as exc:
        if isinstance(exc, KeysUnavailable) or exc.reason in OUR_SIDE:
            logger.warning("Refreshed tokens kept unverified for now (%s).", exc.reason)
            return Refresh(Outcome.UNAVAILABLE, failures.UNAVAILABLE_FAILURE)
        # Never trusted, so the session ends as before; the one ERROR line says why.
        failure = failures.report(exc, during="a refresh")
        end_session(row, "invalid_token")
        return Refresh(Outcome.ENDED, failure)
    if claims["sub"] != hot.get("sub") or claims["sid"] != hot["sid"]:
        failure = failures.report(InvalidAccessToken("wrong_subject"), during="a refresh")
        end_session(row, "identity_changed")
        return Refresh(Outcome.ENDED, failure)
    row.access_token_expires_at = expiry(claims)
    row.organization_id = claims.get("org_id") or ""
    _locked_retry(lambda: AuthKitSession.objects.filter(pk=row.pk).update(
        access_token_expires_at=row.access_token_expires_at, organization_id=row.organization_id
    ))
    _store_claims(request, claims, row)
    signals.session_refreshed.send(
        sender=AuthKitSession, user=row.user, session_id=row.session_id, claims=claims,
        request=request, previous_claims=hot,
    )
    return _REFRESHED


def _refused(row: AuthKitSession, exc: APIError, *, switching: bool) -> Refresh:
    """Only WorkOS saying no to this session ends it; our own misconfiguration does not."""
    if exc.is_configuration_error:  # logged once by the mapping; the session is kept
        return Refresh(
            Outcome.UNAVAILABLE, failures.report(exc, during="a refresh (keeping the session)")
        )
    if exc.is_invalid_grant or (not switching and exc.status_code in (400, 403)):
        logger.info("WorkOS refused a refresh (%s); ending the session.", exc.error or exc.code)
        end_session(row, "refresh_refused")
        return _ENDED
    if switching and exc.status_code in (400, 403, 404):
        return Refresh(Outcome.REFUSED, refusal=str(exc.error or exc.code or ""))
    logger.error(
        "WorkOS answered %s to a refresh (request id %s); keeping the session.",
        exc.status_code,
        exc.request_id,
    )
    return Refresh(Outcome.UNAVAILABLE, failures.UNAVAILABLE_FAILURE)


def _adoptable(row: AuthKitSession) -> bool:
    ahead = int(authkit_settings.REFRESH_AHEAD)
    return row.access_token_expires_at.timestamp() - time.time() > ahead


def _adopt(request: HttpRequest, row: AuthKitSession) -> Refresh | None:
    """Take the stored (fresh) tokens. None: they are unusable, spend the refresh token."""
    token = crypto.decrypt(row.access_token)
    if token is None:
        return None
    try:
        claims = verify_access_token(token, from_workos=True)
    except KeysUnavailable:
        return _UNAVAILABLE  # keys unreachable: spending the refresh token won't help
    except InvalidAccessToken:
        return None
    hot = read_hot(request.session) or {}
    if claims["sub"] != hot.get("sub") or claims["sid"] != row.session_id:
        return None
    _store_claims(request, claims, row)
    return _ADOPTED


def _store_claims(request: HttpRequest, claims: dict[str, Any], row: AuthKitSession) -> None:
    """The refreshed claims, merged into the stored session (never the whole session)."""
    previous = read_hot(request.session) or {}
    store_hot(request, hot_data(claims, row.impersonator, previous))


def _user_pk(request: HttpRequest) -> Any:
    raw = request.session.get(SESSION_KEY)
    try:
        return get_user_model()._meta.pk.to_python(raw)
    except Exception:
        return None
