"""A person signs in and out of the example site in a real chromium.

The example site and the emulator run as their own processes, as ``make demo``
runs them; Playwright drives Debian's chromium through the hosted page.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
#: How every browser test starts chromium: headless, and nothing that calls home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        if proc.poll() is not None:
            raise RuntimeError(
                f"{url} exited: {proc.stdout.read().decode() if proc.stdout else ''}"
            )
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    emu_port, site_port = _free_port(), _free_port()
    site = f"http://127.0.0.1:{site_port}"
    env = {
        **os.environ,
        "AUTHKIT_EMULATOR_URL": f"http://127.0.0.1:{emu_port}",
        "WORKOS_REDIRECT_URI": f"{site}/auth/callback/",
        "EXAMPLE_DB": str(tmp_path_factory.mktemp("example") / "db.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "example.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("WORKOS_API_KEY", None)
    example = ROOT / "example_project"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=example, env=env, check=True
    )
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django_authkit.emulator",
            "--port",
            str(emu_port),
            "--client-id",
            "client_emulator",
            "--api-key",
            "sk_test_emulator",
            "--seed",
            "emulator-seed.json",
        ],
        cwd=example,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{site_port}", "--noreload"],
        cwd=example,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(f"http://127.0.0.1:{emu_port}/health", emulator)
        _wait(f"{site}/", server)
        yield {"site": site, "emulator": f"http://127.0.0.1:{emu_port}", "db": env["EXAMPLE_DB"]}
    finally:
        for proc in (server, emulator):
            proc.terminate()
            proc.wait(timeout=10)


def test_sign_in_and_out_in_a_real_browser(demo: dict[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(demo["site"] + "/dashboard/")
        # @login_required sent us to sign in, which sent us to the hosted page.
        expect(page).to_have_url(
            re.compile(re.escape(demo["emulator"]) + "/user_management/authorize")
        )
        page.screenshot(path=str(ARTIFACTS / "hosted-sign-in.png"), full_page=True)
        page.get_by_role("button", name=re.compile("Ada")).first.click()
        expect(page).to_have_url(demo["site"] + "/dashboard/")
        expect(page.get_by_test_id("email")).to_have_text("ada@acme.test")
        expect(page.get_by_test_id("name")).to_have_text("Ada Lovelace")
        expect(page.get_by_test_id("organization")).to_have_text("Acme Corp")
        expect(page.get_by_test_id("role")).to_have_text("admin")
        page.screenshot(path=str(ARTIFACTS / "signed-in.png"), full_page=True)

        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(demo["site"] + "/")
        expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "signed-out.png"), full_page=True)
        # Signed out for real: the protected page asks for sign-in again.
        page.goto(demo["site"] + "/dashboard/")
        expect(page).to_have_url(re.compile(re.escape(demo["emulator"])))
        # Sign in again and sign out through the app's own confirmation page (a POST form
        # on authkit/base.html: its referrer policy must keep Origin for the CSRF check).
        page.get_by_role("button", name=re.compile("Ada")).first.click()
        expect(page).to_have_url(demo["site"] + "/dashboard/")
        page.goto(demo["site"] + "/auth/sign-out/")
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(demo["site"] + "/")
        expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
        browser.close()


def test_admin_in_a_real_browser(demo: dict[str, str]) -> None:
    """A WorkOS admin reaches the Django admin through AuthKit and manages users there."""
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(demo["site"] + "/admin/")
        # /admin/login/ goes through AuthKit: the hosted page, not a password form.
        expect(page).to_have_url(re.compile(re.escape(demo["emulator"])))
        page.get_by_role("button", name=re.compile("Ada")).first.click()
        expect(page).to_have_url(demo["site"] + "/admin/")
        page.get_by_role("link", name="Users").click()
        page.get_by_role("link", name="ada@acme.test").click()
        expect(page.locator("#workos-group")).to_contain_text("WorkOS user link")
        expect(page.locator("#authkit_memberships-group")).to_contain_text("Acme Corp")
        expect(page.locator("#authkit_memberships-group")).to_contain_text("admin")
        page.screenshot(path=str(ARTIFACTS / "admin-user.png"), full_page=True)

        page.get_by_role("link", name="Users").first.click()
        page.locator("input.action-select").first.check()
        page.select_option("select[name=action]", "sync_from_workos")
        page.locator("div.actions button[type=submit]").click()  # "Go", or "Run" on Django 6
        expect(page.locator("ul.messagelist")).to_contain_text("Sync from WorkOS: 1 synced")

        page.locator("input.action-select").first.check()
        page.select_option("select[name=action]", "revoke_sessions")
        page.locator("div.actions button[type=submit]").click()  # "Go", or "Run" on Django 6
        page.screenshot(path=str(ARTIFACTS / "admin-revoked.png"), full_page=True)
        # Ada revoked her own session: the next admin page sends her to sign in again.
        page.goto(demo["site"] + "/admin/")
        expect(page).to_have_url(re.compile(re.escape(demo["emulator"])))
        browser.close()
