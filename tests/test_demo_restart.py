"""The emulator started for a project keeps its users: ``manage.py authkit_emulator``.

The example site runs on an emulator started the way a project starts it, with no
``--state`` flag: the state file beside the project (``.authkit-emulator.json`` in
``BASE_DIR``) is the default. The emulator restarts twice; each seeded user and a user
who signed up on the hosted page sign in again after each start, each as the one Django
user they were the first time. ``--reset`` starts again from the seed.
"""

from __future__ import annotations

import html
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.test_browser import ROOT, _free_port, _wait

SEEDED = ("ada@acme.test", "grace@globex.test", "alan@acme.test")
SIGNED_UP = "newcomer@initech.test"
SETTINGS = """
from pathlib import Path
from example.settings import *  # noqa: F403
BASE_DIR = Path(__file__).resolve().parent  # this project's directory: the state goes here
"""


class Project:
    """The example site and ``manage.py authkit_emulator`` (no --state), in a project dir."""

    def __init__(self, tmp: Path) -> None:
        self.dir = tmp
        (tmp / "restart_settings.py").write_text(SETTINGS)
        self.emu_port, site_port = _free_port(), _free_port()
        self.emulator = f"http://127.0.0.1:{self.emu_port}"
        self.site = f"http://127.0.0.1:{site_port}"
        self.db = tmp / "db.sqlite3"
        self.example = ROOT / "example_project"
        self.env = {
            **os.environ,
            "AUTHKIT_EMULATOR_URL": self.emulator,
            "WORKOS_REDIRECT_URI": f"{self.site}/auth/callback/",
            "EXAMPLE_DB": str(self.db),
            "DJANGO_SETTINGS_MODULE": "restart_settings",
            "PYTHONPATH": os.pathsep.join([str(tmp), str(self.example), str(ROOT)]),
            "NO_PROXY": "127.0.0.1,localhost",
        }
        for name in ("WORKOS_API_KEY", "WORKOS_CLIENT_ID"):
            self.env.pop(name, None)
        self.manage("migrate", "-v", "0").check_returncode()
        self.emu_proc = self.start_emulator()
        self.site_proc = subprocess.Popen(
            [sys.executable, str(self.example / "manage.py"), "runserver",
             f"127.0.0.1:{site_port}", "--noreload"],
            cwd=tmp, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait(f"{self.site}/", self.site_proc)

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(self.example / "manage.py"), *args],
                              cwd=self.dir, env=self.env, capture_output=True, text=True,
                              timeout=300)  # fmt: skip

    def start_emulator(self, *extra: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, str(self.example / "manage.py"), "authkit_emulator",
             "--port", str(self.emu_port), "--seed", str(self.example / "emulator-seed.json"),
             *extra],
            cwd=self.dir, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait(f"{self.emulator}/health", proc)
        return proc

    def stop_emulator(self) -> str:
        self.emu_proc.terminate()
        self.emu_proc.wait(timeout=20)
        return self.emu_proc.stdout.read().decode() if self.emu_proc.stdout else ""

    def users(self) -> list[tuple[int, str, str]]:
        with sqlite3.connect(self.db) as db:
            rows = db.execute("SELECT id, username, email FROM auth_user ORDER BY id").fetchall()
        return [(int(i), str(u), str(e)) for i, u, e in rows]

    def stop(self) -> None:
        self.site_proc.terminate()
        self.site_proc.wait(timeout=20)
        self.stop_emulator()


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    running = Project(tmp_path)
    try:
        yield running
    finally:
        running.stop()


def _field(page: str, name: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(rf'name="{name}" value="([^"]*)"', page)]


def sign_in(project: Project, email: str, *, sign_up: bool = False) -> str:
    """Sign in on the hosted page by e-mail; the e-mail the site then shows for the user."""
    browser = requests.Session()
    start = "/auth/sign-up/" if sign_up else "/auth/sign-in/"
    page = browser.get(project.site + start, timeout=30)
    assert page.url.startswith(project.emulator), (page.status_code, page.url)
    form = {"request_id": _field(page.text, "request_id")[0], "email": email,
            "first_name": "New", "last_name": "Comer", "action": "sign-in"}  # fmt: skip
    done = browser.post(f"{project.emulator}/user_management/authorize/complete", data=form,
                        timeout=30)  # fmt: skip
    if "organization_id" in done.text:  # a member of several: the chooser
        chosen = {"request_id": _field(done.text, "request_id")[0],
                  "organization_id": _field(done.text, "organization_id")[0]}  # fmt: skip
        done = browser.post(f"{project.emulator}/user_management/authorize/complete",
                            data=chosen, timeout=30)  # fmt: skip
    assert done.url.startswith(project.site), (done.status_code, done.url, done.text[:400])
    profile = browser.get(project.site + "/dashboard/", timeout=30)
    shown = re.search(r'data-testid="email">([^<]*)<', profile.text)
    assert shown, (profile.status_code, profile.url, profile.text[:600])
    return html.unescape(shown.group(1))


def test_restarts_keep_every_user_as_the_same_django_user(project: Project) -> None:
    everyone = (*SEEDED, SIGNED_UP)
    assert sign_in(project, SIGNED_UP, sign_up=True) == SIGNED_UP
    for email in SEEDED:
        assert sign_in(project, email) == email
    first = project.users()
    assert sorted(e for _, _, e in first) == sorted(everyone), first
    for restart in (1, 2):
        output = project.stop_emulator()
        project.emu_proc = project.start_emulator()
        for email in everyone:
            assert sign_in(project, email) == email, (restart, email, project.users())
        assert project.users() == first, (restart, first, project.users(), output)
    assert (project.dir / ".authkit-emulator.json").exists(), os.listdir(project.dir)


def test_the_banner_names_the_documented_settings_and_reset_starts_again(
    project: Project,
) -> None:
    sign_in(project, SIGNED_UP, sign_up=True)
    output = project.stop_emulator()
    # The names the docs use: the AUTHKIT dict and the environment variables.
    assert f'"API_BASE_URL": "{project.emulator}"' in output, output
    assert f"WORKOS_BASE_URL={project.emulator}" in output, output
    assert '"CLIENT_ID": "client_emulator"' in output, output
    assert ".authkit-emulator.json" in output, output
    project.emu_proc = project.start_emulator("--reset")
    listed = requests.get(f"{project.emulator}/user_management/users",
                          headers={"Authorization": "Bearer sk_test_emulator"},
                          params={"email": SIGNED_UP}, timeout=30).json()  # fmt: skip
    assert listed["data"] == [], listed  # back to the seed: the sign-up is gone
    seeded = requests.get(f"{project.emulator}/user_management/users",
                          headers={"Authorization": "Bearer sk_test_emulator"},
                          params={"email": SEEDED[0]}, timeout=30).json()  # fmt: skip
    assert len(seeded["data"]) == 1, seeded
