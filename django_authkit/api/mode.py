"""API mode for SPAs and mobile apps: ``api-callback``, ``api-refresh``, ``api-sign-out``.

The client runs the authorization-code flow itself (its own PKCE pair and
``state``, RFC 8252), then POSTs the code here; the server exchanges it with
its API key and answers WorkOS's tokens. The client sends the access token as
``Authorization: Bearer`` and rotates it with ``api-refresh``.

* CSRF: the endpoints are ``csrf_exempt``. They take every credential from the
  JSON body (``api-sign-out``: from the ``Authorization: Bearer`` header) and never
  read the session cookie or ``request.user``, so a forged cross-site request has
  nothing ambient to ride on.
* ``state``: the server never saw the authorize request, so it cannot check
  ``state``; the client must (RFC 9700 §4.7, RFC 8252 §8.9). It is accepted and ignored.
* ``redirect_uri``: when sent, it must be listed in ``AUTHKIT["API_REDIRECT_URIS"]`` (or be
  the site's ``REDIRECT_URI``); when absent, the site's ``REDIRECT_URI`` is assumed.
* PKCE: the client's ``codeVerifier`` is required unless ``API_REQUIRE_PKCE`` is off.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from django_authkit.api.session import session_config
from django_authkit.client.errors import APIError, WorkOSError
from django_authkit.client.models import AuthenticationResponse, ProfileAndToken, User
from django_authkit.conf import authkit_settings
from django_authkit.core import ratelimit
from django_authkit.core.clientip import client_info
from django_authkit.core.urlhelpers import absolute
from django_authkit.models import Organization
from django_authkit.sessions import bearer, revocation
from django_authkit.signin import pipeline as signin
from django_authkit.signin import sso as sso_identity
from django_authkit.signin.start import provider_error_message
from django_authkit.tokens import app_tokens
from django_authkit.web.responses import json_error, json_failure, json_ok, too_many
from django_authkit.workos import failures, get_workos

logger = logging.getLogger("django_authkit.api_mode")

MAX_BODY = 16 * 1024
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_ORG = re.compile(r"^org_[0-9A-Za-z]{1,64}$")


class Refusal(failures.Refusal):
    """A JSON error to answer: ``code``, ``message``, HTTP ``status``."""

    def __init__(self, code: str, message: Any, status: int = 400) -> None:
        super().__init__(failures.Failure(
            failures.REFUSED if status < 500 else failures.UNAVAILABLE, code, message, status,
            failures.RETRY_AFTER if status == 503 else None,
        ))
        self.code, self.message, self.status = code, message, status

    @staticmethod
    def because(
        exc: BaseException, *, during: str, refused: failures.Failure | None = None
    ) -> failures.Refusal:
        """A WorkOS failure as the one mapping classes it (logged once there)."""
        return failures.Refusal(failures.report(exc, during=during, refused=refused))

    def response(self) -> HttpResponse:
        return json_failure(self.failure)


INVALID_CODE = failures.Failure(
    failures.REFUSED, "invalid_code", _("The authorization code is invalid or has expired."),
    400, level=logging.INFO,
)
INVALID_REFRESH_TOKEN = failures.Failure(
    failures.REFUSED, "invalid_refresh_token",
    _("The refresh token is invalid, used or expired."), 401, level=logging.INFO,
)
ORGANIZATION_NOT_ALLOWED = failures.Failure(
    failures.REFUSED, "organization_not_allowed",
    _("You are not a member of that organization."), 403, level=logging.INFO,
)
ACCOUNT_NOT_ALLOWED = failures.Failure(
    failures.REFUSED, "account_not_allowed", _("This account cannot sign in here."), 403,
)


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class ApiView(View):
    """Base of the API-mode endpoints: JSON in, JSON out, no cookies involved."""

    http_method_names = ["post"]
    authkit_bearer_optional = True  # an expired access token must not block a refresh
    rate_limit_scope = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not authkit_settings.API_MODE:
            return json_error("not_found", _("API mode is not enabled on this site."), 404)
        return super().dispatch(request, *args, **kwargs)

    def body(self) -> dict[str, Any]:
        raw = self.request.body
        if len(raw) > MAX_BODY:
            raise Refusal("invalid_request", _("The request body is too large."))
        try:
            data = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise Refusal(
                "invalid_request", _("Send a JSON object (Content-Type: application/json).")
            )
        return data

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.handle(self.body())
        except failures.Refusal as refusal:  # ours, the pipeline's, the mapping's
            return json_failure(refusal.failure)
        except ImproperlyConfigured as exc:
            return json_failure(failures.report(exc, during="an API-mode request"))

    def handle(self, data: dict[str, Any]) -> HttpResponse:
        raise NotImplementedError

    # -- shared steps ---------------------------------------------------------------------

    def _client_info(self) -> dict[str, Any]:
        """Where the exchange comes from, as WorkOS records it on the session."""
        return client_info(self.request)

    def tokens(self, auth: AuthenticationResponse) -> HttpResponse:
        """Rotated tokens (``api-refresh``) through the pipeline; answers the token response.

        A refresh is not a sign-in (:func:`~django_authkit.signin.pipeline.renew`): no
        ``signed_in`` signal, no ``on_success`` hook. A refusal is answered by post().
        """
        done = signin.renew(self.request, auth, during="an API-mode refresh")
        return json_ok(token_payload(self.request, done.auth, done.claims, done.organization))

    def sign_in(self, auth: AuthenticationResponse, organization_id: str | None) -> HttpResponse:
        """A finished code exchange through the one sign-in pipeline, without a session."""
        done = signin.finish(  # a refusal (signin.SignInRefused) is answered by post()
            self.request, auth, entry_point="api", organization_id=organization_id,
            sender=type(self), browser=False,
        )
        if isinstance(done.hook_answer, HttpResponse):
            done.hook_answer.setdefault("Cache-Control", "no-store")
            return done.hook_answer
        return json_ok(token_payload(self.request, done.auth, done.claims, done.organization))


def token_payload(
    request: HttpRequest,
    auth: AuthenticationResponse,
    claims: dict[str, Any],
    organization: Organization | None,
) -> dict[str, Any]:
    """The body of a successful ``api-callback`` / ``api-refresh``."""
    return {
        "token": auth.access_token,
        "refreshToken": auth.refresh_token,
        "tokenType": "Bearer",
        "expiresAt": int(claims["exp"]),
        "sessionConfig": session_config(
            organization, absolute(request, reverse("authkit:api-refresh"))
        ),
        "user": _user_payload(auth.user, claims),
    }


def _user_payload(workos_user: User, claims: dict[str, Any]) -> dict[str, Any]:
    """The ``user`` of a token response."""
    full_name = " ".join(n for n in (workos_user.first_name, workos_user.last_name) if n)
    return {
        "id": workos_user.id,
        "email": workos_user.email,
        "fullName": full_name,
        "organizationId": claims.get("org_id"),
        "accessRole": claims.get("role"),
    }


def api_redirect_uri(reported: str | None) -> str | None:
    """The redirect URI of this exchange: the reported one, else the site's ``REDIRECT_URI``.

    A reported URI must be listed in ``API_REDIRECT_URIS`` (exact match) or be the
    site's own ``REDIRECT_URI``; anything else is refused.
    """
    allowed = list(authkit_settings.API_REDIRECT_URIS or [])
    own = authkit_settings.REDIRECT_URI
    if own:
        allowed.append(str(own))
    if reported is None:
        return str(own) if own else (allowed[0] if len(allowed) == 1 else None)
    if reported not in allowed:
        raise Refusal("invalid_redirect_uri", _("This redirect_uri is not allowed."))
    return reported


def _organization_id(data: dict[str, Any]) -> str | None:
    organization_id = _text(data, "organizationId", "organization_id", limit=80)
    if organization_id is not None and not _ORG.match(organization_id):
        raise Refusal("invalid_request", _("Invalid organizationId."))
    return organization_id


def _text(data: dict[str, Any], *names: str, limit: int = 2048) -> str | None:
    for name in names:
        value = data.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or len(value) > limit:
            raise Refusal("invalid_request", _("Invalid %(name)s.") % {"name": name})
        return value
    return None


class ApiCallbackView(ApiView):
    """POST ``{"code", "codeVerifier", "redirect_uri"?, "organizationId"?, "state"?, "error"?}``.

    Answers ``{"token", "refreshToken", "tokenType", "expiresAt", "sessionConfig", "user"}``.
    A provider ``error`` answers 400 ``provider_error`` without calling WorkOS.
    Failed attempts count against the ``api-callback`` rate limit.
    """

    rate_limit_scope = "api-callback"

    def post(self, request: HttpRequest) -> HttpResponse:
        wait = ratelimit.retry_after(request, self.rate_limit_scope)
        if wait is not None:
            return too_many(request, wait)
        response = super().post(request)
        if 400 <= response.status_code < 500:  # the client's failures, not WorkOS outages
            ratelimit.hit(request, self.rate_limit_scope)
            failures.login_failed(request, failures.Failure(
                failures.REFUSED, "refused", "", response.status_code), {"entry_point": "api"})
        return response

    def handle(self, data: dict[str, Any]) -> HttpResponse:
        error = _text(data, "error", limit=256)
        if error:
            raise Refusal("provider_error", provider_error_message(error))
        _text(data, "state", limit=2048)  # the client's to check; validated for shape only
        code = _text(data, "code", limit=512)
        if not code:
            raise Refusal("code_missing", _("The request carried no authorization code."))
        api_redirect_uri(_text(data, "redirect_uri", "redirectUri"))
        verifier = _text(data, "codeVerifier", "code_verifier", limit=128)
        if verifier is not None and not _VERIFIER.match(verifier):
            raise Refusal("invalid_request", _("Invalid codeVerifier."))
        if verifier is None and authkit_settings.API_REQUIRE_PKCE:
            raise Refusal("pkce_required", _("Send the PKCE codeVerifier of this sign-in."))
        organization_id = _organization_id(data)
        if authkit_settings.API_SSO_EXCHANGE_FIRST:
            profile = self.sso_exchange(code, verifier)
            if profile is not None:
                return self.sso_tokens(profile)
        try:
            auth = get_workos().user_management.authenticate_with_code(
                code=code,
                code_verifier=verifier,
                **self._client_info(),
            )
        except WorkOSError as exc:
            raise Refusal.because(
                exc, during="the code exchange (API mode)", refused=INVALID_CODE
            ) from None
        return self.sign_in(auth, organization_id)

    def sso_exchange(self, code: str, verifier: str | None) -> ProfileAndToken | None:
        """The SSO API's exchange; ``None`` when WorkOS says the code is not an SSO code."""
        try:
            return get_workos().sso.get_profile_and_token(code=code, code_verifier=verifier)
        except WorkOSError as exc:
            if failures.classify(exc).kind == failures.REFUSED:
                return None  # not an SSO code: try it as a User Management code
            raise Refusal.because(exc, during="the SSO exchange (API mode)") from None

    def sso_tokens(self, result: ProfileAndToken) -> HttpResponse:
        """An SSO profile through the one pipeline; answers an app token (no refresh token).

        WorkOS's SSO token is opaque and comes without a session, so the client gets
        this app's own token (:mod:`django_authkit.app_tokens`), which the bearer
        middleware and DRF class accept.
        """
        try:
            workos_user, claims = sso_identity.resolve(result.profile)
        except sso_identity.UnusableProfile as exc:
            raise Refusal("account_not_allowed", exc.message, 403) from None
        except WorkOSError as exc:
            raise Refusal.because(
                exc, during="resolving an SSO profile", refused=ACCOUNT_NOT_ALLOWED
            ) from None
        auth = AuthenticationResponse(
            user=workos_user, access_token="", refresh_token="",
            organization_id=claims.get("org_id"), authentication_method="SSO",
        )
        done = signin.finish(  # a refusal is answered by post()
            self.request, auth, entry_point="sso", sender=type(self), browser=False,
            claims=claims,
        )
        if isinstance(done.hook_answer, HttpResponse):
            done.hook_answer.setdefault("Cache-Control", "no-store")
            return done.hook_answer
        token, expires_at = app_tokens.issue(done.claims, done.user)
        return json_ok(
            {
                "token": token,
                "refreshToken": None,
                "tokenType": "Bearer",
                "expiresAt": expires_at,
                "sessionConfig": session_config(
                    done.organization, absolute(self.request, reverse("authkit:api-refresh")),
                    renewable=False,
                ),
                "user": _user_payload(workos_user, claims),
            }
        )


