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

from django_authkit.core import crypto
from django_authkit.models import AuthKitSession
from django_authkit.tokens.verify import InvalidAccessToken, clear_key_cache, verify_access_token


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


# -- the verifier's own checks (tokens.py verifies without jwt.decode) ----------------------


def _signed(emu: Any, claims: dict[str, Any] | str) -> str:
    """A token signed by the emulator's real key with exactly ``claims`` (or this JSON text)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = emu.emulator.key
    text = claims if isinstance(claims, str) else json.dumps(claims)
    head = _b64({"alg": "RS256", "kid": key.kid, "typ": "JWT"})
    body = base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()
    signature = key.private_key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(),
                                     hashes.SHA256())
    return f"{head}.{body}." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def _claims(emu: Any, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": emu.issuer, "sub": "user_x", "sid": "session_x", "iat": now, "exp": now + 300}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_the_emulators_key_signs_a_token_that_verifies(emu: Any) -> None:
    assert verify_access_token(_signed(emu, _claims(emu)))["sub"] == "user_x"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"sid": None}, "missing_claim:sid"),
        ({"iat": None}, "missing_claim:iat"),
        ({"iat": int(time.time()) + 3600}, "invalid"),  # issued in the future
        ({"nbf": int(time.time()) + 3600}, "invalid"),  # not yet valid
        ({"nbf": "soon"}, "invalid"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"exp": "tomorrow"}, "invalid"),
        ({"exp": 1e400}, "invalid"),  # json: Infinity
        ({"iss": ["https://elsewhere"]}, "wrong_issuer"),
        ({"iss": "https://elsewhere"}, "wrong_issuer"),
        ({"sub": 42}, "invalid"),
        ({"jti": 7}, "invalid"),
        # A day ahead, not minutes: the parameters are computed at collection, and a
        # full run can reach this test more than five minutes later.
        ({"exp": int(time.time()) + 86400.5}, "bad_claim:exp"),
    ],
)
def test_registered_claims_are_checked_exactly(
    emu: Any, changes: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InvalidAccessToken) as info:
        verify_access_token(_signed(emu, _claims(emu, **changes)))
    assert info.value.reason == reason


def _respell(token: str, index: int, spelling: Any) -> str:
    parts = token.split(".")
    parts[index] = spelling(parts[index])
    return ".".join(parts)


def _noncanonical(segment: str) -> str:
    """The same bytes with stray low bits set in the last character (binascii ignores them)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    if len(segment) % 4 == 0:
        return segment + "A"  # a length binascii cannot decode either: still refused
    last = alphabet.index(segment[-1])
    return segment[:-1] + alphabet[last | (1 if len(segment) % 4 == 2 else 0) | 2]


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize(
    "spelling",
    [
        lambda s: s + "=" * (-len(s) % 4 or 4),  # padded (RFC 7515 base64url has none)
        lambda s: s.replace("-", "+").replace("_", "/") if ("-" in s or "_" in s) else s + "+",
        lambda s: s + " ",
        _noncanonical,
    ],
    ids=["padded", "plus-slash", "space", "stray-bits"],
)
def test_every_segment_must_be_strict_base64url(emu: Any, index: int, spelling: Any) -> None:
    """One token has one spelling: a respelled segment is refused even though it decodes."""
    token = _signed(emu, _claims(emu))
    respelled = _respell(token, index, spelling)
    if respelled == token:
        pytest.skip("this segment has no such respelling")
    with pytest.raises(InvalidAccessToken):
        verify_access_token(respelled)


def test_a_duplicate_claim_in_a_signed_payload_is_refused(emu: Any) -> None:
    """A verifier that keeps the last of two ``sub`` members is the one an attacker wants."""
    token = _signed(emu, json.dumps(_claims(emu))[:-1] + ', "sub": "user_admin"}')
    with pytest.raises(InvalidAccessToken):
        verify_access_token(token)


def test_verification_decodes_the_header_once_and_never_calls_pyjwt(emu: Any) -> None:
    """The first-seen bearer cost (issue 18): one header decode, no ``jwt.decode``."""
    import cProfile
    import pstats

    token = _signed(emu, _claims(emu))
    verify_access_token(token)  # keys cached
    profile = cProfile.Profile()
    profile.enable()
    verify_access_token(token)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    calls = {(path.replace("\\", "/"), name): counts[0]
             for (path, _, name), counts in stats.items()}
    assert not [where for where in calls if "/jwt/" in where[0]]
    segments = sum(n for (path, name), n in calls.items() if name == "_json_segment")
    assert segments == 2  # the header once, the payload once


@pytest.mark.parametrize("index", [1, 2])
def test_a_non_ascii_segment_after_a_valid_header_is_refused(emu: Any, index: int) -> None:
    """Only the header is decoded before the key is looked up: the other segments must
    still end as InvalidAccessToken, never as an encoding error."""
    parts = _signed(emu, _claims(emu)).split(".")
    parts[index] = parts[index][:-1] + "\u00e9"
    with pytest.raises(InvalidAccessToken):
        verify_access_token(".".join(parts))


# -- issue 22: header members that change how the payload is read; auth_time; issuers ----


