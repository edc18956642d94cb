"""What ``on_success`` and ``on_error`` callback hooks receive, and how they are resolved.

``on_success(request, user, auth)`` runs after a browser sign-in, once the user
is logged in; ``auth`` is a :class:`CallbackResult`. ``on_error(request, error)``
runs when a callback fails; ``error`` is a :class:`CallbackError`. Both are set
with ``AUTHKIT["ON_SUCCESS"]`` / ``AUTHKIT["ON_ERROR"]`` (dotted paths or
callables) or ``CallbackView.as_view(on_success=..., on_error=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import import_string

from django_authkit.client.models import Impersonator, OAuthTokens, User


@dataclass(frozen=True)
class CallbackResult:
    """A finished sign-in, as authkit-nextjs's ``onSuccess`` sees it (minus raw tokens).

    The WorkOS access and refresh tokens stay server-side; call
    ``request.authkit.get_access_token()`` when you need one.
    """

    user: User
    organization_id: str | None
    authentication_method: str | None
    impersonator: Impersonator | None
    oauth_tokens: OAuthTokens | None = field(repr=False)
    state: str | None
    claims: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class CallbackError:
    """A failed callback: a stable ``code``, a message safe to show, and an HTTP status."""

    code: str
    message: str
    status: int = 400


Hook = Callable[..., Any]


def resolve(value: Any) -> Hook | None:
    """A hook from a callable or a dotted path (``None`` stays ``None``)."""
    if not value:
        return None
    if callable(value):
        return value  # type: ignore[no-any-return]
    hook: Hook = import_string(str(value))
    return hook
