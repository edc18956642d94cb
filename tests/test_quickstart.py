"""The quickstart, followed literally: ``startproject``, the documented snippets, sign-in.

Every code block of docs/quickstart.rst with a ``:caption:`` is written where the
caption says; the site must pass ``manage.py check`` and sign a user in and out
through the emulator.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "quickstart.rst"
pytestmark = pytest.mark.skipif(not DOC.exists(), reason="needs the source tree's docs")

SCRIPT = r"""
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.test.utils import setup_test_environment
from django_authkit.emulator import EmulatorServer
from django_authkit.testing.flow import sign_in_through_emulator

setup_test_environment()
call_command("migrate", verbosity=0)
emu = EmulatorServer(port=0).start()
try:
    offline = settings.AUTHKIT
    assert offline["REDIRECT_URI"] == "http://127.0.0.1:8000/auth/callback/", offline
    emu.control.configure(redirect_uris=[offline["REDIRECT_URI"]])
    site = {**offline, "API_BASE_URL": emu.url, "CLIENT_ID": emu.client_id,
            "API_KEY": emu.api_key}
    with override_settings(AUTHKIT=site, ALLOWED_HOSTS=["testserver", "127.0.0.1"]):
        client = Client()
        home = client.get("/")
        assert home.status_code == 200 and b"Sign in" in home.content, home.content[:300]
        done = sign_in_through_emulator(client, emu, email="new@example.test")
        assert done.status_code == 302, done.content[:300]
        home = client.get("/")
        assert b"Signed in as new@example.test" in home.content, home.content[:500]
        assert b"<form" in home.content
        client.post("/auth/sign-out/")
        assert b"Sign in" in client.get("/").content
finally:
    emu.stop()
print("quickstart ok")
"""


def _blocks() -> dict[str, str]:
    """caption -> code of every captioned code block."""
    text = DOC.read_text()
    found: dict[str, str] = {}
    pattern = re.compile(r"^\.\. code-block:: \S+\n   :caption: (.+)\n\n((?:   .*\n|\n)+)", re.M)
    for caption, body in pattern.findall(text):
        lines = [line[3:] if line.startswith("   ") else line for line in body.splitlines()]
        found[caption.strip()] = "\n".join(lines).strip() + "\n"
    return found


def test_quickstart_builds_a_working_site(tmp_path: Path) -> None:
    blocks = _blocks()
    assert {"mysite/settings.py", "mysite/urls.py", "templates/home.html",
            "mysite/settings.py (offline)"} <= set(blocks), set(blocks)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mysite.settings",
           "NO_PROXY": "127.0.0.1,localhost"}
    for name in ("WORKOS_CLIENT_ID", "WORKOS_API_KEY", "WORKOS_REDIRECT_URI", "PYTHONPATH"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "django", "startproject", "mysite", str(tmp_path)],
                   check=True, env=env)
    settings_py = tmp_path / "mysite" / "settings.py"
    settings_py.write_text(settings_py.read_text() + "\n" + blocks["mysite/settings.py"])

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)

    (tmp_path / "mysite" / "urls.py").write_text(blocks["mysite/urls.py"])
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "home.html").write_text(blocks["templates/home.html"])
    checked = manage("check", "--fail-level", "WARNING")
    # Its credentials are the docs' placeholders (client_..., sk_...): check must name them.
    assert checked.returncode != 0, checked.stdout + checked.stderr
    assert "authkit.E008" in checked.stderr and "'client_...'" in checked.stderr, checked.stderr
    settings_py.write_text(settings_py.read_text() + "\n" + blocks["mysite/settings.py (offline)"])
    checked = manage("check", "--fail-level", "WARNING")  # no W003 with the offline settings
    assert checked.returncode == 0, checked.stdout + checked.stderr
    (tmp_path / "run_quickstart.py").write_text(SCRIPT)
    ran = subprocess.run([sys.executable, "run_quickstart.py"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0 and "quickstart ok" in ran.stdout, ran.stdout + ran.stderr
