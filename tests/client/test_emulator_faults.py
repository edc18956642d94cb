"""Retry policy against faults injected into the real emulator."""

from __future__ import annotations

from typing import Any

import pytest

from django_authkit.client import (
    RateLimitExceededError,
    ServerError,
    WorkOSClient,
    WorkOSTimeoutError,
)
from tests.client.conftest import EMU_API_KEY, EMU_CLIENT_ID
from tests.client.test_emulator_sign_in import sign_in

AUTHENTICATE = "/user_management/authenticate"


def user_path(workos: WorkOSClient) -> tuple[str, str]:
    user = workos.user_management.create_user(email="retry@acme.test")
    return user.id, f"/user_management/users/{user.id}"


def test_429_is_retried_honouring_retry_after(
    emu: Any, workos: WorkOSClient, sleeps: list[float]
) -> None:
    user_id, path = user_path(workos)
    emu.control.fault(path, method="GET", status=429, retry_after=1, count=2)
    emu.control.clear_calls()
    assert workos.user_management.get_user(user_id).id == user_id
    assert sleeps == [1.0, 1.0]
    assert [c["status"] for c in emu.control.calls(path=path)] == [429, 429, 200]


def test_retry_after_is_capped(emu: Any, workos: WorkOSClient, sleeps: list[float]) -> None:
    user_id, path = user_path(workos)
    emu.control.fault(path, method="GET", status=429, retry_after=3600, count=1)
    workos.user_management.get_user(user_id)
    assert sleeps == [2.0]  # retry_after_max of the fixture's client


def test_retry_after_as_http_date(emu: Any, workos: WorkOSClient, sleeps: list[float]) -> None:
    user_id, path = user_path(workos)
    emu.control.fault(
        path, method="GET", status=429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT", count=1
    )
    workos.user_management.get_user(user_id)
    assert sleeps == [0.0]  # a date in the past: go now


def test_429_beyond_the_retries_raises_with_retry_after(
    emu: Any, workos: WorkOSClient, sleeps: list[float]
) -> None:
    user_id, path = user_path(workos)
    emu.control.fault(path, method="GET", status=429, retry_after=1, count=5)
    emu.control.clear_calls()
    with pytest.raises(RateLimitExceededError) as info:
        workos.user_management.get_user(user_id)
    assert info.value.retry_after == 1.0 and info.value.request_id
    assert len(emu.control.calls(path=path)) == 3 and sleeps == [1.0, 1.0]


def test_503_on_a_get_is_retried_with_backoff(
    emu: Any, workos: WorkOSClient, sleeps: list[float]
) -> None:
    emu.control.fault("/organizations", method="GET", status=503, count=2)
    assert workos.organizations.list_organizations().data == []
    assert len(sleeps) == 2 and sleeps[0] < sleeps[1] * 3
    assert 0.25 <= sleeps[0] <= 0.75 and 0.5 <= sleeps[1] <= 1.5
    assert [c["status"] for c in emu.control.calls(path="/organizations")] == [503, 503, 200]


def test_authenticate_is_never_retried_on_500(
    emu: Any, workos: WorkOSClient, sleeps: list[float]
) -> None:
    code, verifier = sign_in(emu, workos)
    emu.control.clear_calls()
    emu.control.fault(AUTHENTICATE, method="POST", status=500, count=1)
    with pytest.raises(ServerError) as info:
        workos.user_management.authenticate_with_code(code=code, code_verifier=verifier)
    assert info.value.status_code == 500 and info.value.request_id
    calls = emu.control.calls(path=AUTHENTICATE)
    assert len(calls) == 1 and calls[0]["fault"] and sleeps == []
    # The fault answered before the code was spent, so the user can still finish.
    auth = workos.user_management.authenticate_with_code(code=code, code_verifier=verifier)
    assert auth.user.email == "ada@acme.test"


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_refresh_is_never_retried(
    emu: Any, workos: WorkOSClient, sleeps: list[float], status: int
) -> None:
    code, verifier = sign_in(emu, workos)
    auth = workos.user_management.authenticate_with_code(code=code, code_verifier=verifier)
    emu.control.clear_calls()
    emu.control.fault(
        AUTHENTICATE,
        method="POST",
        status=status,
        retry_after=0,
        count=1,
        match={"grant_type": "refresh_token"},
    )
    with pytest.raises((ServerError, RateLimitExceededError)):
        workos.user_management.authenticate_with_refresh_token(refresh_token=auth.refresh_token)
    assert len(emu.control.calls(path=AUTHENTICATE)) == 1 and sleeps == []


def test_a_slow_get_times_out(emu: Any, sleeps: list[float]) -> None:
    client = WorkOSClient(
        api_key=EMU_API_KEY,
        client_id=EMU_CLIENT_ID,
        base_url=emu.url,
        timeout=0.3,
        max_retries=2,
        sleep=sleeps.append,
    )
    emu.control.fault("/organizations", method="GET", status=None, delay=1.0, count=1)
    with pytest.raises(WorkOSTimeoutError) as info:
        client.organizations.list_organizations()
    assert "0.3s" in str(info.value) and sleeps == []


def test_a_slow_authenticate_times_out_once(emu: Any, sleeps: list[float]) -> None:
    client = WorkOSClient(
        api_key=EMU_API_KEY,
        client_id=EMU_CLIENT_ID,
        base_url=emu.url,
        timeout=0.3,
        sleep=sleeps.append,
    )
    code, verifier = sign_in(emu, client)
    emu.control.fault(AUTHENTICATE, method="POST", status=None, delay=1.0, count=1)
    with pytest.raises(WorkOSTimeoutError) as info:
        client.user_management.authenticate_with_code(code=code, code_verifier=verifier)
    assert code not in str(info.value) and sleeps == []
