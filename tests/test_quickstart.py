"""The quickstart, followed literally: ``startproject``, the documented files and commands.

Every code block of docs/quickstart.rst with a ``:caption:`` is read from the page
(never copied here): a file caption is written where it says, a terminal caption's
commands are run as written (the only change: free ports instead of 8765 and 8000,
since other test runs share the machine). The site must pass ``manage.py check``
offline, name the online placeholders, and let a person in a real chromium, at 1280
and 375 px, sign in, open the ``@login_required`` page and the admin, and sign out.
Screenshots go to ``tests/artifacts/quickstart``.
"""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, ROOT, _free_port, _wait

DOC = ROOT / "docs" / "quickstart.rst"
ARTIFACTS = ROOT / "tests" / "artifacts" / "quickstart"
FILES = ("mysite/settings.py", "mysite/urls.py", "mysite/views.py", "templates/home.html",
         "templates/private.html", "seed.json")  # fmt: skip
SETTINGS = ("mysite/settings.py (offline)", "mysite/settings.py (admin)",
            "mysite/settings.py (online)")  # fmt: skip
TERMINALS = ("first terminal", "second terminal")
EMAIL = "new@example.test"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not DOC.exists(), reason="needs the source tree's docs"),
]


def _blocks() -> dict[str, str]:
    """caption -> code of every captioned code block."""
    text = DOC.read_text()
    found: dict[str, str] = {}
    pattern = re.compile(r"^\.\. code-block:: \S+\n   :caption: (.+)\n\n((?:   .*\n|\n)+)", re.M)
    for caption, body in pattern.findall(text):
        lines = [line[3:] if line.startswith("   ") else line for line in body.splitlines()]
        found[caption.strip()] = "\n".join(lines).strip() + "\n"
    return found


