"""WorkOS misbehaving never signs users out, never answers 500, and is bounded in time."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from django_authkit.models import AuthKitSession
from tests.cluster import slowness

AUTHENTICATE = "/user_management/authenticate"

# (status, body, retry_after, delay): what WorkOS answers instead of a good response
FAULTS = [
    pytest.param(500, None, None, None, id="500"),
    pytest.param(502, "<html>Bad gateway</html>", None, None, id="502-html"),
    pytest.param(503, None, 30, None, id="503-retry-after"),
    pytest.param(429, None, 5, None, id="429-retry-after"),
    pytest.param(200, "not json{", None, None, id="200-malformed-json"),
    pytest.param(200, {"unexpected": "shape"}, None, None, id="200-wrong-shape"),
    pytest.param(200, "", None, None, id="200-empty-body"),
    pytest.param(None, None, None, 2.0, id="slow-beyond-timeout"),
]


def _sign_in_expiring(emu: Any, authkit_sign_in: Any) -> Client:
    client = Client()
    emu.control.set_clock(offset=-290)  # the token expires in 10 s: the next request refreshes
    assert authkit_sign_in(client, email="ada@acme.test").status_code == 302
    emu.control.set_clock(offset=0)
    return client


@pytest.mark.parametrize(("status", "body", "retry_after", "delay"), FAULTS)
def test_refresh_faults_keep_the_session(
    emu: Any,
    authkit_sign_in: Any,
    settings: Any,
    status: int | None,
    body: Any,
    retry_after: int | None,
    delay: float | None,
) -> None:
    client = _sign_in_expiring(emu, authkit_sign_in)  # with the normal timeout: a loaded
    settings.AUTHKIT = {**settings.AUTHKIT, "REQUEST_TIMEOUT": 0.5}  # machine is not a fault
    emu.control.fault(
        AUTHENTICATE,
        method="POST",
        status=status,
        body=body,
        retry_after=retry_after,
        delay=delay,
        match={"grant_type": "refresh_token"},
    )
    started = time.monotonic()
    response = client.get("/private/")
    # bounded by REQUEST_TIMEOUT, no retry storm (the bound grows with the machine's load)
    assert time.monotonic() - started < 1.5 * slowness()
    assert response.status_code == 200  # the token is still valid: served as is
    row = AuthKitSession.objects.get()
    assert row.ended_at is None
    emu.control.clear_faults()
    if delay:
        time.sleep(delay)  # let the emulator finish the slow refresh it was still serving
    assert client.get("/private/").status_code == 200  # and it recovers


@pytest.mark.parametrize(("status", "body", "retry_after", "delay"), FAULTS)
def test_code_exchange_faults_answer_a_clear_page(
    emu: Any,
    settings: Any,
    status: int | None,
    body: Any,
    retry_after: int | None,
    delay: float | None,
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "REQUEST_TIMEOUT": 0.5}
    client = Client()
    location = client.get("/auth/sign-in/")["Location"]
    callback = emu.control.complete_sign_in(location, email="ada@acme.test")
    emu.control.fault(
        AUTHENTICATE, method="POST", status=status, body=body, retry_after=retry_after, delay=delay
    )
    parts = urlsplit(callback)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code in (400, 503)
    if response.status_code == 503:  # WorkOS failed: "try again", with Retry-After
        assert b"<code>workos_unavailable</code>" in response.content
        assert int(response["Retry-After"]) >= 1
    assert b"<code>" in response.content and b"Traceback" not in response.content
    if delay:
        time.sleep(delay + 0.3)  # the emulator logs the slow call when it finishes it
    assert len(emu.control.calls(path=AUTHENTICATE)) == 1  # a single-use grant: never retried
    assert client.get("/").json()["authenticated"] is False


def test_jwks_outage_during_sign_in_is_a_clear_page(emu: Any, client: Client) -> None:
    from django.core.cache import cache

    from django_authkit.tokens.verify import clear_key_cache

    clear_key_cache()
    cache.clear()
    emu.control.fault(f"/sso/jwks/{emu.client_id}", status=503, count=None)
    location = client.get("/auth/sign-in/")["Location"]
    parts = urlsplit(emu.control.complete_sign_in(location, email="ada@acme.test"))
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 503 and response["Retry-After"]  # keys unavailable: retry
    assert b"<code>workos_unavailable</code>" in response.content
