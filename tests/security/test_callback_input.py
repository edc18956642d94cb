"""Callback input is checked before anything reaches WorkOS (RFC 6749 §3.1, RFC 7636)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.test import Client

from tests.pending import rewrite


def _callback(emu: Any, client: Client) -> tuple[str, str]:
    """Start a sign-in and let the emulator answer; return ``(code, state)``."""
    start = client.get("/auth/sign-in/")
    query = parse_qs(urlsplit(emu.control.complete_sign_in(start["Location"],
                                                          email="cb@example.test")).query)
    return query["code"][0], query["state"][0]


def _code_exchanges(emu: Any) -> int:
    return len(emu.control.grants("authorization_code"))


@pytest.mark.parametrize(
    "query",
    [
        "code={code}&state={state}&state={state}",
        "code={code}&code={code}&state={state}",
        "code={code}&code=other&state={state}",
        "code={code}&state={state}&state=other",
        "code={code}&state=other&state={state}",
        "error=access_denied&error=x&state={state}",
        "code={code}&state={state}&error_description=a&error_description=b",
    ],
)
def test_repeated_parameters_are_refused(emu: Any, client: Client, query: str) -> None:
    code, state = _callback(emu, client)
    emu.control.clear_calls()
    response = client.get("/auth/callback/?" + query.format(code=code, state=state))
    assert response.status_code == 400, response.content[:300]
    assert b"repeated" in response.content
    assert _code_exchanges(emu) == 0
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "bad", ["abc\x00def", "caf\u00e9", "a b", "x" * 513, "\u202eabc", "a\tb", "\x7f"]
)
def test_malformed_codes_never_reach_workos(emu: Any, client: Client, bad: str) -> None:
    _code, state = _callback(emu, client)
    emu.control.clear_calls()
    response = client.get(f"/auth/callback/?code={quote(bad)}&state={state}")
    assert response.status_code == 400, response.content[:300]
    assert _code_exchanges(emu) == 0


@pytest.mark.parametrize("verifier", ["", None, "short", "x" * 129, "a b" * 20, 7])
def test_a_corrupt_pending_entry_never_sends_a_verifier(
    emu: Any, client: Client, verifier: Any
) -> None:
    code, state = _callback(emu, client)

    def corrupt(entry: dict[str, Any]) -> None:
        if verifier is None:
            del entry["v"]
        else:
            entry["v"] = verifier

    rewrite(client, corrupt)
    emu.control.clear_calls()
    response = client.get(f"/auth/callback/?code={code}&state={state}")
    assert response.status_code == 400, response.content[:300]
    assert b"state_corrupt" in response.content
    assert _code_exchanges(emu) == 0


def test_a_well_formed_callback_still_signs_in(emu: Any, client: Client) -> None:
    code, state = _callback(emu, client)
    response = client.get(f"/auth/callback/?code={code}&state={state}")
    assert response.status_code == 302
    assert _code_exchanges(emu) == 1
