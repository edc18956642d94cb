"""Error mapping from canned ``requests.Response`` objects, and Retry-After parsing."""

from __future__ import annotations

import email.utils
import json
from typing import Any

import pytest
import requests

from django_authkit.client import errors as e
from django_authkit.client.transport import error_from_response, parse_retry_after

SECRET_TOKEN = "pat_super_secret_pending_token"


def response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    r.headers.update({"Content-Type": "application/json", "X-Request-ID": "req_123"})
    r.headers.update(headers or {})
    return r


def mapped(status: int, body: Any = None, **headers: str) -> e.APIError:
    return error_from_response(
        response(status, body, headers), method="POST", path="/user_management/authenticate"
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, e.BadRequestError),
        (401, e.AuthenticationError),
        (403, e.AuthorizationError),
        (404, e.NotFoundError),
        (409, e.ConflictError),
        (422, e.UnprocessableEntityError),
        (429, e.RateLimitExceededError),
        (500, e.ServerError),
        (502, e.ServerError),
        (503, e.ServerError),
        (599, e.ServerError),
        (418, e.APIError),
        (410, e.APIError),
    ],
)
def test_status_maps_to_class(status: int, cls: type[e.APIError]) -> None:
    exc = mapped(status, {"message": "Nope", "code": "some_code"})
    assert type(exc) is cls
    assert (exc.status_code, exc.code, exc.message, exc.request_id) == (
        status,
        "some_code",
        "Nope",
        "req_123",
    )
    assert str(exc) == f"HTTP {status}: Nope (code=some_code, request_id=req_123)"
    assert isinstance(exc, e.WorkOSError)


def test_oauth_shaped_invalid_grant() -> None:
    exc = mapped(
        400, {"error": "invalid_grant", "error_description": "Refresh token already exchanged"}
    )
    assert type(exc) is e.BadRequestError
    assert exc.is_invalid_grant
    assert exc.error_description == "Refresh token already exchanged"
    assert exc.message == "Refresh token already exchanged"
    assert "error=invalid_grant" in str(exc) and "req_123" in str(exc)
    assert not mapped(400, {"code": "invalid_credentials", "message": "x"}).is_invalid_grant


def test_not_found_keeps_path_method_and_json() -> None:
    exc = error_from_response(
        response(404, {"message": "User not found: 'user_1'", "code": "entity_not_found"}),
        method="GET",
        path="/user_management/users/user_1",
    )
    assert isinstance(exc, e.NotFoundError)
    assert exc.request_method == "GET" and exc.request_path == "/user_management/users/user_1"
    assert exc.response_json["code"] == "entity_not_found"


def test_path_credentials_are_redacted() -> None:
    exc = error_from_response(
        response(404, {"message": "Not found"}),
        method="GET",
        path=f"/user_management/invitations/by_token/{SECRET_TOKEN}",
    )
    assert exc.request_path == "/user_management/invitations/by_token/***"
    assert SECRET_TOKEN not in str(exc) and SECRET_TOKEN not in repr(exc)


def test_unprocessable_entity_carries_field_errors() -> None:
    errors = [{"field": "email", "code": "invalid"}]
    exc = mapped(422, {"code": "invalid_request_parameters", "message": "Bad", "errors": errors})
    assert isinstance(exc, e.UnprocessableEntityError) and exc.errors == errors


@pytest.mark.parametrize(
    ("header", "expected"), [("7", 7.0), ("0", 0.0), (None, None), ("soon", None)]
)
def test_rate_limit_exposes_retry_after(header: str | None, expected: float | None) -> None:
    headers = {"Retry-After": header} if header is not None else {}
    exc = mapped(429, {"error": "too_many_requests", "error_description": "Slow down"}, **headers)
    assert isinstance(exc, e.RateLimitExceededError) and exc.retry_after == expected