class ApiRefreshView(ApiView):
    """POST ``{"refreshToken", "organizationId"?}``: rotate; answers like ``api-callback``.

    Refresh tokens are single-use: the client must serialize its refreshes and
    keep the new pair. Every request counts against the ``api-refresh`` limit.
    """

    rate_limit_scope = "api-refresh"

    def post(self, request: HttpRequest) -> HttpResponse:
        wait = ratelimit.hit(request, self.rate_limit_scope)
        if wait is not None:
            return too_many(request, wait)
        return super().post(request)

    def handle(self, data: dict[str, Any]) -> HttpResponse:
        refresh_token = _text(data, "refreshToken", "refresh_token", limit=4096)
        if not refresh_token:
            raise Refusal("no_refresh_token", _("Send the refreshToken to rotate."))
        organization_id = _organization_id(data)
        try:
            auth = get_workos().user_management.authenticate_with_refresh_token(
                refresh_token=refresh_token,
                organization_id=organization_id,
                **self._client_info(),
            )
        except WorkOSError as exc:
            refused = INVALID_REFRESH_TOKEN
            if (organization_id and isinstance(exc, APIError) and not exc.is_invalid_grant
                    and exc.status_code in (403, 404)):
                refused = ORGANIZATION_NOT_ALLOWED
            raise Refusal.because(exc, during="an API-mode refresh", refused=refused) from None
        return self.tokens(auth)


