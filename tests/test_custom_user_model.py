"""A site whose user model has the e-mail as ``USERNAME_FIELD`` and no ``username`` field.

``AUTH_USER_MODEL`` cannot change inside one process, so the project runs in its own
(tests/settings_email_user.py, the model of tests/email_user): migrate, sign in and out
through the emulator, admin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings
from django.test.utils import setup_test_environment
from django_authkit.emulator import EmulatorServer
from django_authkit.testing.flow import sign_in_through_emulator

setup_test_environment()
call_command("migrate", verbosity=0)
User = get_user_model()
assert User.USERNAME_FIELD == "email" and not hasattr(User, "username")
emu = EmulatorServer(port=0).start()
try:
    emu.control.configure(redirect_uris=["http://testserver/auth/callback/"])
    site = {**settings.AUTHKIT, "API_BASE_URL": emu.url, "CLIENT_ID": emu.client_id,
            "API_KEY": emu.api_key, "STAFF_ROLES": ["admin"], "STAFF_ORGANIZATIONS": ["org_navy"]}
    emu.control.seed({"organizations": [{"id": "org_navy", "name": "Navy"}]})
    with override_settings(AUTHKIT=site):
        client = Client()
        done = sign_in_through_emulator(client, emu, email="Grace@Example.test",
                                        first_name="Grace", organization_name="Navy",
                                        role="admin")
        assert done.status_code == 302, done.content[:300]
        user = User.objects.get()
        assert user.get_username().lower() == "grace@example.test", user.get_username()
        assert client.get("/private/").json()["email"].lower() == "grace@example.test"
        assert client.get("/admin/").status_code == 200  # staff through the WorkOS role
        again = Client()
        assert sign_in_through_emulator(again, emu, email="Grace@Example.test").status_code == 302
        assert User.objects.count() == 1  # the same user, not a second one
        assert client.post("/auth/sign-out/").status_code == 302
        assert client.get("/private/").status_code == 302
finally:
    emu.stop()
print("custom user ok")
"""


def test_custom_user_model_without_username(tmp_path: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings_email_user",
           "PYTHONPATH": str(ROOT), "AUTHKIT_TEST_DB": "sqlite",
           "NO_PROXY": "127.0.0.1,localhost"}
    env.pop("AUTHKIT_TEST_SQLITE", None)
    script = tmp_path / "custom_user.py"
    script.write_text(SCRIPT)
    ran = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert ran.returncode == 0 and "custom user ok" in ran.stdout, ran.stdout + ran.stderr