@pytest.mark.parametrize(
    ("code", "cls", "extra", "attrs"),
    [
        (
            "email_verification_required",
            e.EmailVerificationRequiredError,
            {"email": "a@b.c", "email_verification_id": "email_verification_1"},
            {"email": "a@b.c", "email_verification_id": "email_verification_1"},
        ),
        (
            "mfa_enrollment",
            e.MfaEnrollmentError,
            {"user": {"id": "user_1"}},
            {"user": {"id": "user_1"}},
        ),
        (
            "mfa_challenge",
            e.MfaChallengeError,
            {
                "user": {"id": "user_1"},
                "authentication_factors": [{"id": "auth_factor_1", "type": "totp"}],
            },
            {"authentication_factors": [{"id": "auth_factor_1", "type": "totp"}]},
        ),
        (
            "organization_selection_required",
            e.OrganizationSelectionRequiredError,
            {"user": {"id": "user_1"}, "organizations": [{"id": "org_1", "name": "Acme"}]},
            {"organizations": [{"id": "org_1", "name": "Acme"}]},
        ),
        ("authentication_method_not_allowed", e.AuthenticationMethodNotAllowedError, {}, {}),
        ("radar_sms_challenge", e.RadarChallengeError, {}, {}),
    ],
)
def test_step_up_errors_on_403(
    code: str, cls: type[e.AuthenticationFlowError], extra: dict[str, Any], attrs: dict[str, Any]
) -> None:
    body = {
        "code": code,
        "message": "Step up",
        "pending_authentication_token": SECRET_TOKEN,
        **extra,
    }
    exc = mapped(403, body)
    assert type(exc) is cls
    assert isinstance(exc, e.AuthenticationFlowError) and isinstance(exc, e.AuthorizationError)
    assert exc.pending_authentication_token == SECRET_TOKEN
    for name, value in attrs.items():
        assert getattr(exc, name) == value
    assert SECRET_TOKEN not in str(exc) and SECRET_TOKEN not in repr(exc)


def test_step_up_code_in_error_field_on_403() -> None:
    exc = mapped(403, {"error": "mfa_enrollment", "pending_authentication_token": "p"})
    assert isinstance(exc, e.MfaEnrollmentError)


@pytest.mark.parametrize("status", [400, 403])
def test_sso_required_as_400_oauth_shape_or_403(status: int) -> None:
    body = {
        "error": "sso_required",
        "error_description": "Use SSO",
        "email": "a@acme.com",
        "connection_ids": ["conn_1"],
        "pending_authentication_token": SECRET_TOKEN,
    }
    exc = mapped(status, body)
    assert isinstance(exc, e.SsoRequiredError)
    assert exc.status_code == status
    assert (exc.email, exc.connection_ids) == ("a@acme.com", ["conn_1"])
    assert exc.pending_authentication_token == SECRET_TOKEN
    assert SECRET_TOKEN not in str(exc)


def test_org_auth_methods_required_as_400() -> None:
    body = {
        "error": "organization_authentication_methods_required",
        "email": "a@acme.com",
        "sso_connection_ids": ["conn_1"],
        "auth_methods": {"sso": True, "password": False},
    }
    exc = mapped(400, body)
    assert isinstance(exc, e.OrganizationAuthMethodsRequiredError)
    assert exc.sso_connection_ids == ["conn_1"] and exc.auth_methods["sso"] is True


def test_other_step_up_codes_on_400_stay_bad_requests() -> None:
    assert type(mapped(400, {"code": "mfa_challenge", "message": "x"})) is e.BadRequestError


@pytest.mark.parametrize(
    "body", [b"<html>502 Bad Gateway</html>", b"", b"[1,2]", b"null", b"\xff\xfe"]
)
def test_non_object_bodies(body: bytes) -> None:
    exc = mapped(502, body)
    assert isinstance(exc, e.ServerError)
    assert exc.message == "Bad Gateway" and exc.response_json == {}
    assert "html" not in str(exc)


def test_missing_request_id() -> None:
    r = response(404, {"message": "gone"})
    del r.headers["X-Request-ID"]
    exc = error_from_response(r, method="GET", path="/x")
    assert exc.request_id is None and str(exc) == "HTTP 404: gone"


# -- Retry-After -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("1", 1.0),
        (" 2 ", 2.0),
        ("1.5", 1.5),
        ("120", 120.0),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        ("", None),
        (None, None),
        ("soon", None),
        ("\u0661", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date_in_the_future() -> None:
    now = 1_800_000_000.0
    header = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(30.0)


def test_errors_can_be_built_by_hand_for_tests() -> None:
    assert (
        e.ServerError().status_code == 500
        and str(e.ServerError()) == "HTTP 500: Internal Server Error"
    )
    refused = e.BadRequestError(error="invalid_grant", request_id="req_9")
    assert refused.is_invalid_grant and refused.status_code == 400
    assert str(refused) == "HTTP 400: invalid_grant (request_id=req_9)"
    flow = e.MfaChallengeError(response_json={"pending_authentication_token": "p"})
    assert flow.status_code == 403 and flow.pending_authentication_token == "p"
    assert e.RateLimitExceededError(retry_after=2.0).retry_after == 2.0
    with pytest.raises(TypeError):
        e.APIError("no status")
