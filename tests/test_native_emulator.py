"""What the emulator adds for the native forms: its outbox, and MFA before an organization."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from django_authkit.client.errors import MfaChallengeError, OrganizationSelectionRequiredError
from django_authkit.emulator import EmulatorError
from django_authkit.workos import get_workos
from tests.test_native_helpers import PASSWORD, enroll_factor, seed_user, totp


def test_outbox_records_codes_and_links(emu: Any) -> None:
    seed_user(emu)
    um = get_workos().user_management
    magic = um.create_magic_auth(email="ada@acme.test")
    um.create_password_reset(email="ada@acme.test")
    um.create_magic_auth(email="other@acme.test")

    mine = emu.control.outbox("ADA@acme.test")
    assert [m["kind"] for m in mine] == ["password_reset", "magic_auth"]  # newest first
    assert mine[1]["code"] == magic.code and mine[1]["to"] == "ada@acme.test"
    assert mine[0]["token"] and mine[0]["url"].endswith(mine[0]["token"])
    assert emu.control.last_code("ada@acme.test") == magic.code
    assert emu.control.outbox(kind="magic_auth")[0]["to"] == "other@acme.test"
    with pytest.raises(EmulatorError):
        emu.control.last_code("nobody@acme.test")

    page = requests.get(f"{emu.url}/_emulator/outbox/page", timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert magic.code in page.text and "Reset your password" in page.text

    emu.control.reset()
    assert emu.control.outbox() == []


def test_outbox_page_escapes_addresses(emu: Any) -> None:
    get_workos().user_management.create_magic_auth(email="<b>x</b>@acme.test")
    page = requests.get(f"{emu.url}/_emulator/outbox/page", timeout=5).text
    assert "<b>x</b>" not in page and "&lt;b&gt;" in page


def test_choosing_an_organization_after_mfa_does_not_ask_again(emu: Any) -> None:
    user = seed_user(emu, orgs=("Acme", "Globex"))
    secret = enroll_factor(emu, user["id"])
    um = get_workos().user_management
    with pytest.raises(MfaChallengeError) as challenge:
        um.authenticate_with_password(email="ada@acme.test", password=PASSWORD)
    factor_id = challenge.value.authentication_factors[0]["id"]
    opened = um.challenge_auth_factor(factor_id)
    with pytest.raises(OrganizationSelectionRequiredError) as choose:
        um.authenticate_with_totp(
            code=totp(secret),
            pending_authentication_token=str(challenge.value.pending_authentication_token),
            authentication_challenge_id=opened.id,
        )
    org_id = choose.value.organizations[1]["id"]
    auth = um.authenticate_with_organization_selection(
        pending_authentication_token=str(choose.value.pending_authentication_token),
        organization_id=org_id,
    )
    assert auth.organization_id == org_id and auth.user.email == "ada@acme.test"
