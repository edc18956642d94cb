"""A person signs in to the example site on its own page, with a password and MFA.

Same setup as ``test_browser.py`` (the example site and the emulator as their
own processes, Debian's chromium through Playwright). The person enrolls an
authenticator app on the first sign-in (the QR code is shown; the test reads the
setup key as a person without a phone would) and answers a challenge on the
second; the codes are real RFC 6238 codes computed from that key.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests

from tests.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, demo  # noqa: F401  (fixture)
from tests.test_native_helpers import totp

pytestmark = pytest.mark.browser

EMAIL = "mfa@acme.test"
PASSWORD = "correct-horse-battery"


def _fresh_code(secret: str) -> str:
    """A code that stays valid for a few seconds (no 30 s boundary mid-submit)."""
    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.2)
    return totp(secret)


def _sign_in_with_password(page: Any, site: str) -> None:
    from playwright.sync_api import expect

    page.goto(site + "/")
    page.get_by_role("link", name="Use our own sign-in page").click()
    expect(page).to_have_url(re.compile(re.escape(site) + "/auth/account/sign-in/"))
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_password_and_mfa_sign_in_in_a_real_browser(demo: dict[str, str]) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    emulator, site = demo["emulator"], demo["site"]
    seeded = requests.post(
        f"{emulator}/_emulator/seed",
        json={
            "users": [
                {"email": EMAIL, "first_name": "Mia", "last_name": "Factor", "password": PASSWORD}
            ],
            "memberships": [{"user": EMAIL, "organization": "Acme Corp", "role": "member"}],
        },
        timeout=5,
    )
    assert seeded.status_code == 201, seeded.text
    requests.post(f"{emulator}/_emulator/config", json={"mfa_required": True}, timeout=5)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()

            # First sign-in: a wrong password first, then the right one, then enrol MFA.
            page.goto(site + "/auth/account/sign-in/")
            page.get_by_label("E-mail address").fill(EMAIL)
            page.get_by_label("Password").fill("not-my-password")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("alert")).to_contain_text("Incorrect e-mail address")
            page.screenshot(path=str(ARTIFACTS / "native-wrong-password.png"), full_page=True)

            _sign_in_with_password(page, site)
            expect(page).to_have_url(site + "/auth/account/mfa/enroll/")
            qr = page.get_by_role("img", name=re.compile("QR code"))
            expect(qr).to_be_visible()
            assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
            page.screenshot(path=str(ARTIFACTS / "native-mfa-enroll.png"), full_page=True)
            page.get_by_text("Can't scan it?").click()
            secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")

            code = page.get_by_label("Code")
            expect(code).to_have_attribute("inputmode", "numeric")
            code.fill("000000" if totp(secret) != "000000" else "111111")
            page.get_by_role("button", name="Turn on and sign in").click()
            expect(page.get_by_role("alert").first).to_contain_text("That code is not right")
            page.get_by_label("Code").fill(_fresh_code(secret))
            page.get_by_role("button", name="Turn on and sign in").click()
            expect(page).to_have_url(site + "/")
            page.goto(site + "/dashboard/")
            expect(page.get_by_test_id("email")).to_have_text(EMAIL)
            expect(page.get_by_test_id("organization")).to_have_text("Acme Corp")
            page.screenshot(path=str(ARTIFACTS / "native-signed-in.png"), full_page=True)

            # Second sign-in: the factor exists, so WorkOS asks for a code.
            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("link", name="Use our own sign-in page")).to_be_visible()
            _sign_in_with_password(page, site)
            expect(page).to_have_url(site + "/auth/account/mfa/")
            page.screenshot(path=str(ARTIFACTS / "native-mfa-challenge.png"), full_page=True)
            page.get_by_label("Code").fill(_fresh_code(secret))
            page.get_by_role("button", name="Verify").click()
            expect(page).to_have_url(site + "/")
            page.goto(site + "/dashboard/")
            expect(page.get_by_test_id("email")).to_have_text(EMAIL)
            browser.close()
    finally:
        requests.post(f"{emulator}/_emulator/config", json={"mfa_required": False}, timeout=5)
