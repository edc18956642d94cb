"""Webhook signature verification against a table of good and hostile headers."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from django_authkit.client import ConfigurationError, Event, WebhookVerificationError, WorkOSClient
from django_authkit.client.webhooks import (
    construct_event,
    parse_signature_header,
    signature_header,
    verify_header,
)

SECRET = "whsec_test_secret"
BODY = json.dumps(
    {
        "id": "event_01",
        "event": "user.created",
        "data": {"id": "user_01", "email": "ada@acme.test"},
        "created_at": "2026-01-15T12:00:00.000Z",
    },
    separators=(",", ":"),
).encode()
NOW_MS = int(time.time() * 1000)


def at_now() -> float:
    """The clock the tables were signed against, however long the suite has run."""
    return NOW_MS / 1000


def sign(body: bytes = BODY, t: int | str = NOW_MS, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


GOOD = {
    "canonical": f"t={NOW_MS}, v1={sign()}",
    "no space": f"t={NOW_MS},v1={sign()}",
    "reversed order": f"v1={sign()}, t={NOW_MS}",
    "upper-case hex": f"t={NOW_MS}, v1={sign().upper()}",
    "unknown scheme ignored": f"t={NOW_MS}, v0=abc, v1={sign()}",
    "surrounding spaces": f"  t={NOW_MS} ,  v1={sign()}  ",
    "bytes header": f"t={NOW_MS}, v1={sign()}".encode(),
}

OLD_MS = NOW_MS - 181_000
FUTURE_MS = NOW_MS + 181_000
HOSTILE: dict[str, Any] = {
    "none": None,
    "empty": "",
    "int": 12345,
    "list": [f"t={NOW_MS}", f"v1={sign()}"],
    "only t": f"t={NOW_MS}",
    "only v1": f"v1={sign()}",
    "duplicate t": f"t={NOW_MS}, t={NOW_MS}, v1={sign()}",
    "duplicate v1": f"t={NOW_MS}, v1={sign()}, v1={sign()}",
    "duplicate v1 one wrong": f"t={NOW_MS}, v1={'0' * 64}, v1={sign()}",
    "non-ascii v1": f"t={NOW_MS}, v1={sign()[:-1]}é",
    "non-ascii digits in t": f"t=\u0661\u0662\u0663, v1={sign()}",
    "non-ascii bytes": f"t={NOW_MS}, v1={sign()}\u00ff".encode("latin-1"),
    "fullwidth digits": f"t=\uff11\uff12\uff13, v1={sign()}",
    "t not a number": f"t=abc, v1={sign()}",
    "negative t": f"t=-{NOW_MS}, v1={sign()}",
    "fractional t": f"t={NOW_MS}.5, v1={sign()}",
    "t in seconds": f"t={NOW_MS // 1000}, v1={sign(t=NOW_MS // 1000)}",
    "too old": f"t={OLD_MS}, v1={sign(t=OLD_MS)}",
    "too far in the future": f"t={FUTURE_MS}, v1={sign(t=FUTURE_MS)}",
    "short v1": f"t={NOW_MS}, v1={sign()[:32]}",
    "v1 not hex": f"t={NOW_MS}, v1={'z' * 64}",
    "empty v1": f"t={NOW_MS}, v1=",
    "no equals": f"t{NOW_MS}, v1{sign()}",
    "trailing comma": f"t={NOW_MS}, v1={sign()},",
    "semicolons": f"t={NOW_MS}; v1={sign()}",
    "huge": f"t={NOW_MS}, v1={sign()}, " + "x=y, " * 500,
    "wrong secret": f"t={NOW_MS}, v1={sign(secret='other')}",
    "signature of another body": f"t={NOW_MS}, v1={sign(body=b'{}')}",
    "signed with other t": f"t={NOW_MS}, v1={sign(t=NOW_MS - 1)}",
    "NUL byte": f"t={NOW_MS}\x00, v1={sign()}",
}


@pytest.mark.parametrize("header", GOOD.values(), ids=GOOD.keys())
def test_good_headers_verify(header: Any) -> None:
    verify_header(BODY, header, SECRET, now=at_now)


@pytest.mark.parametrize("header", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_headers_raise_value_error(header: Any) -> None:
    with pytest.raises(WebhookVerificationError) as info:
        verify_header(BODY, header, SECRET, now=at_now)
    assert isinstance(info.value, ValueError)
    assert sign() not in str(info.value)


def test_tampered_body_is_rejected() -> None:
    with pytest.raises(WebhookVerificationError):
        verify_header(BODY + b" ", f"t={NOW_MS}, v1={sign()}", SECRET, now=at_now)


def test_tolerance_is_configurable_and_symmetric() -> None:
    header = f"t={OLD_MS}, v1={sign(t=OLD_MS)}"
    verify_header(BODY, header, SECRET, tolerance=300, now=at_now)
    with pytest.raises(WebhookVerificationError):
        verify_header(BODY, header, SECRET, tolerance=60, now=at_now)
    now = (NOW_MS - 100_000) / 1000  # our clock behind: the delivery looks 100 s in the future
    verify_header(BODY, f"t={NOW_MS}, v1={sign()}", SECRET, now=lambda: now)
    with pytest.raises(WebhookVerificationError):
        verify_header(BODY, f"t={NOW_MS}, v1={sign()}", SECRET, tolerance=60, now=lambda: now)


def test_missing_secret_is_a_configuration_error_not_a_value_error() -> None:
    with pytest.raises(ConfigurationError) as info:
        verify_header(BODY, f"t={NOW_MS}, v1={sign()}", "", now=at_now)
    assert not isinstance(info.value, ValueError)


def test_non_bytes_payload_is_rejected_cleanly() -> None:
    with pytest.raises(WebhookVerificationError):
        verify_header(None, f"t={NOW_MS}, v1={sign()}", SECRET, now=at_now)  # type: ignore[arg-type]
    verify_header(BODY.decode(), f"t={NOW_MS}, v1={sign()}", SECRET, now=at_now)  # type: ignore[arg-type]


def test_construct_event_returns_a_typed_event() -> None:
    client = WorkOSClient(api_key="sk", client_id="client_1")
    now_ms = int(time.time() * 1000)
    header = f"t={now_ms}, v1={sign(t=now_ms)}"
    event = client.webhooks.construct_event(BODY, header, SECRET)
    assert isinstance(event, Event)
    assert (event.id, event.event) == ("event_01", "user.created")
    assert event.data["email"] == "ada@acme.test"
    assert event.created_at is not None and event.created_at.year == 2026
    client.webhooks.verify_header(BODY, header, SECRET)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"id": 1}', b'{"id": "e"}', b"\xff"])
def test_construct_event_rejects_signed_garbage(body: bytes) -> None:
    with pytest.raises(WebhookVerificationError):
        construct_event(body, f"t={NOW_MS}, v1={sign(body=body)}", SECRET, now=at_now)


def test_signature_header_matches_the_official_sdk_verifier() -> None:
    from workos.webhooks._verification import verify_header as sdk_verify

    header = signature_header(BODY, SECRET)
    sdk_verify(event_body=BODY, event_signature=header, secret=SECRET)
    verify_header(BODY, header, SECRET)
    assert header.startswith("t=") and ", v1=" in header


def test_parse_signature_header_normalises_hex() -> None:
    assert parse_signature_header(f"v1={'AB' * 32},t=1") == ("1", "ab" * 32)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_arbitrary_headers_only_ever_raise_webhook_verification_error(header: Any) -> None:
    with pytest.raises(WebhookVerificationError):
        verify_header(BODY, header, SECRET, now=at_now)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_structured_garbage_only_raises_webhook_verification_error(t: str, v1: str) -> None:
    for header in (f"t={t}, v1={v1}", f"v1={v1},t={t}"):
        with pytest.raises(WebhookVerificationError):
            verify_header(BODY, header, SECRET, now=at_now)
