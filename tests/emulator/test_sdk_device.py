"""The device authorization grant (RFC 8628) with the official SDK's public client."""

from __future__ import annotations

import pytest

workos = pytest.importorskip("workos")

from workos._errors import BadRequestError  # noqa: E402

from tests.emulator.conftest import CLIENT_ID  # noqa: E402


def _error(call):
    with pytest.raises(BadRequestError) as info:
        call()
    return info.value.error


def test_device_flow_pending_slow_down_then_signed_in(emu) -> None:
    device = workos.create_public_client(client_id=CLIENT_ID, base_url=emu.url).user_management
    start = device.create_device(client_id=CLIENT_ID)
    assert start.user_code and start.verification_uri == f"{emu.url}/device"
    poll = lambda: device.authenticate_with_device_code(device_code=start.device_code)  # noqa: E731
    assert _error(poll) == "authorization_pending"
    assert _error(poll) == "slow_down"
    # The person opens the verification page (the hosted sign-in page) and signs in.
    location = emu.control.complete_sign_in(start.verification_uri_complete, email="cli@x.co")
    assert location == ""  # approved on the page itself: no redirect
    emu.control.set_clock(advance=10)
    auth = poll()
    assert auth.user.email == "cli@x.co" and auth.access_token and auth.refresh_token
    assert _error(poll) == "invalid_grant"  # used once


def test_device_flow_denied_and_expired(emu) -> None:
    device = workos.create_public_client(client_id=CLIENT_ID, base_url=emu.url).user_management
    start = device.create_device(client_id=CLIENT_ID)
    emu.control.complete_sign_in(start.verification_uri_complete, deny=True)
    assert _error(lambda: device.authenticate_with_device_code(device_code=start.device_code)) == (
        "access_denied"
    )
    start = device.create_device(client_id=CLIENT_ID)
    emu.control.set_clock(advance=301)
    assert _error(lambda: device.authenticate_with_device_code(device_code=start.device_code)) == (
        "expired_token"
    )
