"""Widget tokens for WorkOS widgets, minted for the request's own user and organization.

The user and organization always come from the session (``request.authkit``), never
from the caller. A scope is granted only when the site allows it
(``AUTHKIT["WIDGET_SCOPES"]``) and the session's role carries it as a permission
(WorkOS's rule for widget scopes), so a member of one organization never gets an
admin widget, and nobody gets one for another organization. Refusals and WorkOS
failures raise :class:`~django_authkit.workos.failures.Refusal`; the web layer renders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from django_authkit.client.errors import WorkOSError
from django_authkit.conf import authkit_settings
from django_authkit.workos import failures, get_workos

NO_SESSION = failures.Failure(
    failures.REFUSED, "no_session", _("Sign in with WorkOS to use this widget."), 403,
)
NOT_ALLOWED = failures.Failure(
    failures.REFUSED, "scope_not_allowed",
    _("This site does not allow that widget, or your role does not carry it."), 403,
)
NO_ORGANIZATION = failures.Failure(
    failures.REFUSED, "organization_required",
    _("Choose an organization first: this widget works inside one."), 400,
)


@dataclass(frozen=True)
class WidgetGrant:
    token: str
    organization_id: str | None
    scopes: tuple[str, ...]


def allowed_scopes(request: HttpRequest) -> tuple[str, ...]:
    """The scopes this request's session may get: the site's, that its role carries."""
    authkit = getattr(request, "authkit", None)
    if not authkit:
        return ()
    carried = set(authkit.permissions or ())
    return tuple(s for s in (authkit_settings.WIDGET_SCOPES or ()) if s in carried)


def mint(request: HttpRequest, scopes: Iterable[str] | None = None) -> WidgetGrant:
    """A widget token for the session's user (and organization) with ``scopes``.

    ``scopes=None`` asks for every scope :func:`allowed_scopes` gives; an empty list
    for a user-only token (profile, security, sessions widgets).
    """
    authkit = getattr(request, "authkit", None)
    if not authkit:
        raise failures.Refusal(NO_SESSION)
    allowed = allowed_scopes(request)
    wanted = allowed if scopes is None else tuple(dict.fromkeys(str(s) for s in scopes))
    if not set(wanted) <= set(allowed):
        raise failures.Refusal(NOT_ALLOWED)
    organization_id = authkit.organization_id or None
    if wanted and not organization_id:
        raise failures.Refusal(NO_ORGANIZATION)
    try:
        answer = get_workos().widgets.create_token(
            user_id=str(authkit.user_id), organization_id=organization_id, scopes=list(wanted),
        )
    except WorkOSError as exc:
        raise failures.Refusal(failures.report(exc, during="minting a widget token")) from None
    return WidgetGrant(answer.token, organization_id, wanted)
