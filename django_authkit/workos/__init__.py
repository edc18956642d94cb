"""The WorkOS API as this site is configured for it: the client, and what its failures mean.

* :func:`get_workos`: the client built from ``settings.AUTHKIT`` (one per configuration).
* :mod:`~django_authkit.workos.failures`: the one mapping from a WorkOS or verification
  failure to an outcome (status, code, message, log line) that entry points render.
"""

from __future__ import annotations

from django_authkit.workos.configured import get_workos

__all__ = ["get_workos"]
