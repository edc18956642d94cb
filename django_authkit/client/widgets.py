"""``client.widgets``: widget tokens (``POST /widgets/token``) for WorkOS's widgets.

The shape is the official Python SDK's (``workos.widgets.create_token``): a user,
optionally an organization (required with scopes) and the scopes; the answer is
``{"token": ...}``, a short-lived bearer credential for the widgets in the browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django_authkit.client._parsing import WorkOSModel
from django_authkit.client._resource import Resource, compact


@dataclass(kw_only=True)
class WidgetToken(WorkOSModel):
    token: str = field(repr=False)


class Widgets(Resource):
    """Tokens for WorkOS widgets (users table, SSO, domain verification, ...)."""

    def create_token(
        self,
        *,
        user_id: str,
        organization_id: str | None = None,
        scopes: Sequence[str] | None = None,
    ) -> WidgetToken:
        """A widget token for ``user_id`` in ``organization_id`` with ``scopes``."""
        if not user_id:
            raise ValueError("user_id is required")
        if scopes and not organization_id:
            raise ValueError("organization_id is required with scopes")
        body = compact(user_id=user_id, organization_id=organization_id,
                       scopes=list(scopes) if scopes is not None else None)
        return self._send("POST", WidgetToken, "widgets", "token", body=body)
