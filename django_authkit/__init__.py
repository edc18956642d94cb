"""WorkOS AuthKit sign-in for Django.

``get_workos()`` is the one configured entry point to the WorkOS API; it is
imported lazily so that importing the package never touches Django settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from django_authkit.client import WorkOSClient


def get_workos() -> WorkOSClient:
    """Return the WorkOS API client configured from ``settings.AUTHKIT``."""
    # Imported on call: importing the package (the emulator does) must not load Django's.
    from django_authkit.workos import get_workos as _get_workos

    return _get_workos()


__all__ = ["__version__", "get_workos"]
