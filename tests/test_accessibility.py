"""AuthKit's pages pass axe-core, and a person signs in with the keyboard alone.

axe-core (``npm install`` in ``tests/a11y``; skipped when it is not installed) is
injected into each page of the example site and the emulator in Debian's chromium;
no violation may be ``serious`` or ``critical``. A failing page prints every
violation it saw (rule, impact, the elements). The pages: the provider list, the
native sign-in, sign-up, e-mail verification, code, password-reset pages, the
organization choosers (the emulator's and the site's own), the error page, the e-mail
conflict page, the 403 page and the site's organization switcher; each at 1280 and 375 px.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from typing import Any

import pytest

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, ROOT, demo  # noqa: F401  (fixture)

AXE = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts" / "accessibility"
BLOCKING = {"serious", "critical"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="no axe-core: npm install in tests/a11y"),
]


def violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations of the page as it is now, every impact."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]  # fmt: skip


class Audit:
    """Collects each page's blocking violations, with a screenshot, for one report."""

    def __init__(self) -> None:
        self.seen: dict[str, list[dict[str, Any]]] = {}

    def check(self, page: Any, name: str) -> None:
        width = page.viewport_size["width"]
        page.screenshot(path=str(ARTIFACTS / f"{width}-{name}.png"), full_page=True)
        self.seen[f"{width}-{name} ({page.url})"] = violations(page)

    def summary(self) -> dict[str, int]:
        """How many violations of each impact, over every page (the minor ones are reported)."""
        counts: dict[str, int] = {}
        for found in self.seen.values():
            for v in found:
                counts[v["impact"]] = counts.get(v["impact"], 0) + 1
        return counts

    def assert_clean(self) -> None:
        failing = {
            name: [v for v in found if v["impact"] in BLOCKING]
            for name, found in self.seen.items()
            if any(v["impact"] in BLOCKING for v in found)
        }
        assert len(self.seen) >= 10, sorted(self.seen)
        assert not failing, json.dumps(failing, indent=1)


def _hosted(page: Any, name: str) -> None:
    page.get_by_role("button", name=re.compile(name)).first.click()


def _walk(browser: Any, demo: dict[str, str], width: int, audit: Audit) -> None:  # noqa: F811
    from playwright.sync_api import expect

    site, emulator = demo["site"], demo["emulator"]
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(site + "/auth/sign-in/page/")
    audit.check(page, "providers")
    page.goto(site + "/auth/account/sign-in/")
    audit.check(page, "native-sign-in")
    page.get_by_label("E-mail address").fill("nobody@acme.test")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    audit.check(page, "native-sign-in-error")
    page.goto(site + "/auth/account/sign-up/")
    audit.check(page, "native-sign-up")
    page.get_by_label("E-mail address").fill(f"new-{width}@acme.test")
    page.get_by_label("Password").fill("a-long-new-passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Verify your e-mail address")).to_be_visible()
    audit.check(page, "native-verify-email")
    page.get_by_role("button", name="Send a new code").click()
    expect(page.get_by_text("We sent a new code")).to_be_visible()
    audit.check(page, "native-verify-email-resent")
    page.goto(site + "/auth/account/magic/")
    audit.check(page, "native-magic")
    page.get_by_label(re.compile("e-?mail", re.I)).fill("grace@globex.test")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_label(re.compile("code", re.I))).to_be_visible()
    audit.check(page, "native-code")
    page.goto(site + "/auth/account/password-reset/")
    audit.check(page, "native-password-reset")
    page.goto(site + "/auth/callback/?code=forged&state=" + "x" * 43)
    audit.check(page, "error")
    # Grace's address belongs to a local account not linked to her (see _conflicting_account).
    page.goto(site + "/auth/sign-in/")
    _hosted(page, "Grace")
    expect(page.get_by_role("heading", name=re.compile("already has an account"))).to_be_visible()
    audit.check(page, "email-conflict")
    # The emulator's organization chooser, then the site's switcher.
    page.goto(site + "/auth/sign-in/")
    expect(page).to_have_url(re.compile(re.escape(emulator)))
    audit.check(page, "emulator-sign-in")
    _hosted(page, "Alan")
    expect(page.get_by_role("heading", name="Choose an organization")).to_be_visible()
    audit.check(page, "emulator-chooser")
    page.get_by_role("button", name=re.compile("Acme")).first.click()
    expect(page.get_by_test_id("org-switch")).to_be_visible()
    audit.check(page, "switcher")
    page.goto(site + "/auth/sign-out/")
    audit.check(page, "sign-out")
    context.close()
    # The site's own chooser: a member of two organizations signs in with a password.
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(site + "/auth/account/sign-in/")
    page.get_by_label("E-mail address").fill("alan@acme.test")
    page.get_by_label("Password").fill("turing-1912")
    page.get_by_role("button", name="Sign in").click()
    chooser = page.get_by_role("heading", name="Choose an organization")
    chooser.or_(page.get_by_test_id("who")).first.wait_for()
    if chooser.count():
        audit.check(page, "native-chooser")
    context.close()


