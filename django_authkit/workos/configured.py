"""``get_workos()``: the WorkOS API client built from ``settings.AUTHKIT``.

The client package speaks HTTP and knows nothing of Django; this module reads the
lazy settings, turns a bad configuration into ``ImproperlyConfigured`` and keeps
one client per distinct configuration.
"""

from __future__ import annotations

import functools

from django.core.exceptions import ImproperlyConfigured

from django_authkit.client.errors import ConfigurationError
from django_authkit.client.workos_client import WorkOSClient
from django_authkit.conf import authkit_settings


def get_workos() -> WorkOSClient:
    """The client for the current ``AUTHKIT`` settings.

    Settings are re-read on every call (they are lazy), and the client is memoised
    per distinct configuration, so ``override_settings`` gets its own client while
    normal operation reuses one.
    """
    s = authkit_settings
    client_id, api_key = s.CLIENT_ID, s.API_KEY
    missing = [
        name for name, value in (("CLIENT_ID", client_id), ("API_KEY", api_key)) if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            f"AUTHKIT[{missing[0]!r}] (or WORKOS_{missing[0]}) must be set to call WorkOS."
        )
    try:
        timeout = float(s.REQUEST_TIMEOUT)
        retries = int(s.MAX_RETRIES)
        cap = float(s.RETRY_AFTER_MAX)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(
            "AUTHKIT REQUEST_TIMEOUT, MAX_RETRIES and RETRY_AFTER_MAX must be numbers."
        ) from exc
    try:
        return _client_for(str(api_key), str(client_id), s.api_base_url, timeout, retries, cap)
    except ConfigurationError as exc:
        raise ImproperlyConfigured(str(exc)) from exc


@functools.lru_cache(maxsize=16)
def _client_for(
    api_key: str, client_id: str, base_url: str, timeout: float, retries: int, cap: float
) -> WorkOSClient:
    return WorkOSClient(
        api_key=api_key,
        client_id=client_id,
        base_url=base_url,
        timeout=timeout,
        max_retries=retries,
        retry_after_max=cap,
    )
