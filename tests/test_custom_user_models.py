"""Run the identity tests again with custom user models, each in its own pytest process.

A user model is fixed per process (``AUTH_USER_MODEL``), so each model gets a
settings module of its own: an e-mail-as-username model without ``username``
(``tests.settings_email_user``) and a UUID primary key (``tests.settings_uuid_user``).
On PostgreSQL each run uses a test database of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = ["tests/custom_users", "tests/test_email_identity.py", "tests/test_profile_updates.py",
         "tests/test_email_conflict.py"]


@pytest.mark.parametrize("model", ["email_user", "uuid_user"])
def test_identity_suite_with_a_custom_user_model(model: str) -> None:
    env = {**os.environ, "PGDATABASE": f"authkit_{model}"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"--ds=tests.settings_{model}", *FILES],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
