"""Send a signed-in user through WorkOS again: organization re-authentication, step-up.

Each helper starts a fresh authorization-code flow (one-time ``state`` bound to
this browser, PKCE) whose callback returns to a validated same-site path, the
same flow ``sign-in`` starts. The callback then signs the user in anew, so the
new session carries the new organization or a fresh ``auth_time``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest

from django_authkit.conf import authkit_settings
from django_authkit.core.urlhelpers import redirect_uri
from django_authkit.signin import start as flow
from django_authkit.workos import get_workos

#: WorkOS's answers to an organization switch that a new sign-in can satisfy.
REAUTH_CODES = frozenset({
    "sso_required",
    "mfa_enrollment",
    "mfa_challenge",
    "organization_selection_required",
    "organization_authentication_methods_required",
})


def authorization_url(request: HttpRequest, next_url: str, **options: Any) -> str:
    """A WorkOS authorization URL for a new flow returning to ``next_url`` (validated).

    ``options`` are ``get_authorization_url`` arguments (``organization_id``,
    ``max_age``, ``login_hint``, ``provider``...). Without a selector the
    provider is ``DEFAULT_PROVIDER``.
    """
    safe = flow.safe_next(next_url, request) or ""
    pending, challenge = flow.begin(request, safe)
    if not any(options.get(k) for k in ("provider", "organization_id", "connection_id")):
        options["provider"] = authkit_settings.DEFAULT_PROVIDER
    return str(
        get_workos().user_management.get_authorization_url(
            redirect_uri=redirect_uri(request),
            state=pending.state,
            code_challenge=challenge,
            code_challenge_method="S256",
            **{k: v for k, v in options.items() if v is not None},
        )
    )


def referring_path(request: HttpRequest) -> str | None:
    """The page the user came from, when it is on this site (a validated path)."""
    parts = urlsplit(request.headers.get("Referer", ""))
    if not parts.netloc or parts.netloc != request.get_host():
        return None
    return flow.safe_next(parts.path + (f"?{parts.query}" if parts.query else ""), request)
