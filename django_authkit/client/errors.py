"""Exceptions raised by the WorkOS API client.

The hierarchy mirrors the official SDK's names so code written against either reads
the same, with two differences that matter here: messages never contain tokens,
codes or the API key (they end up in logs), and the step-up errors that the spec
sends as 400 (``sso_required``, ``organization_authentication_methods_required``)
are recognised as well as the 403 ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar


class WorkOSError(Exception):
    """Base of every error this client raises."""

    def __init__(self, message: str = "WorkOS request failed") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(WorkOSError):
    """The client is missing settings; no request was made."""


class WebhookVerificationError(WorkOSError, ValueError):
    """A webhook delivery failed signature verification.

    A ``ValueError`` too, so a view catching either answers 4xx, never 5xx.
    """


class WorkOSConnectionError(WorkOSError):
    """WorkOS could not be reached (DNS, refused connection, TLS, reset)."""


class WorkOSTimeoutError(WorkOSError):
    """WorkOS did not answer within the configured timeout."""


class APIError(WorkOSError):
    """WorkOS answered with an HTTP error status."""

    #: Status assumed when a subclass is built by hand without one (e.g. in tests).
    default_status: ClassVar[int | None] = None

    def __init__(
        self,
        message: str | None = None,
        *,
        status_code: int | None = None,
        code: str | None = None,
        error: str | None = None,
        error_description: str | None = None,
        errors: Any = None,
        request_id: str | None = None,
        response_json: Mapping[str, Any] | None = None,
        request_method: str | None = None,
        request_path: str | None = None,
    ) -> None:
        if status_code is None:
            if self.default_status is None:
                raise TypeError("APIError needs a status_code")
            status_code = self.default_status
        if not message:
            message = error_description or error or _phrase(status_code)
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.error = error
        self.error_description = error_description
        self.errors = errors
        self.request_id = request_id
        self.response_json: Mapping[str, Any] = response_json or {}
        self.request_method = request_method
        self.request_path = request_path

    @property
    def is_invalid_grant(self) -> bool:
        """True when WorkOS refused a code or refresh token as used, expired or unknown."""
        return self.error == "invalid_grant"

    @property
    def is_configuration_error(self) -> bool:
        """True when WorkOS refused the site's own credentials (API key or client id).

        A problem of the site's settings, never of the visitor or the session.
        """
        refused = {"invalid_client", "unauthorized_client"}
        return self.status_code == 401 or self.error in refused or self.code in refused

    def __str__(self) -> str:
        details = [
            f"{label}={value}"
            for label, value in (
                ("code", self.code),
                ("error", self.error),
                ("request_id", self.request_id),
            )
            if value and value != self.message
        ]
        head = f"HTTP {self.status_code}: {self.message}"
        return f"{head} ({', '.join(details)})" if details else head

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self})"


class BadRequestError(APIError):
    """400: malformed request, or a refused credential (``invalid_grant``, ...)."""

    default_status = 400


class AuthenticationError(APIError):
    """401: the API key is missing, wrong, or revoked."""

    default_status = 401


class AuthorizationError(APIError):
    """403: forbidden, or a sign-in that needs another step."""

    default_status = 403


class NotFoundError(APIError):
    """404: no such object."""

    default_status = 404


class ConflictError(APIError):
    """409: e.g. a user with this e-mail already exists."""

    default_status = 409


class UnprocessableEntityError(APIError):
    """422: the body failed validation; ``errors`` lists the fields."""

    default_status = 422


class RateLimitExceededError(APIError):
    """429: rate limited; ``retry_after`` is the server's hint in seconds, if any."""

    default_status = 429

    def __init__(
        self, message: str | None = None, *, retry_after: float | None = None, **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: WorkOS failed; the request may be retried later."""

    default_status = 500


class AuthenticationFlowError(AuthorizationError):
    """``authenticate`` needs a further step, completed with ``pending_authentication_token``.

    Deliberately excluded from ``str()``: the pending token is a credential.
    """

    def __init__(self, message: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.pending_authentication_token: str | None = _str(
            self.response_json.get("pending_authentication_token")
        )


class EmailVerificationRequiredError(AuthenticationFlowError):
    """The user must verify their e-mail with the code WorkOS sent."""

    def __init__(self, message: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.email: str | None = _str(self.response_json.get("email"))
        self.email_verification_id: str | None = _str(
            self.response_json.get("email_verification_id")
        )


class MfaEnrollmentError(AuthenticationFlowError):
    """The user must enroll an MFA factor before signing in."""

    def __init__(self, message: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.user: dict[str, Any] | None = _dict(self.response_json.get("user"))


class MfaChallengeError(AuthenticationFlowError):
    """The user must answer a challenge on one of ``authentication_factors``."""

    def __init__(self, message: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.user: dict[str, Any] | None = _dict(self.response_json.get("user"))
        self.authentication_factors: list[dict[str, Any]] = _dicts(
            self.response_json.get("authentication_factors")
        )


class OrganizationSelectionRequiredError(AuthenticationFlowError):
    """The user belongs to several organizations and must pick one."""

    def __init__(self, message: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.user: dict[str, Any] | None = _dict(self.response_json.get("user"))
        self.organizations: list[dict[str, Any]] = _dicts(self.response_json.get("organizations"))


class SsoRequiredError(AuthenticationFlowError):
    """The user's domain requires SSO; ``connection_ids`` says which.

    The spec sends it as 400; ``status_code`` keeps whatever arrived.
    """

    def __init__(self, message: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.email: str | None = _str(self.response_json.get("email"))
        self.connection_ids: list[str] = _strs(self.response_json.get("connection_ids"))


class OrganizationAuthMethodsRequiredError(AuthenticationFlowError):
    """The organization restricts how its members may sign in (spec: 400)."""

    def __init__(self, message: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.email: str | None = _str(self.response_json.get("email"))
        self.sso_connection_ids: list[str] = _strs(self.response_json.get("sso_connection_ids"))
        self.auth_methods: dict[str, Any] = _dict(self.response_json.get("auth_methods")) or {}


class AuthenticationMethodNotAllowedError(AuthenticationFlowError):
    """This sign-in method is disabled for the user or organization."""


class EmailPasswordAuthDisabledError(AuthenticationFlowError):
    """Password sign-in is disabled in this environment."""


class PasskeyProgressiveEnrollmentError(AuthenticationFlowError):
    """WorkOS asks the user to enroll a passkey."""


class RadarChallengeError(AuthenticationFlowError):
    """WorkOS Radar wants an extra verification before sign-in."""


class RadarSignUpChallengeError(AuthenticationFlowError):
    """WorkOS Radar wants an extra verification before sign-up."""


STATUS_ERRORS: dict[int, type[APIError]] = {
    cls.default_status: cls
    for cls in (
        BadRequestError,
        AuthenticationError,
        AuthorizationError,
        NotFoundError,
        ConflictError,
        UnprocessableEntityError,
        RateLimitExceededError,
    )
    if cls.default_status is not None
}

FLOW_ERRORS: dict[str, type[AuthenticationFlowError]] = {
    "email_verification_required": EmailVerificationRequiredError,
    "mfa_enrollment": MfaEnrollmentError,
    "mfa_challenge": MfaChallengeError,
    "organization_selection_required": OrganizationSelectionRequiredError,
    "sso_required": SsoRequiredError,
    "organization_authentication_methods_required": OrganizationAuthMethodsRequiredError,
    "authentication_method_not_allowed": AuthenticationMethodNotAllowedError,
    "email_password_auth_disabled": EmailPasswordAuthDisabledError,
    "passkey_progressive_enrollment": PasskeyProgressiveEnrollmentError,
    "radar_challenge": RadarChallengeError,
    "radar_email_challenge": RadarChallengeError,
    "radar_sms_challenge": RadarChallengeError,
    "radar_sms_sign_in_challenge": RadarChallengeError,
    "radar_sign_up_challenge": RadarSignUpChallengeError,
}

# Step-up codes the spec sends as 400 (OAuth shape) rather than 403.
FLOW_ERRORS_ON_400 = frozenset({"sso_required", "organization_authentication_methods_required"})


def error_class(status_code: int, body: Mapping[str, Any]) -> type[APIError]:
    """Pick the exception class for a status and a parsed error body."""
    flow_code = _str(body.get("code")) or _str(body.get("error"))
    if flow_code in FLOW_ERRORS and (
        status_code == 403 or (status_code == 400 and flow_code in FLOW_ERRORS_ON_400)
    ):
        return FLOW_ERRORS[flow_code]
    if status_code in STATUS_ERRORS:
        return STATUS_ERRORS[status_code]
    if status_code >= 500:
        return ServerError
    return APIError


def _phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "WorkOS request failed"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strs(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any] | None:
    return dict(value) if isinstance(value, Mapping) else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [dict(v) for v in value if isinstance(v, Mapping)]
