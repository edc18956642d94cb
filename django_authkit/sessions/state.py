"""``request.authkit``: what the current AuthKit session says about the request."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any


class AuthKitState:
    """The signed-in WorkOS session of a request, built from the Django session.

    Reading attributes costs nothing; :meth:`get_access_token` loads (and when
    needed refreshes) the token on demand through ``token_source`` (the
    middleware passes :func:`django_authkit.sessions.lifecycle.current_access_token`), so
    this module imports nothing from the sessions layer.
    """

    #: The Django user's pk, as the middleware read it (binds ``has_perm``'s permissions).
    user_pk: Any = None

    def __init__(
        self,
        request: Any,
        hot: dict[str, Any],
        token_source: Callable[[Any], str | None] | None = None,
    ) -> None:
        self._request = request
        self._hot = hot
        self._token_source = token_source

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<AuthKitState sid={self.session_id} org={self.organization_id}>"

    @property
    def user_id(self) -> str:
        return str(self._hot["sub"])

    @property
    def session_id(self) -> str:
        return str(self._hot["sid"])

    @property
    def organization_id(self) -> str | None:
        return self._hot.get("org_id")

    @property
    def role(self) -> str | None:
        return self._hot.get("role")

    @property
    def roles(self) -> list[str]:
        return list(self._hot.get("roles") or [])

    @property
    def permissions(self) -> list[str]:
        return list(self._hot.get("permissions") or [])

    @property
    def permission_slugs(self) -> Collection[str]:
        """The permissions without a copy (the middleware's per-request binding)."""
        return self._hot.get("permissions") or ()

    @property
    def entitlements(self) -> list[str]:
        return list(self._hot.get("entitlements") or [])

    @property
    def feature_flags(self) -> list[str]:
        return list(self._hot.get("feature_flags") or [])

    @property
    def impersonator(self) -> dict[str, Any] | None:
        return self._hot.get("impersonator")

    @property
    def expires_at(self) -> int:
        return int(self._hot["exp"])

    @property
    def claims(self) -> dict[str, Any]:
        return dict(self._hot)

    @property
    def auth_time(self) -> int | None:
        """When the user last authenticated: the token's ``auth_time``, else this sign-in.

        ``recent_auth_required`` (step-up) compares it with its ``max_age``.
        """
        value = self._hot.get("auth_time") or self._hot.get("started")
        return int(value) if value else None

    def get_access_token(self) -> str | None:
        """A currently valid access token for calling your own APIs, or None."""
        if self._token_source is None:
            return None
        return self._token_source(self._request)


class AnonymousAuthKit:
    """The falsy ``request.authkit`` of a request without an AuthKit session."""

    user_id = session_id = organization_id = role = impersonator = auth_time = None
    roles: list[str] = []
    permissions: list[str] = []
    entitlements: list[str] = []
    feature_flags: list[str] = []
    claims: dict[str, Any] = {}

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "<AnonymousAuthKit>"

    def get_access_token(self) -> None:
        return None


ANONYMOUS = AnonymousAuthKit()
