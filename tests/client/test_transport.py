"""The wire: headers, bodies, retry policy and timeouts, against a scripted local server."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from django_authkit.client import (
    BadRequestError,
    RateLimitExceededError,
    ServerError,
    WorkOSClient,
    WorkOSConnectionError,
    WorkOSError,
    WorkOSTimeoutError,
)
from django_authkit.client.transport import Transport, shared_session
from tests.client.conftest import Scripted

USER = {"id": "user_01", "email": "ada@acme.test", "email_verified": True}
AUTH = {"user": USER, "access_token": "at", "refresh_token": "rt"}


def client(url: str, sleeps: list[float], **kw: Any) -> WorkOSClient:
    options: dict[str, Any] = {"max_retries": 2, "timeout": 2.0, "retry_after_max": 10.0, **kw}
    return WorkOSClient(
        api_key="sk_test_wire",
        client_id="client_wire",
        base_url=url,
        sleep=sleeps.append,
        **options,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_headers_and_json_body_on_authenticate(scripted: Scripted) -> None:
    scripted.reply(200, AUTH)
    auth = client(scripted.url, []).user_management.authenticate_with_code(
        code="code_1", code_verifier="ver", ip_address="10.0.0.1"
    )
    assert auth.user.email == "ada@acme.test"
    (req,) = scripted.requests
    assert (req.method, req.path) == ("POST", "/user_management/authenticate")
    assert req.headers["authorization"] == "Bearer sk_test_wire"
    assert req.headers["content-type"] == "application/json"
    assert (
        req.headers["user-agent"]
        == f"django-authkit/{__import__('django_authkit').__version__} python-requests"
    )
    assert "idempotency-key" not in req.headers
    assert json.loads(req.body) == {
        "grant_type": "authorization_code",
        "client_id": "client_wire",
        "client_secret": "sk_test_wire",
        "code": "code_1",
        "code_verifier": "ver",
        "ip_address": "10.0.0.1",
    }
    assert b" " not in req.body  # compact JSON


def test_get_has_bearer_and_no_body(scripted: Scripted) -> None:
    scripted.reply(200, {"data": [USER], "list_metadata": {"before": None, "after": None}})
    page = client(scripted.url, []).user_management.list_users(
        email="ada@acme.test", organization_id="org_1", limit=5, order="desc"
    )
    assert [u.id for u in page] == ["user_01"] and not page.has_more()
    (req,) = scripted.requests
    assert req.method == "GET" and req.body == b""
    assert req.path.startswith("/user_management/users?")
    assert (
        "email=ada%40acme.test" in req.path and "limit=5" in req.path and "order=desc" in req.path
    )
    assert req.headers["authorization"] == "Bearer sk_test_wire"


def test_list_filters_are_comma_joined(scripted: Scripted) -> None:
    scripted.reply(200, {"data": [], "list_metadata": {}})
    client(scripted.url, []).organizations.list_organizations(domains=["a.com", "b.com"])
    assert "domains=a.com%2Cb.com" in scripted.requests[0].path


def test_ids_are_escaped_into_one_path_segment(scripted: Scripted) -> None:
    scripted.reply(200, USER)
    client(scripted.url, []).user_management.get_user("../organizations/x?y=1")
    assert scripted.requests[0].path == "/user_management/users/..%2Forganizations%2Fx%3Fy%3D1"


def test_list_arguments_are_validated() -> None:
    um = WorkOSClient(api_key="k", client_id="c").user_management
    with pytest.raises(ValueError):
        um.list_users(limit=0)
    with pytest.raises(ValueError):
        um.list_users(order="sideways")


def test_audit_log_event_carries_one_idempotency_key_across_retries(scripted: Scripted) -> None:
    scripted.reply(503, {"message": "busy"})
    scripted.reply(200, {"success": True})
    sleeps: list[float] = []
    client(scripted.url, sleeps).audit_logs.create_event(
        organization_id="org_1",
        event={
            "action": "user.signed_in",
            "occurred_at": "2026-01-15T12:00:00.000Z",
            "actor": {"id": "user_01", "type": "user"},
            "targets": [{"id": "user_01", "type": "user"}],
            "context": {"location": "10.0.0.1"},
        },
    )
    first, second = scripted.requests
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert len(sleeps) == 1


def test_get_retries_5xx_then_succeeds(scripted: Scripted) -> None:
    scripted.reply(502)
    scripted.reply(504)
    scripted.reply(200, USER)
    sleeps: list[float] = []
    assert client(scripted.url, sleeps).user_management.get_user("user_01").id == "user_01"
    assert len(scripted.requests) == 3 and len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.75 and 0.5 <= sleeps[1] <= 1.5  # exponential, jittered


def test_retries_exhausted_raise_the_last_error(scripted: Scripted) -> None:
    for _ in range(3):
        scripted.reply(500, {"message": "boom", "code": "internal"})
    sleeps: list[float] = []
    with pytest.raises(ServerError) as info:
        client(scripted.url, sleeps).organizations.get_organization("org_1")
    assert info.value.request_id == "req_3" and len(sleeps) == 2


def test_non_retryable_statuses_are_not_retried(scripted: Scripted) -> None:
    scripted.reply(400, {"code": "bad", "message": "no"})
    sleeps: list[float] = []
    with pytest.raises(BadRequestError):
        client(scripted.url, sleeps).user_management.get_user("user_01")
    assert len(scripted.requests) == 1 and sleeps == []


def test_retry_after_is_honoured_and_capped(scripted: Scripted) -> None:
    scripted.reply(429, {"message": "slow"}, Retry_After="3")
    scripted.reply(429, {"message": "slow"}, Retry_After="3600")
    scripted.reply(200, USER)
    sleeps: list[float] = []
    client(scripted.url, sleeps, retry_after_max=5.0).user_management.get_user("user_01")
    assert sleeps == [3.0, 5.0]


def test_rate_limit_after_retries_reports_retry_after(scripted: Scripted) -> None:
    scripted.reply(429, {"message": "slow"}, Retry_After="1")
    scripted.reply(429, {"message": "slow"}, Retry_After="42")
    sleeps: list[float] = []
    with pytest.raises(RateLimitExceededError) as info:
        client(scripted.url, sleeps, max_retries=1).user_management.get_user("user_01")
    assert info.value.retry_after == 42.0 and sleeps == [1.0]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_grants_are_never_retried(scripted: Scripted, status: int) -> None:
    scripted.reply(status, {"message": "x"}, Retry_After="0")
    sleeps: list[float] = []
    um = client(scripted.url, sleeps).user_management
    with pytest.raises(WorkOSError):
        um.authenticate_with_refresh_token(refresh_token="rt_secret")
    assert len(scripted.requests) == 1 and sleeps == []


def test_plain_posts_are_not_retried(scripted: Scripted) -> None:
    scripted.reply(503)
    sleeps: list[float] = []
    with pytest.raises(ServerError):
        client(scripted.url, sleeps).user_management.create_user(email="new@acme.test")
    assert len(scripted.requests) == 1 and sleeps == []


def test_connection_refused_is_retried_for_gets_only() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    sleeps: list[float] = []
    with pytest.raises(WorkOSConnectionError) as info:
        client(url, sleeps).user_management.get_user("user_01")
    assert len(sleeps) == 2 and "sk_test_wire" not in str(info.value)
    sleeps.clear()
    with pytest.raises(WorkOSConnectionError) as info:
        client(url, sleeps).user_management.authenticate_with_code(code="code_secret")
    assert sleeps == [] and "code_secret" not in str(info.value)


def test_read_timeout_raises_without_retry(scripted: Scripted) -> None:
    scripted.reply(200, USER, delay=1.0)
    sleeps: list[float] = []
    with pytest.raises(WorkOSTimeoutError):
        client(scripted.url, sleeps, timeout=0.2).user_management.get_user("user_01")
    assert len(scripted.requests) == 1 and sleeps == []


def test_non_json_success_body_is_a_workos_error(scripted: Scripted) -> None:
    scripted.reply(200, b"<html>captive portal</html>")
    with pytest.raises(WorkOSError, match="not JSON"):
        client(scripted.url, []).user_management.get_user("user_01")


def test_delete_accepts_empty_answers(scripted: Scripted) -> None:
    scripted.reply(204, b"")
    assert client(scripted.url, []).user_management.delete_user("user_01") is None
    assert scripted.requests[0].method == "DELETE"


def test_redirects_are_not_followed(scripted: Scripted) -> None:
    scripted.reply(302, b"", Location="http://example.invalid/")
    with pytest.raises(WorkOSError, match="redirect"):
        client(scripted.url, []).user_management.delete_user("user_01")
    assert len(scripted.requests) == 1


def test_one_session_per_process() -> None:
    a = Transport(api_key="k", base_url="http://x", timeout=1, max_retries=0, retry_after_max=1)
    b = Transport(api_key="j", base_url="http://y", timeout=1, max_retries=0, retry_after_max=1)
    assert a.session is b.session is shared_session()


def test_backoff_grows_and_is_bounded() -> None:
    assert all(0.25 <= Transport.backoff(0) <= 0.75 for _ in range(50))
    assert all(Transport.backoff(50) <= 12.0 for _ in range(50))


def test_the_shared_session_keeps_no_cookies(scripted: Scripted) -> None:
    scripted.reply(200, USER, Set_Cookie="tracker=abc; Path=/")
    scripted.reply(200, USER)
    um = client(scripted.url, []).user_management
    um.get_user("user_01")
    um.get_user("user_01")
    assert "cookie" not in scripted.requests[1].headers


def test_transport_errors_never_chain_a_secret_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    um = client(url, []).user_management
    with pytest.raises(WorkOSConnectionError) as info:
        um.find_invitation_by_token("inv_secret_token")
    text = str(info.value) + repr(info.value.__cause__) + repr(info.value.__context__)
    assert "inv_secret_token" not in text and "/by_token/***" in str(info.value)
    with pytest.raises(WorkOSConnectionError) as info:
        um.get_user("user_01")
    assert info.value.__cause__ is not None  # ordinary paths keep the cause for debugging


def test_log_lines_carry_request_ids_but_no_secrets(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="django_authkit.client")
    scripted.reply(503, {"message": "busy"})
    scripted.reply(200, {"id": "invitation_1", "email": "bob@acme.test"})
    scripted.reply(400, {"error": "invalid_grant"})
    c = client(scripted.url, [])
    c.user_management.find_invitation_by_token("inv_secret_token")
    with pytest.raises(BadRequestError):
        c.user_management.authenticate_with_refresh_token(refresh_token="rt_secret_value")
    text = caplog.text
    assert "req_1" in text and "retry 1/2" in text and "/by_token/***" in text
    for secret in ("inv_secret_token", "rt_secret_value", "sk_test_wire"):
        assert secret not in text
