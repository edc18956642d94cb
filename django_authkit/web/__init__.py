"""Helpers of the web layer: the answers every entry point renders, and CSRF.

* :mod:`.responses`: JSON errors and data, the error page, the WorkOS redirect, 429s.
* :mod:`.csrf`: CSRF protection that also reads NextAuth's ``csrfToken`` field.
"""

from __future__ import annotations

from django_authkit.web.responses import (
    WorkOSRedirect,
    error_response,
    json_error,
    json_ok,
    wants_json,
)

__all__ = [
    "WorkOSRedirect",
    "error_response",
    "json_error",
    "json_ok",
    "wants_json",
]
