"""Django REST Framework authentication by WorkOS access token (``pip install
django-workos-authkit[drf]``).

.. code-block:: python

    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "django_authkit.contrib.drf.AuthKitBearerAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ],
    }

:class:`AuthKitApiKeyAuthentication` accepts WorkOS API keys only (machine
clients; see ``AUTHKIT["API_KEYS"]``), whatever that setting says.

``request.auth`` is the :class:`~django_authkit.sessions.bearer.BearerAuthKitState` (WorkOS
user id, organization, role, permissions, claims). Verification and caching are
those of the middleware (:mod:`django_authkit.bearer`). A request the
middleware already authenticated by the same header is not verified twice.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions  # type: ignore[import-untyped,import-not-found,unused-ignore]
from rest_framework.authentication import BaseAuthentication  # type: ignore[import-untyped,import-not-found,unused-ignore]
from rest_framework.request import Request  # type: ignore[import-untyped,import-not-found,unused-ignore]

from django_authkit.sessions import api_keys as api_key_auth
from django_authkit.sessions import bearer


class ServiceUnavailable(exceptions.APIException):  # type: ignore[misc,unused-ignore]
    """503: WorkOS's signing keys cannot be fetched just now (``Retry-After`` set)."""

    status_code = 503
    default_code = "authentication_unavailable"


def _drf_exception(failure: bearer.BearerFailure) -> Exception:
    """DRF's exception for a refused bearer value, keeping its status: 401, 429 (the
    API-key validation budget) or 503, the last two with ``Retry-After`` (DRF sets it
    from ``wait``)."""
    if failure.status == 429:
        throttled: Exception = exceptions.Throttled(
            wait=failure.retry_after, detail=str(failure.message), code=failure.code
        )
        return throttled
    if failure.status == 503:
        unavailable = ServiceUnavailable(str(failure.message), code=failure.code)
        unavailable.wait = failure.retry_after
        return unavailable
    refused: Exception = exceptions.AuthenticationFailed(str(failure.message), code=failure.code)
    return refused


class AuthKitBearerAuthentication(BaseAuthentication):  # type: ignore[misc,unused-ignore]
    """``Authorization: Bearer <WorkOS access token>``; no CSRF (nothing rides on cookies)."""

    www_authenticate_realm = "api"
    #: The ``request.authkit`` of a request the middleware already authenticated this way.
    _state_class: type[bearer.BearerAuthKitState] = bearer.BearerAuthKitState

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        django_request = request._request
        token = bearer.token_from(django_request)
        if token is None or not self._accepts(token):
            return None
        state = getattr(django_request, "authkit", None)
        if isinstance(state, self._state_class) and state.get_access_token() == token:
            return django_request.user, state
        result = self._verify(token)
        if isinstance(result, bearer.BearerFailure):
            raise _drf_exception(result)
        user, claims = result
        return user, bearer.state_for(django_request, token, user, claims)

    def _accepts(self, token: str) -> bool:
        """Whether this class handles ``token`` at all (``False``: the next class tries)."""
        return True

    def _verify(self, token: str) -> tuple[Any, dict[str, Any]] | bearer.BearerFailure:
        return bearer.authenticate(token)

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{self.www_authenticate_realm}"'


class AuthKitApiKeyAuthentication(AuthKitBearerAuthentication):
    """``Authorization: Bearer <WorkOS API key>``, validated through WorkOS (cached briefly).

    ``request.auth`` is a :class:`~django_authkit.sessions.bearer.ApiKeyAuthKitState`
    (``api_key``, ``organization_id``, ``permissions``).
    """

    _state_class = bearer.ApiKeyAuthKitState

    def _accepts(self, token: str) -> bool:

        return api_key_auth.looks_like_api_key(token)

    def _verify(self, token: str) -> tuple[Any, dict[str, Any]] | bearer.BearerFailure:
        return bearer.authenticate_api_key(token)