class ApiSignOutView(ApiView):
    """POST with ``Authorization: Bearer <token>``: end that token's session; answers 204.

    An app token (``akt_``) ends here; a WorkOS access token's session ends here and at
    WorkOS (its refresh token stops working). The body is ignored, no cookie is read:
    the bearer header is the only credential, so the view needs no CSRF token. An
    invalid or already-ended token answers 401 like any refused bearer token.
    """

    def post(self, request: HttpRequest) -> HttpResponse:
        token = bearer.token_from(request)
        if token is None:
            return json_error(
                "invalid_token", str(_("Send the token to sign out as Authorization: Bearer.")),
                401,
                headers={"WWW-Authenticate": 'Bearer realm="authkit"'},
            )
        result = bearer.authenticate(token)
        if isinstance(result, bearer.BearerFailure):
            return json_error(result.code, result.message, result.status, headers=result.headers())
        _user, claims = result
        session_id = str(claims.get("sid") or "")
        if not session_id:  # an API key has no session to end
            return json_error("invalid_token", str(_("This token has no session to end.")), 400)
        if revocation.revoke_session_by_id(session_id, reason="signed_out"):
            return HttpResponse(status=204)  # ended here (and at WorkOS, best effort)
        if app_tokens.is_app_session(session_id) or revocation.revoke_at_workos(session_id):
            return HttpResponse(status=204)
        return json_error(
            "authentication_unavailable", str(_("Could not end the session; retry shortly.")),
            503, headers={"Retry-After": str(failures.RETRY_AFTER)},
        )
