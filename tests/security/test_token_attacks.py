"""Access-token verification refuses every malformed, forged or misused token.

Tokens are signed with a key the verifier trusts (served over HTTP by
``keyserver``), so each case isolates exactly one defect.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest

from django_authkit.tokens.verify import InvalidAccessToken, KeysUnavailable, verify_access_token
from tests.security.keyserver import KeyServer


def _reason(token: str) -> str:
    with pytest.raises(InvalidAccessToken) as info:
        verify_access_token(token)
    return info.value.reason


def test_a_well_formed_token_verifies(keyserver: KeyServer) -> None:
    assert verify_access_token(keyserver.sign(keyserver.claims()))["sub"] == "user_01TEST"


NOW = int(time.time())


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": NOW - 10}, "expired"),
        ({"exp": NOW - 86400}, "expired"),
        ({"nbf": NOW + 600}, "invalid"),
        ({"iat": NOW + 600}, "invalid"),
        ({"iss": "https://api.workos.com/user_management/client_keyserver"}, "wrong_issuer"),
        ({"iss": "https://evil.test/"}, "wrong_issuer"),
        ({"exp": None}, "missing_claim:exp"),
        ({"iat": None}, "missing_claim:iat"),
        ({"iss": None}, "missing_claim:iss"),
        ({"sub": None}, "missing_claim:sub"),
        ({"sid": None}, "missing_claim:sid"),
        ({"sub": ""}, "missing_claim:sub"),
        ({"sid": 12345}, "missing_claim:sid"),
        ({"exp": "tomorrow"}, "invalid"),
    ],
)
def test_claim_defects(keyserver: KeyServer, changes: dict[str, Any], reason: str) -> None:
    assert _reason(keyserver.sign(keyserver.claims(**changes))) == reason


def _b64(data: Any) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"alg": "none", "kid": "key_test_1"}, "algorithm_not_allowed"),
        ({"alg": "HS256", "kid": "key_test_1"}, "algorithm_not_allowed"),
        ({"alg": "ES256", "kid": "key_test_1"}, "algorithm_not_allowed"),
        ({"alg": "PS256", "kid": "key_test_1"}, "algorithm_not_allowed"),
        ({"alg": "RS256"}, "missing_kid"),
        ({"alg": "RS256", "kid": 7}, "missing_kid"),
        ({"alg": "RS256", "kid": "k" * 300}, "missing_kid"),
        (
            {"alg": "RS256", "kid": "key_test_1", "jku": "https://evil.test/jwks"},
            "forbidden_header",
        ),
        ({"alg": "RS256", "kid": "key_test_1", "x5u": "https://evil.test/c"}, "forbidden_header"),
        ({"alg": "RS256", "kid": "key_test_1", "x5c": ["MIIB"]}, "forbidden_header"),
        ({"alg": "RS256", "kid": "key_test_1", "jwk": {"kty": "RSA"}}, "forbidden_header"),
    ],
)
def test_header_defects(keyserver: KeyServer, header: dict[str, Any], reason: str) -> None:
    good = keyserver.sign(keyserver.claims())
    _, payload, signature = good.split(".")
    assert _reason(f"{_b64(header)}.{payload}.{signature}") == reason


def test_hs256_signed_with_the_public_key_is_refused(keyserver: KeyServer) -> None:
    from cryptography.hazmat.primitives import serialization

    public_pem = keyserver.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64({"alg": "HS256", "kid": keyserver.kid, "typ": "JWT"})
    payload = _b64(keyserver.claims())
    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert _reason(f"{header}.{payload}.{_b64(mac)}") == "algorithm_not_allowed"


@pytest.mark.parametrize("part", [0, 1, 2])
def test_tampering_with_any_part_is_refused(keyserver: KeyServer, part: int) -> None:
    pieces = keyserver.sign(keyserver.claims()).split(".")
    victim = pieces[part]
    pieces[part] = victim[:-4] + ("AAAA" if not victim.endswith("AAAA") else "BBBB")
    assert _reason(".".join(pieces)) in {"invalid", "malformed"}


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "..",
        "a.b",
        "a.b.c.d",
        "eyJ.eyJ.sig",
        "x" * 17000,
        "Bearer abc",
        "é.é.é",
        "\x00.\x00.\x00",
        _b64(b"{") + ".e30.",
        _b64([1, 2]) + ".e30.",
    ],
)
def test_malformed_tokens(keyserver: KeyServer, token: str) -> None:
    with pytest.raises(InvalidAccessToken):
        verify_access_token(token)


def test_key_rotation_fetches_the_new_key_once(keyserver: KeyServer) -> None:
    verify_access_token(keyserver.sign(keyserver.claims()))
    before = keyserver.fetches
    keyserver.rotate()
    fresh = keyserver.sign(keyserver.claims())
    for _ in range(3):
        assert verify_access_token(fresh)["sid"] == "session_01TEST"
    assert keyserver.fetches == before + 1


def test_flood_of_unknown_kids_fetches_once_per_cooldown(keyserver: KeyServer) -> None:
    verify_access_token(keyserver.sign(keyserver.claims()))
    before = keyserver.fetches
    for i in range(50):
        forged = keyserver.sign(keyserver.claims(), kid=f"forged_{i}")
        assert _reason(forged) == "unknown_kid"
    assert keyserver.fetches == before + 1


def test_jwks_down_with_cached_keys_keeps_working(keyserver: KeyServer, settings: Any) -> None:
    token = keyserver.sign(keyserver.claims())
    verify_access_token(token)
    keyserver.up = False
    settings.AUTHKIT = {**settings.AUTHKIT, "JWKS_CACHE_SECONDS": 0}  # stale: tries to refetch
    assert verify_access_token(token)["sub"] == "user_01TEST"


def test_jwks_down_with_nothing_cached(keyserver: KeyServer) -> None:
    keyserver.up = False
    with pytest.raises(KeysUnavailable):
        verify_access_token(keyserver.sign(keyserver.claims()))


def test_a_token_signed_by_another_key_under_a_trusted_kid(keyserver: KeyServer) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        keyserver.claims(), stranger, algorithm="RS256", headers={"kid": keyserver.kid}
    )
    assert _reason(forged) == "invalid"