def _signed_with_header(emu: Any, claims: dict[str, Any], **header: Any) -> str:
    """A token signed by the emulator's key whose header carries extra members."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = emu.emulator.key
    head = _b64({"alg": "RS256", "kid": key.kid, "typ": "JWT", **header})
    body = _b64(claims)
    signature = key.private_key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(),
                                     hashes.SHA256())
    return f"{head}.{body}." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "header",
    [
        {"b64": False},  # RFC 7797: the payload would be read unencoded
        {"b64": True},  # still a member only RFC 7797 knows (and it needs crit)
        {"b64": False, "crit": ["b64"]},
        {"zip": "DEF"},  # a compressed payload
        {"cty": "JWT"},  # a nested token: the payload would be another JWT
    ],
    ids=["b64-false", "b64-true", "b64-crit", "zip", "cty"],
)
def test_header_members_that_change_how_the_payload_is_read_are_refused(
    emu: Any, header: dict[str, Any]
) -> None:
    """Signed by the real key, claims fine: only the header member is wrong."""
    with pytest.raises(InvalidAccessToken) as info:
        verify_access_token(_signed_with_header(emu, _claims(emu), **header))
    assert info.value.reason == "forbidden_header"


@pytest.mark.parametrize("auth_time", ["yesterday", 1.5, True, [1], {"t": 1}, -1, 10**13])
def test_auth_time_is_type_checked_like_iat(emu: Any, auth_time: Any) -> None:
    with pytest.raises(InvalidAccessToken) as info:
        verify_access_token(_signed(emu, _claims(emu, auth_time=auth_time)))
    assert info.value.reason == "bad_claim:auth_time"


def test_a_numeric_auth_time_and_none_at_all_both_verify(emu: Any) -> None:
    now = int(time.time())
    assert verify_access_token(_signed(emu, _claims(emu, auth_time=now)))["auth_time"] == now
    assert "auth_time" not in verify_access_token(_signed(emu, _claims(emu)))


def test_a_signed_non_numeric_auth_time_never_makes_a_step_up_view_answer_500(
    signed_in: Client, emu: Any
) -> None:
    """``@recent_auth_required`` reads ``auth_time``: the verifier refuses a bad one first."""
    sub = _parts(crypto.decrypt(AuthKitSession.objects.get().access_token) or "")[1]["sub"]
    token = _signed(emu, _claims(emu, sub=sub, auth_time="yesterday"))
    response = Client().get("/sensitive/", HTTP_AUTHORIZATION=f"Bearer {token}",
                            HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_by_default_the_legacy_and_per_client_issuers_are_accepted(emu: Any) -> None:
    for iss in (emu.url, f"{emu.url}/", f"{emu.url}/user_management/{emu.client_id}"):
        assert verify_access_token(_signed(emu, _claims(emu, iss=iss)))["iss"] == iss


@pytest.mark.parametrize(
    "iss",
    [
        "https://api.workos.com",  # the real API's origin, while this site uses another
        "{url}/user_management/client_other",  # another client's per-client shape
        "{url}/sso/{client_id}",  # flag-gated: only when ISSUER names it
        "{url}/user_management/{client_id}/",
        "https://auth.example.com",  # a custom domain nobody configured
    ],
)
def test_other_issuers_are_refused_by_default(emu: Any, iss: str) -> None:
    iss = iss.format(url=emu.url, client_id=emu.client_id)
    with pytest.raises(InvalidAccessToken) as info:
        verify_access_token(_signed(emu, _claims(emu, iss=iss)))
    assert info.value.reason == "wrong_issuer"
    assert info.value.received_issuer == iss
    assert f"{emu.url}/user_management/{emu.client_id}" in info.value.accepted_issuers


def test_a_wrong_issuer_refusal_names_what_was_seen_and_what_is_accepted(
    emu: Any, settings: Any
) -> None:
    from django_authkit.tokens.verify import describe

    settings.AUTHKIT = {**settings.AUTHKIT, "ISSUER": "https://a.test, https://b.test"}
    with pytest.raises(InvalidAccessToken) as info:
        verify_access_token(_signed(emu, _claims(emu, iss="https://x.test")))
    exc = info.value
    assert (exc.received_issuer, exc.accepted_issuers) == (
        "https://x.test", ("https://a.test", "https://b.test"))
    line = describe(exc)
    assert line.startswith("wrong_issuer: received 'https://x.test' but this site accepts "
                           "'https://a.test', 'https://b.test'")
    assert "AUTHKIT['ISSUER']" in line and "\n" not in line
    assert describe(InvalidAccessToken("expired")) == "expired"
    assert InvalidAccessToken("invalid").received_issuer is None
    assert InvalidAccessToken("invalid").accepted_issuers == ()


def test_an_issuer_setting_given_as_a_list_or_a_comma_string_accepts_each(
    emu: Any, settings: Any
) -> None:
    for value in (["https://a.test", "https://b.test"], " https://a.test ,, https://b.test,"):
        settings.AUTHKIT = {**settings.AUTHKIT, "ISSUER": value}
        for iss in ("https://a.test", "https://b.test"):
            assert verify_access_token(_signed(emu, _claims(emu, iss=iss)))["iss"] == iss
        with pytest.raises(InvalidAccessToken):  # an explicit list replaces the defaults
            verify_access_token(_signed(emu, _claims(emu)))
