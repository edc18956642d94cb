"""A person walks the whole demo (``make demo``) in a real chromium, with screenshots.

Emulator root page, the site at 375 px, sign-in on the hosted page, organization
switch, magic code read from the emulator's outbox, sign-out, the Django admin; then
the emulator restarts twice on its ``--state`` file and every seeded user signs in
again without a second Django user. Screenshots go to ``tests/artifacts/demo-walk``.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, ROOT, _free_port, _wait

ARTIFACTS = ROOT / "tests" / "artifacts" / "demo-walk"
SEEDED = ("ada@acme.test", "grace@globex.test", "alan@acme.test")
# The elements wider than the screen, to name them when a page overflows.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => e.tagName + (e.className ? '.' + e.className : '') + ' ' +
       Math.round(e.getBoundingClientRect().right)).slice(0, 8)"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


class Demo:
    """The emulator (on a state file) and the example site, as ``scripts/demo.sh`` runs them."""

    def __init__(self, tmp: Path) -> None:
        self.emu_port, site_port = _free_port(), _free_port()
        self.emulator = f"http://127.0.0.1:{self.emu_port}"
        self.site = f"http://127.0.0.1:{site_port}"
        self.state = tmp / "emulator-state.json"
        self.db = tmp / "db.sqlite3"
        self.cwd = ROOT / "example_project"
        self.env = {
            **os.environ,
            "AUTHKIT_EMULATOR_URL": self.emulator,
            "WORKOS_REDIRECT_URI": f"{self.site}/auth/callback/",
            "EXAMPLE_DB": str(self.db),
            "DJANGO_SETTINGS_MODULE": "example.settings",
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("WORKOS_API_KEY", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=self.cwd,
                       env=self.env, check=True)  # fmt: skip
        self.emu_proc = self._start_emulator()
        self.site_proc = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{site_port}", "--noreload"],
            cwd=self.cwd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait(f"{self.site}/", self.site_proc)

    def _start_emulator(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "django_authkit.emulator", "--port", str(self.emu_port),
             "--client-id", "client_emulator", "--api-key", "sk_test_emulator",
             "--seed", "emulator-seed.json", "--state", str(self.state)],
            cwd=self.cwd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait(f"{self.emulator}/health", proc)
        return proc

    def restart_emulator(self) -> None:
        self.emu_proc.terminate()
        self.emu_proc.wait(timeout=20)
        self.emu_proc = self._start_emulator()

    def users_by_email(self) -> dict[str, int]:
        with sqlite3.connect(self.db) as db:
            rows = db.execute("SELECT email, COUNT(*) FROM auth_user GROUP BY email").fetchall()
        return {str(email): int(n) for email, n in rows}

    def stop(self) -> None:
        for proc in (self.site_proc, self.emu_proc):
            proc.terminate()
            proc.wait(timeout=20)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    running = Demo(tmp_path_factory.mktemp("demo-walk"))
    try:
        yield running
    finally:
        running.stop()


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# Words of the table's cells that a line break cut in two (a hyphen or <wbr> is a fair break).
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('td, th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[^\\s-]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1)
          broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


def _fits(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than the screen: {page.evaluate(WIDE)}"


def _hosted_sign_in(page: Any, demo: Demo, name: str, org: str | None = None) -> None:
    from playwright.sync_api import expect

    expect(page).to_have_url(re.compile(re.escape(demo.emulator) + "/user_management/authorize"))
    page.get_by_role("button", name=re.compile(name)).first.click()
    if org is not None:
        expect(page.get_by_role("heading", name="Choose an organization")).to_be_visible()
        page.get_by_role("button", name=re.compile(org)).first.click()


def _sign_out(page: Any, demo: Demo) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(demo.site + "/")
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def test_walk_the_whole_demo(demo: Demo) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 375, "height": 740})

        # 1. The URL make demo prints explains the emulator and links the outbox.
        page.goto(demo.emulator + "/")
        expect(page.get_by_role("heading", name="WorkOS emulator")).to_be_visible()
        expect(page.get_by_test_id("outbox-link")).to_be_visible()
        expect(page.locator("table.demo-users")).to_contain_text("lovelace-1815")
        _shot(page, "01-emulator-root")

        # 2. The site's home at 375 px: the header fits, demo users are listed.
        page.goto(demo.site + "/")
        expect(page.get_by_test_id("demo-users")).to_contain_text("alan@acme.test")
        _shot(page, "02-home-375px")
        _fits(page)
        assert page.evaluate(BROKEN_WORDS) == [], "words broken mid-way in the demo table"

        # 3. Sign in on the hosted page as Alan, a member of two organizations.
        page.get_by_role("link", name="Sign in", exact=True).click()
        _hosted_sign_in(page, demo, "Alan", org="Acme Corp")
        expect(page.get_by_test_id("organization")).to_have_text("Acme Corp")
        expect(page.get_by_test_id("role")).to_have_text("member")
        _shot(page, "03-signed-in-acme")
        _fits(page)

        # 4. Switch organization from the header.
        page.get_by_test_id("org-switch").select_option(label="Globex")
        page.get_by_role("button", name="Switch").click()
        expect(page.get_by_test_id("organization")).to_have_text("Globex")
        expect(page.get_by_test_id("role")).to_have_text("admin")
        _shot(page, "04-switched-to-globex")
        _sign_out(page, demo)

        # 5. A magic code, read from the emulator's outbox (the page says where it is).
        page.get_by_role("link", name="Use our own sign-in page").click()
        page.get_by_role("link", name="E-mail me a sign-in code instead").click()
        page.get_by_label(re.compile("e-?mail", re.I)).fill("grace@globex.test")
        page.get_by_role("button", name="Send me a code").click()
        note = page.get_by_test_id("outbox-note")
        expect(note).to_be_visible()
        _shot(page, "05-code-sent")
        outbox = browser.new_page(viewport={"width": 375, "height": 740})
        outbox.goto(note.get_by_role("link", name="outbox").get_attribute("href") or "")
        code = outbox.get_by_test_id("code").first.inner_text().strip()
        _shot(outbox, "06-outbox")
        outbox.close()
        page.get_by_label(re.compile("code", re.I)).fill(code)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_test_id("who")).to_have_text("Grace Hopper")
        _shot(page, "07-signed-in-with-code")
        _sign_out(page, demo)

        # 6. The Django admin, through AuthKit, as Ada (a WorkOS admin).
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(demo.site + "/admin/")
        _hosted_sign_in(page, demo, "Ada")
        expect(page).to_have_url(demo.site + "/admin/")
        expect(page.locator("#site-name")).to_be_visible()
        _shot(page, "08-admin")
        page.goto(demo.site + "/")
        _shot(page, "09-home-1280px")
        _fits(page)
        _sign_out(page, demo)
        expect(page.get_by_test_id("messages")).to_have_text("You are signed out.")
        _shot(page, "10-signed-out-1280px")
        browser.close()


def test_restarted_demo_keeps_every_user_once(demo: Demo) -> None:
    """Restart the emulator twice; each seeded user signs in after each start: one Django user."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(2):
            demo.restart_emulator()
            for email in SEEDED:
                context = browser.new_context()
                page = context.new_page()
                page.goto(demo.site + "/auth/sign-in/")
                page.get_by_role("button", name=re.compile(re.escape(email))).first.click()
                chooser = page.get_by_role("heading", name="Choose an organization")
                # Wait for the next page, whichever it is, before asking which one it is.
                chooser.or_(page.get_by_test_id("email")).first.wait_for()
                if chooser.count():
                    page.get_by_role("button", name=re.compile("Acme")).first.click()
                expect(page.get_by_test_id("email")).to_have_text(email)
                context.close()
        browser.close()
    counts = demo.users_by_email()
    assert {e: counts.get(e) for e in SEEDED} == dict.fromkeys(SEEDED, 1), counts
