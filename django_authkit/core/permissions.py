"""The WorkOS permissions of the request being served, for ``has_perm``.

The middleware (sessions side) binds them per request; ``AuthKitBackend.has_perm``
(identity side) reads them. Both layers sit above ``core``, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Collection
from contextvars import ContextVar
from typing import Any

#: (user pk, the request's WorkOS permission slugs, a one-slot cache of their frozenset,
#: the request's WorkOS organization id, the request's object-permission answers) of the
#: request being served, set by the middleware. The slugs are kept as given (no copy per
#: request); the first ``has_perm`` of a request builds the frozenset, later ones reuse it.
_Binding = tuple[Any, Collection[str], list[frozenset[str]], "str | None", dict[Any, bool]]
_permissions: ContextVar[_Binding | None] = ContextVar("authkit_permissions", default=None)


def set_active_permissions(
    user_pk: Any, permissions: Collection[str] | None, organization_id: str | None = None
) -> Any:
    """Bind the request's WorkOS permissions (and organization); returns a reset token."""
    return _permissions.set(
        (user_pk, permissions or (), [], organization_id or None, {})
        if user_pk is not None else None
    )


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


def _binding_of(user: Any) -> _Binding | None:
    bound = _permissions.get()
    if bound is None or str(bound[0]) != str(getattr(user, "pk", None)):
        return None
    return bound


def active_organization(user: Any) -> str | None:
    """The WorkOS organization of ``user``'s session in the current request, if any."""
    bound = _binding_of(user)
    return bound[3] if bound is not None else None


def request_cache(user: Any) -> dict[Any, bool] | None:
    """Answers kept for the rest of the current request (object permissions), or None."""
    bound = _binding_of(user)
    return bound[4] if bound is not None else None
