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
    "tokens": {"sessions", "refreshing", "provisioning", "backends", "views", "middleware"},
    "keyset": {"tokens", "sessions", "refreshing", "provisioning", "backends", "views"},
    "session_data": {"sessions", "refreshing", "provisioning", "backends", "views"},
    "refreshing": {"sessions", "provisioning", "backends", "views", "middleware", "auth_state"},
    "sessions": {"provisioning", "backends", "views", "middleware", "auth_state"},
    "revocation": {"sessions", "refreshing", "provisioning", "backends", "views"},
    "auth_state": {"sessions", "refreshing", "provisioning", "backends", "views", "middleware"},
    "backends": {"sessions", "refreshing", "views", "middleware"},
    "provisioning": {"sessions", "refreshing", "views", "middleware"},
    "ratelimit": {"views", "middleware", "sessions"},
    # The one failure mapping sits below every entry point and the refresh that use it.
    "failures": {"sessions", "refreshing", "signin", "provisioning", "backends", "views",
                 "middleware", "api_mode", "native"},
}


def _imports(module: str) -> set[str]:
    path = PACKAGE / f"{module}.py"
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
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names
                         if a.name.startswith("django_authkit."))
    return {name for name in found if (PACKAGE / f"{name}.py").exists()}


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
    problems = {m: sorted(_reachable(m) & banned) for m, banned in LAYERS.items()}
    assert {m: p for m, p in problems.items() if p} == {}


def test_no_import_cycle_through_the_core() -> None:
    cycles = sorted(m for m in LAYERS if m in _reachable(m))
    assert cycles == []
