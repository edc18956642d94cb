"""Access-token verification refuses everything but a proper RS256 WorkOS token."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from django_authkit import crypto
from django_authkit.models import AuthKitSession
from django_authkit.tokens import InvalidAccessToken, clear_key_cache, verify_access_token


@pytest.fixture
def token(signed_in: Client) -> str:
    """A real access token minted by the emulator for a signed-in session."""
    value = crypto.decrypt(AuthKitSession.objects.get().access_token)
    assert value
    return value


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _parts(tok: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = tok.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (json.loads(base64.urlsafe_b64decode(pad(header))),
            json.loads(base64.urlsafe_b64decode(pad(payload))), signature)


def test_a_real_token_verifies(token: str, emu: Any) -> None:
    claims = verify_access_token(token)
    assert claims["iss"] == f"{emu.url}/user_management/{emu.client_id}"
    assert claims["sid"].startswith("session_") and claims["sub"].startswith("user_")


def test_keys_are_cached_no_jwks_fetch_per_token(token: str, emu: Any) -> None:
    verify_access_token(token)
    emu.control.clear_calls()
    for _ in range(3):
        verify_access_token(token)
    assert emu.control.calls(path=f"/sso/jwks/{emu.client_id}") == []


def test_cached_keys_survive_a_jwks_outage(token: str, emu: Any, settings: Any) -> None:
    verify_access_token(token)
    settings.AUTHKIT = {**settings.AUTHKIT, "JWKS_CACHE_SECONDS": 0}  # force a refetch attempt
    emu.control.fault(f"/sso/jwks/{emu.client_id}", status=503, count=None)
    assert verify_access_token(token)["sub"].startswith("user_")


def _forge(token: str, header_changes: dict[str, Any], claim_changes: dict[str, Any],
           keep_signature: bool = True) -> str:
    header, payload, signature = _parts(token)
    header.update(header_changes)
    payload.update(claim_changes)
    return f"{_b64(header)}.{_b64(payload)}.{signature if keep_signature else ''}"


@pytest.mark.parametrize(
    ("header", "claims", "reason"),
    [
        ({"alg": "none"}, {}, "algorithm_not_allowed"),
        ({"alg": "HS256"}, {}, "algorithm_not_allowed"),
        ({"alg": "RS512"}, {}, "algorithm_not_allowed"),
        ({"jku": "https://evil.test/jwks"}, {}, "forbidden_header"),
        ({"jwk": {"kty": "RSA", "n": "x", "e": "AQAB"}}, {}, "forbidden_header"),
        ({"x5u": "https://evil.test/cert"}, {}, "forbidden_header"),
        ({"x5c": ["MIIB"]}, {}, "forbidden_header"),
        ({"crit": ["exp"]}, {}, "forbidden_header"),
        ({"kid": ""}, {}, "missing_kid"),
        ({}, {"sub": "user_attacker"}, "invalid"),
        ({}, {"org_id": "org_other", "role": "admin"}, "invalid"),
    ],
)
def test_forged_tokens_are_refused(
    token: str, header: dict[str, Any], claims: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InvalidAccessToken) as info:
        verify_access_token(_forge(token, header, claims))
    assert info.value.reason == reason


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 20000, "eyJhbGciOiJSUzI1NiJ9..",
                                     "\u00e9.\u00e9.\u00e9"])
def test_malformed_tokens_are_refused(emu: Any, garbage: str) -> None:
    with pytest.raises(InvalidAccessToken):
        verify_access_token(garbage)


def test_token_signed_by_another_key_is_refused(token: str, emu: Any) -> None:
    header, payload, _ = _parts(token)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(payload, key, algorithm="RS256", headers={"kid": header["kid"]})
    with pytest.raises(InvalidAccessToken) as info:
        verify_access_token(forged)
    assert info.value.reason == "invalid"


def test_unknown_kid_refetches_once_per_cooldown(token: str, emu: Any) -> None:
    verify_access_token(token)
    _, payload, _ = _parts(token)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    emu.control.clear_calls()
    for i in range(5):
        forged = jwt.encode(payload, key, algorithm="RS256", headers={"kid": f"kid_forged_{i}"})
        with pytest.raises(InvalidAccessToken) as info:
            verify_access_token(forged)
        assert info.value.reason == "unknown_kid"
    assert len(emu.control.calls(path=f"/sso/jwks/{emu.client_id}")) == 1


def test_wrong_issuer_is_refused(token: str, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ISSUER": "https://api.workos.com/user_management/x"}
    with pytest.raises(InvalidAccessToken) as info:
        verify_access_token(token)
    assert info.value.reason == "wrong_issuer"


def test_expired_token_is_refused(emu: Any, authkit_sign_in: Any, settings: Any) -> None:
    emu.control.configure(access_token_ttl=1)
    assert authkit_sign_in(Client(), email="exp@example.test").status_code == 302
    settings.AUTHKIT = {**settings.AUTHKIT, "JWT_LEEWAY": 0, "REFRESH_AHEAD": 0}
    expired = crypto.decrypt(AuthKitSession.objects.get().access_token)
    assert expired
    time.sleep(1.1)
    clear_key_cache()
    with pytest.raises(InvalidAccessToken) as info:
        verify_access_token(expired)
    assert info.value.reason == "expired"
