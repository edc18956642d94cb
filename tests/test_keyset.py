"""The shared key set: validated before caching, single-flight, backoff, rotation-proof."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.test import Client

from django_authkit.core import crypto
from django_authkit.models import AuthKitSession
from django_authkit.tokens.verify import (
    InvalidAccessToken,
    KeysUnavailable,
    clear_key_cache,
    verify_access_token,
)

ADA = {"email": "ada@acme.test", "organization_name": "Acme", "role": "admin"}


def _jwks_calls(emu: Any) -> list[dict[str, Any]]:
    return emu.control.calls(path=f"/sso/jwks/{emu.client_id}")


def _fault_hits(emu: Any) -> list[int]:
    """How many requests each armed fault met (a hanging answer is not yet in the log)."""
    faults = requests.get(f"{emu.url}/_emulator/faults", timeout=10).json()["data"]
    return [int(f["hits"]) for f in faults]


def _cold_start() -> None:
    """A new worker on a new host: nothing in process, nothing shared."""
    clear_key_cache()
    cache.clear()


@pytest.fixture
def token(signed_in: Client) -> str:
    value = crypto.decrypt(AuthKitSession.objects.get().access_token)
    assert value
    return value


def _claims_of(token: str) -> dict[str, Any]:
    segment = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))))


def test_a_malformed_key_set_never_replaces_the_good_one(
    token: str, emu: Any, settings: Any
) -> None:
    verify_access_token(token)
    settings.AUTHKIT = {**settings.AUTHKIT, "JWKS_CACHE_SECONDS": 0, "JWKS_FAILURE_BACKOFF": 0}
    for kind in ("malformed_key", "malformed_document", "not_a_key_set", "empty"):
        emu.control.jwks_fault(kind)
        assert verify_access_token(token)["sid"]  # known keys keep serving
        clear_key_cache()  # a fresh worker reads the shared copy: still the good set
        assert verify_access_token(token)["sid"]


@pytest.mark.parametrize("kind", ["malformed_key", "malformed_document", "not_a_key_set"])
def test_a_bad_document_at_cold_start_is_never_shared(token: str, emu: Any, kind: str) -> None:
    _cold_start()
    emu.control.jwks_fault(kind)
    with pytest.raises(KeysUnavailable):
        verify_access_token(token)
    stored = getattr(cache, "_cache", {}).values()  # LocMemCache: pickled values
    assert not any(b'"keys"' in value for value in stored)


def test_rate_limited_jwks_is_not_retried_or_slept_on(
    token: str, emu: Any, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "MAX_RETRIES": 2}
    _cold_start()
    emu.control.clear_calls()
    emu.control.jwks_fault("rate_limited", retry_after=20, count=None)
    for _ in range(5):
        with pytest.raises(KeysUnavailable):
            verify_access_token(token)
    assert len(_jwks_calls(emu)) == 1  # one attempt, then backoff (>= Retry-After)


def test_hanging_jwks_costs_one_timeout_per_backoff_window(
    token: str, emu: Any, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "JWKS_TIMEOUT": 0.5}
    _cold_start()
    emu.control.clear_calls()
    emu.control.jwks_fault("hang", delay=3, count=None)

    def attempt(_: int) -> str:
        try:
            verify_access_token(token)
        except KeysUnavailable as exc:
            return exc.reason
        return "verified"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(16)))
    assert outcomes == ["jwks_unavailable"] * 16
    assert _fault_hits(emu) == [1]  # single-flight, then backoff: one fetch in all
    emu.control.clear_faults()


def test_forged_bearer_kids_cannot_block_a_rotation(
    emu: Any, client: Client, authkit_sign_in: Any, settings: Any
) -> None:
    """An anonymous bearer with a random kid takes the cool-down; then WorkOS rotates."""
    emu.control.configure(refresh_grace_seconds=0)
    assert authkit_sign_in(client, **ADA).status_code == 302
    real = crypto.decrypt(AuthKitSession.objects.get().access_token)
    assert real
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(_claims_of(real), key, algorithm="RS256", headers={"kid": "kid_random"})
    for _ in range(3):
        assert Client().get("/private/", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401
    emu.control.rotate_keys()
    settings.AUTHKIT = {**settings.AUTHKIT, "REFRESH_AHEAD": 10**6}  # refresh now
    response = client.get("/private/")
    assert response.status_code == 200, response.content[:300]
    assert AuthKitSession.objects.get().ended_at is None
    # New sign-ins with the new kid work too.
    assert authkit_sign_in(Client(), email="new@acme.test").status_code == 302


def test_rotation_keeps_old_tokens_and_accepts_new(emu: Any, signed_in: Client) -> None:
    old = crypto.decrypt(AuthKitSession.objects.get().access_token)
    assert old
    verify_access_token(old)
    emu.control.rotate_keys()
    fresh_client = Client()
    from django_authkit.testing.flow import sign_in_through_emulator

    assert sign_in_through_emulator(fresh_client, emu, email="b@acme.test").status_code == 302
    assert verify_access_token(old)["sid"]  # the old key is still published and known
    emu.control.retire_keys()
    assert verify_access_token(old)["sid"]  # known keys serve until the set is re-read


def test_unknown_bearer_kid_is_401_not_500(emu: Any, signed_in: Client) -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","kid":"x"}').rstrip(b"=").decode()
    response = Client().get("/private/", HTTP_AUTHORIZATION=f"Bearer {header}.e30.c2ln")
    assert response.status_code == 401
    with pytest.raises(InvalidAccessToken):
        verify_access_token(f"{header}.e30.c2ln")


def test_rsa_keys_shorter_than_2048_bits_are_not_used() -> None:
    """RFC 7518 §3.3: a short key in the JWKS is skipped like a malformed one."""
    from jwt.algorithms import RSAAlgorithm

    from django_authkit.tokens.keyset import parse_jwks

    def jwk(bits: int, kid: str) -> dict[str, Any]:
        public = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
        return {**json.loads(RSAAlgorithm.to_jwk(public)), "kid": kid, "use": "sig"}

    keys, kept = parse_jwks({"keys": [jwk(1024, "short"), jwk(2048, "long")]})
    assert list(keys) == ["long"] and [k["kid"] for k in kept] == ["long"]
    with pytest.raises(ValueError):
        parse_jwks({"keys": [jwk(1024, "short")]})