class Site:
    """The quickstart's site in a temporary directory, built and run from the page."""

    def __init__(self, tmp: Path) -> None:
        self.blocks = _blocks()
        missing = {*FILES, *SETTINGS, *TERMINALS} - set(self.blocks)
        assert not missing, f"docs/quickstart.rst lacks the blocks {missing}"
        self.emu_port, self.site_port = _free_port(), _free_port()
        self.emulator = f"http://127.0.0.1:{self.emu_port}"
        self.url = f"http://127.0.0.1:{self.site_port}"
        self.env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
        for name in ("WORKOS_CLIENT_ID", "WORKOS_API_KEY", "WORKOS_REDIRECT_URI",
                     "WORKOS_BASE_URL", "PYTHONPATH", "DJANGO_SETTINGS_MODULE"):  # fmt: skip
            self.env.pop(name, None)
        self.env["PYTHONPATH"] = str(ROOT)  # the checkout under test, as if pip-installed
        subprocess.run([sys.executable, "-m", "django", "startproject", "mysite"], cwd=tmp,
                       check=True, env=self.env)  # fmt: skip
        self.dir = tmp / "mysite"  # where manage.py is
        self.generated = (self.dir / "mysite" / "settings.py").read_text()
        for name in FILES[1:]:
            path = self.dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.blocks[name])
        self.procs: list[subprocess.Popen[bytes]] = []

    def ports(self, text: str) -> str:
        return text.replace("127.0.0.1:8765", f"127.0.0.1:{self.emu_port}").replace(
            "127.0.0.1:8000", f"127.0.0.1:{self.site_port}"
        )

    def configure(self, *captions: str) -> None:
        parts = [self.generated, self.blocks["mysite/settings.py"]]
        parts += [self.ports(self.blocks[c]) for c in captions]
        (self.dir / "mysite" / "settings.py").write_text("\n".join(parts))

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=self.dir, env=self.env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    def terminal(self, caption: str) -> None:
        """Run a terminal block's commands; the long-running ones stay in the background."""
        for line in self.blocks[caption].splitlines():
            argv = shlex.split(line)
            assert argv[:2] == ["python", "manage.py"], line
            command = argv[2]
            if command == "authkit_emulator":
                proc = self.popen([*argv[2:], "--port", str(self.emu_port)])
                _wait(f"{self.emulator}/health", proc)
            elif command == "runserver":
                proc = self.popen([*argv[2:], f"127.0.0.1:{self.site_port}", "--noreload"])
                _wait(f"{self.url}/", proc)
            else:
                done = self.manage(*argv[2:])
                assert done.returncode == 0, (line, done.stdout, done.stderr)

    def popen(self, args: list[str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "manage.py", *args], cwd=self.dir, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
        self.procs.append(proc)
        return proc

    def users(self) -> list[tuple[str, str, bool, bool]]:
        with sqlite3.connect(self.dir / "db.sqlite3") as db:
            rows = db.execute("SELECT username, email, is_staff, is_superuser FROM auth_user")
            return [(str(u), str(e), bool(s), bool(su)) for u, e, s, su in rows.fetchall()]

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
            proc.wait(timeout=20)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    built = Site(tmp_path_factory.mktemp("quickstart"))
    try:
        yield built
    finally:
        built.stop()


def test_check_names_the_online_placeholders(site: Site) -> None:
    site.configure("mysite/settings.py (online)", "mysite/settings.py (admin)")
    checked = site.manage("check", "--fail-level", "WARNING")
    assert checked.returncode != 0, checked.stdout + checked.stderr
    assert "authkit.E008" in checked.stderr and "'client_...'" in checked.stderr, checked.stderr


def test_the_offline_site_passes_check(site: Site) -> None:
    site.configure("mysite/settings.py (offline)", "mysite/settings.py (admin)")
    checked = site.manage("check", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _shot(page: Any, width: int, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{width}-{name}.png"), full_page=True)


def _hosted_page(page: Any, site: Site, width: int) -> None:
    """The emulator's page, as the quickstart says: an e-mail, Acme, the admin role."""
    from playwright.sync_api import expect

    expect(page).to_have_url(re.compile(re.escape(site.emulator) + "/user_management/authorize"))
    _shot(page, width, "2-emulator")
    page.get_by_label("E-mail", exact=True).fill(EMAIL)
    page.get_by_label(re.compile("Organization")).fill("Acme")
    page.get_by_label("Role").select_option("admin")
    page.get_by_role("button", name="Continue", exact=True).click()


def test_a_person_follows_the_quickstart_in_a_browser(site: Site) -> None:
    from playwright.sync_api import expect, sync_playwright

    site.configure("mysite/settings.py (offline)", "mysite/settings.py (admin)")
    site.terminal("first terminal")
    site.terminal("second terminal")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        # 1280 px: home, sign in, the private page, the admin, sign out.
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(site.url + "/")
        _shot(page, 1280, "1-home")
        page.get_by_role("link", name="Sign in").click()
        _hosted_page(page, site, 1280)
        expect(page).to_have_url(site.url + "/")
        expect(page.locator("body")).to_contain_text(f"Signed in as {EMAIL}")
        expect(page.locator("body")).to_contain_text("role admin")
        assert "None" not in page.locator("body").inner_text(), page.content()
        _shot(page, 1280, "3-signed-in")
        page.get_by_role("link", name="Your private page").click()
        expect(page.get_by_role("heading", name=f"Only for {EMAIL}")).to_be_visible()
        page.get_by_role("link", name="Home").click()
        page.get_by_role("link", name="Admin").click()
        expect(page.locator("#site-name")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("have permission")
        expect(page.get_by_role("link", name="Users", exact=True)).to_be_visible()
        _shot(page, 1280, "4-admin")
        page.goto(site.url + "/")
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(site.url + "/")
        expect(page.get_by_role("link", name="Sign in")).to_be_visible()
        expect(page.get_by_role("status")).to_have_text("You are signed out.")
        _shot(page, 1280, "5-signed-out")
        page.close()

        # 375 px: the private page first (login_required goes through AuthKit and back).
        page = browser.new_page(viewport={"width": 375, "height": 740})
        page.goto(site.url + "/private/")
        _hosted_page(page, site, 375)
        expect(page).to_have_url(site.url + "/private/")
        expect(page.get_by_role("heading", name=f"Only for {EMAIL}")).to_be_visible()
        _shot(page, 375, "3-private")
        page.goto(site.url + "/admin/")
        expect(page.locator("#site-name")).to_be_visible()
        _shot(page, 375, "4-admin")
        page.goto(site.url + "/")
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("link", name="Sign in")).to_be_visible()
        _shot(page, 375, "5-signed-out")
        browser.close()
    # One Django user, signed in twice; staff and superuser through the admin role.
    assert site.users() == [(site.users()[0][0], EMAIL, True, True)], site.users()
    # The emulator kept its state beside manage.py, as the page says.
    assert (site.dir / ".authkit-emulator.json").exists(), sorted(os.listdir(site.dir))
