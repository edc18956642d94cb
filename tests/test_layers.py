"""Imports run one way, from the web layer down to the foundations (issue 25).

The contracts live in ``.importlinter`` (layers; sessions and identity independent;
the WorkOS client and the emulator import nothing of the app; no package circles)
and ``make test`` runs ``lint-imports`` on them. These tests show that the contracts
hold on this tree, and that they fail when an import runs back up a layer, so a
contract that silently stopped checking would be noticed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(
    not CONFIG.exists() or not LINT.exists() or not (ROOT / "django_authkit").is_dir(),
    reason="the import contracts are checked on a source checkout with import-linter",
)


def _lint(package_parent: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [str(LINT), "--config", str(CONFIG), "--no-cache"],
        cwd=package_parent, env=env, capture_output=True, text=True, timeout=300,
    )


def test_the_contracts_hold() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "import_line", "broken"),
    [
        # a foundation reaching up into the web layer
        ("core/crypto.py", "from django_authkit import views", "Layers"),
        # sessions asking identity (they must stay independent)
        ("sessions/data.py", "from django_authkit.identity import rules", "of each other"),
        # the pure HTTP client reading the app's settings
        ("client/errors.py", "from django_authkit import conf", "import nothing of the app"),
    ],
)
def test_a_violation_breaks_a_contract(
    tmp_path: Path, module: str, import_line: str, broken: str
) -> None:
    copy = tmp_path / "django_authkit"
    shutil.copytree(ROOT / "django_authkit", copy,
                    ignore=shutil.ignore_patterns("__pycache__", "templates", "locale"))
    target = copy / module
    target.write_text(target.read_text() + f"\n{import_line}  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0, result.stdout
    assert broken in result.stdout, result.stdout
    assert "BROKEN" in result.stdout


def test_the_top_level_holds_only_public_modules_and_packages() -> None:
    public = {"__init__", "apps", "conf", "models", "signals", "backends", "middleware",
              "urls", "decorators", "webhooks", "adapter", "hooks"}
    deprecated = {"revocation", "sync", "audit", "event_handlers", "admin_users",
                  "admin_portal"}  # re-exports kept for one release (see CHANGELOG.md)
    modules = {p.stem for p in (ROOT / "django_authkit").glob("*.py")}
    assert modules - public - deprecated == set()
