"""No token input crashes anything: bearer header, code-exchange and refresh answers.

Hypothesis builds tokens from generated JOSE headers, payloads and signatures
(deep nesting, huge numbers, duplicate keys, bytes that are not UTF-8, every
claim of the wrong type, and signatures made with the emulator's real key so
the claims are checked too). The emulator hands them to the site as if WorkOS
had returned them. Whatever the token: no 5xx but the documented ones (503 try
again; 502 ``invalid_token`` for a token WorkOS returned that does not verify),
and nobody signed in by it.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.contrib.auth import SESSION_KEY
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from django_authkit.sessions.data import read_hot
from django_authkit.testing.flow import sign_in_through_emulator

FUZZ: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "derandomize": True,
    "database": None,
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.integers(min_value=10**20, max_value=10**40) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8,
)

HOSTILE_SEGMENTS = st.sampled_from([
    b"[" * 3000 + b"]" * 3000,
    b'{"a":' * 1500 + b"1" + b"}" * 1500,
    b'{"alg":"RS256","alg":"none","kid":"k"}',
    b'{"alg":"RS256","kid":"k","n":' + b"9" * 6000 + b"}",
    b"\xff\xfe\xfd{",
    b'{"alg":"RS256","kid":"\xc3\x28"}',
    b"null", b"[]", b'"text"', b"1e999999", b"",
])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@st.composite
def tokens(draw: Any, kid: str, issuer: str, private_key: Any) -> str:
    if draw(st.booleans()):
        header_raw = draw(HOSTILE_SEGMENTS)
    else:
        header: dict[str, Any] = {
            "alg": draw(st.sampled_from(["RS256", "RS256", "none", "HS256"]) | json_values),
            "kid": draw(st.sampled_from([kid, kid, "kid_unknown"]) | json_values),
        }
        header.update(draw(st.dictionaries(st.sampled_from(["typ", "jku", "crit", "x5c", "zip"]),
                                           json_values, max_size=2)))
        header_raw = json.dumps(header).encode()
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer, "sub": "user_fuzz", "sid": "session_fuzz", "exp": now + 300, "iat": now,
    }
    for name in draw(st.lists(st.sampled_from(
        ["iss", "sub", "sid", "exp", "iat", "org_id", "role", "roles", "permissions",
         "entitlements", "feature_flags", "act", "nbf"]), max_size=4)):
        claims[name] = draw(json_values)
    payload_raw = draw(HOSTILE_SEGMENTS) if draw(st.integers(0, 5)) == 0 else json.dumps(
        claims).encode()
    signing_input = f"{_b64(header_raw)}.{_b64(payload_raw)}"
    if draw(st.booleans()):
        signature = private_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    else:
        signature = draw(st.binary(max_size=300))
    return f"{signing_input}.{_b64(signature)}"


def _strategy(emu: Any) -> Any:
    return tokens(emu.emulator.key.kid, emu.issuer, emu.emulator.key.private_key) | st.text(
        max_size=60)


@pytest.fixture
def fuzz_site(emu: Any, settings: Any) -> Any:
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMITS": None}
    return emu


def test_bearer_header(fuzz_site: Any) -> None:
    @hsettings(max_examples=250, **FUZZ)
    @given(token=_strategy(fuzz_site))
    def check(token: str) -> None:
        client = Client()
        response = client.get("/private/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code < 500, response.content[:300]
        assert response.status_code != 200
        assert SESSION_KEY not in client.session

    check()


def test_code_exchange_answer(fuzz_site: Any) -> None:
    @hsettings(max_examples=40, **FUZZ)
    @given(token=_strategy(fuzz_site))
    def check(token: str) -> None:
        client = Client()
        fuzz_site.control.next_access_token(token, grant_type="authorization_code")
        response = sign_in_through_emulator(client, fuzz_site, email="fuzz@example.test")
        assert response.status_code < 500 or _retry_later(response) or _not_verified(response), \
            response.content[:300]
        assert response.status_code != 302
        assert SESSION_KEY not in client.session
        fuzz_site.control.clear_faults()

    check()


def test_refresh_answer(fuzz_site: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "REFRESH_AHEAD": 10**6}  # every request refreshes

    @hsettings(max_examples=40, **FUZZ)
    @given(token=_strategy(fuzz_site))
    def check(token: str) -> None:
        client = Client()
        signed = sign_in_through_emulator(client, fuzz_site, email="fuzzr@example.test")
        assert signed.status_code == 302
        before = read_hot(client.session)
        assert before
        fuzz_site.control.next_access_token(token, grant_type="refresh_token")
        response = client.get("/private/")
        assert response.status_code < 500 or _retry_later(response), response.content[:300]
        hot = read_hot(client.session)
        if hot is not None:  # still signed in: with the claims it had, never the crafted ones
            assert hot["sub"] == before["sub"] and hot["exp"] == before["exp"]
        fuzz_site.control.clear_faults()

    check()


def _retry_later(response: Any) -> bool:
    """The one documented 5xx: 503 with Retry-After (keys momentarily unavailable)."""
    return response.status_code == 503 and bool(response.get("Retry-After"))


def _not_verified(response: Any) -> bool:
    """A token WorkOS returned that does not verify: the site's or WorkOS's problem, 502."""
    return response.status_code == 502 and b"<code>invalid_token</code>" in response.content
