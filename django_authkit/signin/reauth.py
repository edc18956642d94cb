"""Send a signed-in user through WorkOS again: organization re-authentication, step-up.

Each starts a fresh authorization-code flow with
:func:`~django_authkit.signin.start.authorization_url`, the one builder every
starter uses (one-time ``state`` bound to this browser, PKCE, a validated
same-site return path). The callback then signs the user in anew, so the new
session carries the new organization or a fresh ``auth_time``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest

from django_authkit.signin.start import safe_next

#: WorkOS's answers to an organization switch that a new sign-in can satisfy.
REAUTH_CODES = frozenset({
    "sso_required",
    "mfa_enrollment",
    "mfa_challenge",
    "organization_selection_required",
    "organization_authentication_methods_required",
})


def referring_path(request: HttpRequest) -> str | None:
    """The page the user came from, when it is on this site (a validated path)."""
    parts = urlsplit(request.headers.get("Referer", ""))
    if not parts.netloc or parts.netloc != request.get_host():
        return None
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""), request)


__all__ = ["REAUTH_CODES", "referring_path"]
