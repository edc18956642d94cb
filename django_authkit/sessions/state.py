"""``request.authkit``: what the current AuthKit session says about the request."""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextvars import ContextVar
from typing import Any

#: (user pk, the request's WorkOS permission slugs, a one-slot cache of their frozenset) of
#: the request being served, set by the middleware. The slugs are kept as given (no copy
#: per request); the first ``has_perm`` of a request builds the frozenset, later ones reuse it.
_permissions: ContextVar[tuple[Any, Collection[str], list[frozenset[str]]] | None] = ContextVar(
    "authkit_permissions", default=None
)


def set_active_permissions(user_pk: Any, permissions: Collection[str] | None) -> Any:
    """Bind the request's WorkOS permissions; returns a token to reset them with."""
    return _permissions.set((user_pk, permissions or (), []) if user_pk is not None else None)


#: Undo :func:`set_active_permissions` with its token (the C method itself: no Python frame).
reset_active_permissions = _permissions.reset
#: What is bound now (None: nothing), the C method itself too.
active_binding = _permissions.get


def active_permissions(user: Any) -> frozenset[str]:
    """The WorkOS permissions of ``user`` in the organization of the current request.

    O(1) after the first call of a request, whatever the number of permissions.
    """
    bound = _permissions.get()
    if bound is None or str(bound[0]) != str(getattr(user, "pk", None)):
        return frozenset()
    built = bound[2]
    if not built:
        built.append(frozenset(bound[1]))
    return built[0]


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
