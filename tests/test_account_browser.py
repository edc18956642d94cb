"""The account layer in a real chromium on the example site (against its emulator).

Alan, member of Acme Corp and Globex, signs in on two devices; on the dashboard he
switches organization with the switcher tag by keyboard, then signs the other
device out from "Your sessions", and fetches a widget token. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
from typing import Any

from tests.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, demo, pytestmark

__all__ = ["demo", "pytestmark"]


def test_switcher_and_sessions_in_a_real_browser(demo: dict[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    hosted = re.compile(re.escape(demo["emulator"]) + "/user_management/authorize")

    def sign_in(page: Any, org: str) -> None:
        page.goto(demo["site"] + "/dashboard/")
        expect(page).to_have_url(hosted)
        page.get_by_role("button", name=re.compile("Alan")).first.click()
        page.get_by_role("button", name=re.compile(org)).first.click()
        expect(page).to_have_url(demo["site"] + "/dashboard/")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        phone = browser.new_context(user_agent="Phone/2.0").new_page()
        sign_in(phone, "Globex")  # mirrors Alan's Globex membership
        laptop = browser.new_context(user_agent="Laptop/1.0").new_page()
        sign_in(laptop, "Acme Corp")

        switcher = laptop.locator("nav.authkit-organization-switcher")
        expect(switcher.locator('[aria-current="true"]')).to_contain_text("Acme Corp")
        to_globex = switcher.get_by_role("button", name="Switch to Globex")
        laptop.screenshot(path=str(ARTIFACTS / "account-switcher.png"), full_page=True)
        to_globex.focus()
        laptop.keyboard.press("Enter")  # keyboard only
        expect(laptop.get_by_test_id("organization")).to_have_text("Globex")
        expect(switcher.locator('[aria-current="true"]')).to_contain_text("Globex")

        laptop.get_by_test_id("your-sessions").click()
        rows = laptop.locator("table.authkit-sessions tbody tr[data-session-id]")
        expect(rows).to_have_count(2)
        expect(laptop.locator('tr[aria-current="true"]')).to_contain_text("Laptop/1.0")
        laptop.screenshot(path=str(ARTIFACTS / "account-sessions.png"), full_page=True)
        laptop.get_by_role("button", name="Sign out all other sessions").click()
        expect(laptop.get_by_role("status")).to_contain_text("Ended 1 other session.")
        expect(rows).to_have_count(1)

        phone.goto(demo["site"] + "/dashboard/")  # signed out: sent to sign in again
        expect(phone).to_have_url(hosted)
        laptop.goto(demo["site"] + "/dashboard/")
        expect(laptop).to_have_url(demo["site"] + "/dashboard/")
        # A widget token for the signed-in user, as a widget's script would fetch it.
        minted = laptop.evaluate("""async () => {
            const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
            const r = await fetch("/auth/account/widget-token/", {method: "POST",
                headers: {"X-CSRFToken": csrf, "Content-Type": "application/json"},
                body: JSON.stringify({scopes: []})});
            return [r.status, (await r.json()).token ? "token" : "none"];
        }""")
        assert minted == [200, "token"], minted
        browser.close()


def test_invite_and_accept_in_a_real_browser(demo: dict[str, str]) -> None:
    """Ada (admin of Acme Corp) invites Newt; Newt follows the e-mail's link, signs up on
    the hosted page and lands in Acme Corp."""
    import requests
    from playwright.sync_api import expect, sync_playwright

    emulator = demo["emulator"]
    http = requests.Session()
    http.trust_env = False
    http.post(f"{emulator}/_emulator/config",  # what a site registers at WorkOS
              json={"invitation_url": demo["site"] + "/auth/invitations/accept/"}, timeout=10)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ada = browser.new_context().new_page()
        ada.goto(demo["site"] + "/dashboard/")
        ada.get_by_role("button", name=re.compile("Ada")).first.click()
        expect(ada).to_have_url(demo["site"] + "/dashboard/")
        ada.get_by_test_id("invite").click()
        ada.get_by_label("E-mail address").fill("newt@acme.test")
        ada.get_by_role("button", name="Send invitation").click()
        expect(ada.get_by_role("status")).to_contain_text("Invitation sent.")
        expect(ada.locator("ul.authkit-invitations")).to_contain_text("newt@acme.test")
        ada.screenshot(path=str(ARTIFACTS / "account-invitations.png"), full_page=True)

        mail = http.get(f"{emulator}/_emulator/outbox",
                        params={"email": "newt@acme.test", "kind": "invitation"},
                        timeout=10).json()["data"]
        assert len(mail) == 1, mail
        newt = browser.new_context().new_page()
        newt.goto(mail[0]["url"])
        expect(newt).to_have_url(re.compile(re.escape(emulator) + "/user_management/authorize"))
        expect(newt.locator("#email")).to_have_value("newt@acme.test")
        newt.locator("#first_name").fill("Newt")
        newt.locator('button[name="action"][value="sign-in"]').click()
        expect(newt).to_have_url(re.compile(re.escape(demo["site"])))
        newt.goto(demo["site"] + "/dashboard/")
        expect(newt.get_by_test_id("organization")).to_have_text("Acme Corp")
        newt.screenshot(path=str(ARTIFACTS / "account-invitation-accepted.png"), full_page=True)
        browser.close()
