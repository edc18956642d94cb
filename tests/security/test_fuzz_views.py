"""Property-based fuzzing: no input to any view produces a 500 or an exception.

The Django test client re-raises any exception a view lets escape, so a test
passes only if every generated request gets a deliberate answer.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
RAW_QUERY = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=300)
KEYS = st.sampled_from(
    [
        "next",
        "state",
        "code",
        "error",
        "error_description",
        "provider",
        "organization_id",
        "connection_id",
        "login_hint",
        "domain_hint",
        "prompt",
        "returnTo",
        "x",
    ]
)
PARAMS = st.dictionaries(KEYS, TEXT, max_size=6)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

GET_PATHS = ["/auth/sign-in/", "/auth/sign-up/", "/auth/callback/", "/auth/sign-out/"]
POST_PATHS = ["/auth/sign-in/", "/auth/sign-out/", "/auth/switch-organization/"]


def _ok(response: Any) -> None:
    assert response.status_code < 500 or response.status_code in (502, 503), response.status_code
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("path", GET_PATHS)
@FUZZ
@given(params=PARAMS)
def test_get_with_any_parameters(emu: Any, path: str, params: dict[str, str]) -> None:
    _ok(Client().get(path, params))


@pytest.mark.parametrize("path", GET_PATHS)
@FUZZ
@given(query=RAW_QUERY)
def test_get_with_any_raw_query_string(emu: Any, path: str, query: str) -> None:
    _ok(Client().get(path, QUERY_STRING=query))


@pytest.mark.parametrize("path", POST_PATHS)
@FUZZ
@given(params=PARAMS)
def test_post_with_any_form(emu: Any, path: str, params: dict[str, str]) -> None:
    _ok(Client().post(path, params))


@FUZZ
@given(params=PARAMS)
def test_callback_with_a_real_pending_state_and_any_other_input(
    emu: Any, params: dict[str, str]
) -> None:
    """The state is genuine, so the fuzzed code and error reach WorkOS (the emulator)."""
    client = Client()
    location = client.get("/auth/sign-in/")["Location"]
    state = location.split("state=")[1].split("&")[0]
    _ok(client.get("/auth/callback/", {**params, "state": state}))


@FUZZ
@given(params=PARAMS)
def test_signed_in_posts_with_any_form(
    emu: Any, authkit_sign_in: Any, params: dict[str, str]
) -> None:
    client = Client()
    authkit_sign_in(client, email="fuzz@example.test", organization_name="Fuzz", role="admin")
    for path in ("/auth/switch-organization/", "/auth/sign-out/"):
        _ok(client.post(path, params))


@FUZZ
@given(body=st.binary(max_size=2000), signature=TEXT)
def test_webhook_with_any_body_and_signature(
    emu: Any, settings: Any, body: bytes, signature: str
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "WEBHOOK_SECRET": "whsec_fuzz"}
    headers = {"HTTP_WORKOS_SIGNATURE": signature} if signature else {}
    response = Client().post("/auth/webhooks/", body, content_type="application/json", **headers)
    assert response.status_code == 400
