"""Which official-SDK calls the emulator tests make: every public resource method, wrapped.

Installed once by ``tests/emulator/conftest.py``; ``test_sdk_fidelity`` reads
``CALLED`` after the other modules ran.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

CALLED: set[str] = set()
_installed: list[bool] = []


def install() -> None:
    if _installed:
        return
    _installed.append(True)
    try:
        from workos._client import WorkOSClient
    except ImportError:
        return
    from tests.emulator.sdk_catalog import SKIP_ACCESSORS

    for name, attr in list(vars(WorkOSClient).items()):
        if not isinstance(attr, functools.cached_property) or name in SKIP_ACCESSORS:
            continue
        cls = inspect.signature(attr.func).return_annotation
        resource_cls = _resolve(attr.func, cls)
        if resource_cls is None:
            continue
        for method_name, fn in list(vars(resource_cls).items()):
            if method_name.startswith("_") or not inspect.isfunction(fn):
                continue
            setattr(resource_cls, method_name, _traced(f"{name}.{method_name}", fn))


def _resolve(func: Any, annotation: Any) -> type | None:
    if isinstance(annotation, type):
        return annotation
    if isinstance(annotation, str):
        return func.__globals__.get(annotation)  # type: ignore[no-any-return]
    return None


def _traced(label: str, fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        CALLED.add(label)
        return fn(*args, **kwargs)

    return wrapper
