"""Code injection across flows fails PKCE; a refresh returning another identity ends the session."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.test import Client

from django_authkit.models import AuthKitSession


def _callback_query(emu: Any, client: Client, email: str) -> dict[str, str]:
    location = client.get("/auth/sign-in/")["Location"]
    query = parse_qs(urlsplit(emu.control.complete_sign_in(location, email=email)).query)
    return {k: v[0] for k, v in query.items()}


def test_code_injected_into_another_flow_fails_pkce(emu: Any) -> None:
    attacker, victim = Client(), Client()
    stolen = _callback_query(emu, attacker, "attacker@example.test")  # attacker's own code
    own = _callback_query(emu, victim, "victim@example.test")
    injected = {"code": stolen["code"], "state": own["state"]}  # victim's state, attacker's code
    response = victim.get("/auth/callback/?" + urlencode(injected))
    assert response.status_code == 400
    assert b"<code>invalid_code</code>" in response.content
    assert victim.get("/").json()["authenticated"] is False
    assert AuthKitSession.objects.count() == 0


def test_refresh_that_returns_another_identity_ends_the_session(
    emu: Any, authkit_sign_in: Any
) -> None:
    alice, bob = Client(), Client()
    emu.control.set_clock(offset=-290)  # both tokens expire soon
    authkit_sign_in(alice, email="alice@example.test")
    authkit_sign_in(bob, email="bob@example.test")
    emu.control.set_clock(offset=0)
    alice_row = AuthKitSession.objects.get(user__email="alice@example.test")
    bob_row = AuthKitSession.objects.get(user__email="bob@example.test")
    # A mix-up in storage: Alice's session now holds Bob's refresh token.
    alice_row.refresh_token = bob_row.refresh_token
    alice_row.save(update_fields=["refresh_token"])
    response = alice.get("/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401  # never signed in as Bob
    alice_row.refresh_from_db()
    assert alice_row.end_reason == "identity_changed"
