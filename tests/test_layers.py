# ruff: noqa: E501  (replaced by the import-linter contracts in the next commits)
"""The sign-in core is layered: imports run only downward, with no circle.

Reads the source (every import, also those inside functions; not those under
``TYPE_CHECKING``) so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import django_authkit

PACKAGE = Path(django_authkit.__file__).resolve().parent  # the installed code, wheel or tree

#: module -> modules of the app it must never import (directly or through others)
LAYERS = {
    "tokens.verify": {"sessions.lifecycle", "sessions.refresh", "identity.provisioning", "backends", "views", "middleware"},
    "tokens.keyset": {"tokens.verify", "sessions.lifecycle", "sessions.refresh", "identity.provisioning", "backends", "views"},
    "sessions.data": {"sessions.lifecycle", "sessions.refresh", "identity.provisioning", "backends", "views"},
    "sessions.refresh": {"sessions.lifecycle", "identity.provisioning", "backends", "views", "middleware", "sessions.state"},
    "sessions.lifecycle": {"identity.provisioning", "backends", "views", "middleware", "sessions.state"},
    "sessions.revocation": {"sessions.lifecycle", "sessions.refresh", "identity.provisioning", "backends", "views"},
    "sessions.state": {"sessions.lifecycle", "sessions.refresh", "identity.provisioning", "backends", "views", "middleware"},
    "backends": {"sessions.lifecycle", "sessions.refresh", "views", "middleware"},
    "identity.provisioning": {"sessions.lifecycle", "sessions.refresh", "views", "middleware"},
    "core.ratelimit": {"views", "middleware", "sessions.lifecycle"},
    # The one failure mapping sits below every entry point and the refresh that use it.
    "workos.failures": {"sessions.lifecycle", "sessions.refresh", "signin.pipeline", "identity.provisioning", "backends", "views",
                 "middleware", "api.mode", "native"},
}


def _imports(module: str) -> set[str]:
    path = PACKAGE / f"{module.replace('.', '/')}.py"
    if not path.exists():
        path = PACKAGE / module.replace(".", "/") / "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for child in ast.walk(node)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "django_authkit":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("django_authkit."):
                base = node.module.removeprefix("django_authkit.")
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("django_authkit.") for a in node.names
                         if a.name.startswith("django_authkit."))
    return {name for name in found if _exists(name)}


def _exists(name: str) -> bool:
    path = PACKAGE / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _reachable(module: str) -> set[str]:
    seen: set[str] = set()
    todo = [module]
    while todo:
        for name in _imports(todo.pop()):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def test_core_modules_import_only_downward() -> None:
    problems = {
        m: sorted(n for n in _reachable(m) if any(n == b or n.startswith(b + ".") for b in banned))
        for m, banned in LAYERS.items()
    }
    assert {m: p for m, p in problems.items() if p} == {}


def test_no_import_cycle_through_the_core() -> None:
    cycles = sorted(m for m in LAYERS if m in _reachable(m))
    assert cycles == []