def _conflicting_account(db: str) -> None:
    """A local account (e.g. from ``createsuperuser``) with Grace's address, not linked to
    her WorkOS user: her sign-in gets the e-mail conflict page (issue 27 item 3)."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) VALUES ('!', 0, 'grace-local', '', '', "
            "'Grace@Globex.test', 0, 1, datetime('now'))"
        )


def test_authkit_pages_have_no_serious_violations(demo: dict[str, str]) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _conflicting_account(demo["db"])
    audit = Audit()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width in (1280, 375):
            _walk(browser, demo, width, audit)
        browser.close()
    print("axe checked:", *sorted(audit.seen), sep="\n  ")
    print("violations by impact:", audit.summary())
    print(json.dumps({k: v for k, v in audit.seen.items() if v}, indent=1))
    audit.assert_clean()


def _tab_to(page: Any, selector: str, limit: int = 15) -> int:
    """Press Tab until ``selector`` has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    focused = page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"{selector} not reached in {limit} Tabs; focus on {focused}")


def test_a_keyboard_only_sign_in_through_the_native_forms(demo: dict[str, str]) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(demo["site"] + "/auth/account/sign-in/")
        # No mouse from here on: Tab to each field, type, Enter submits the form.
        _tab_to(page, "input[name=email]")
        page.keyboard.type("ada@acme.test")
        _tab_to(page, "input[name=password]")
        page.keyboard.type("lovelace-1815")
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("who")).to_have_text("Ada Lovelace")
        # The focus is visible where it lands: every focusable element can be reached.
        presses = _tab_to(page, "button, a[href], select")
        assert presses <= 15, presses
        browser.close()


def test_the_admin_sessions_inline_stays_in_its_box(demo: dict[str, str]) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    measure = """() => {
      const group = [...document.querySelectorAll('.inline-group')]
        .find(g => g.textContent.includes('AuthKit sessions'));
      const box = group.querySelector('fieldset').getBoundingClientRect();
      const table = group.querySelector('table');
      const scrolls = table.scrollWidth > table.clientWidth + 1 &&
        ['auto', 'scroll'].includes(getComputedStyle(table).overflowX);
      return {box: Math.round(box.right), table: Math.round(table.getBoundingClientRect().right),
              scrolls, width: window.innerWidth};
    }"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(demo["site"] + "/admin/auth/user/?q=ada")
        _hosted(page, "Ada")
        page.get_by_role("link", name=re.compile("ada")).first.click()
        expect(page.get_by_role("heading", name=re.compile("AuthKit sessions"))).to_be_visible()
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 800})
            page.screenshot(path=str(ARTIFACTS / f"{width}-admin-user.png"), full_page=True)
            seen = page.evaluate(measure)
            # The table ends inside its box (what does not fit scrolls there), on the screen.
            assert seen["table"] <= seen["box"] <= seen["width"], seen
        browser.close()
