"""``WorkOSClient``: every WorkOS API resource over one transport (no Django settings here).

The instance configured from ``settings.AUTHKIT`` is :func:`django_authkit.get_workos`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from django_authkit.client.api_keys import ApiKeys
from django_authkit.client.audit_logs import AuditLogs
from django_authkit.client.authorization import Authorization
from django_authkit.client.directory_sync import DirectorySync
from django_authkit.client.errors import ConfigurationError
from django_authkit.client.events import Events
from django_authkit.client.organizations import Organizations
from django_authkit.client.portal import Portal
from django_authkit.client.sso import SSO
from django_authkit.client.transport import Transport
from django_authkit.client.user_management import UserManagement
from django_authkit.client.webhooks import Webhooks
from django_authkit.client.widgets import Widgets

DEFAULT_BASE_URL = "https://api.workos.com"


class WorkOSClient:
    """A WorkOS API client on ``requests``; cheap to build, all share one connection pool.

    ``sleep`` is injectable so tests can observe the retry schedule without waiting.
    """

    def __init__(
        self,
        *,
        api_key: str,
        client_id: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        max_retries: int = 2,
        retry_after_max: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise ConfigurationError("A WorkOS API key is required")
        if not client_id:
            raise ConfigurationError("A WorkOS client id is required")
        base_url = (base_url or "").strip().rstrip("/")
        if not base_url.startswith(("https://", "http://")):
            raise ConfigurationError("The WorkOS base URL must start with https:// or http://")
        if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
            raise ConfigurationError("The WorkOS request timeout must be a positive number")
        self.client_id = client_id
        self.base_url = base_url
        self._transport = Transport(
            api_key=api_key,
            base_url=base_url,
            timeout=float(timeout),
            max_retries=max_retries,
            retry_after_max=retry_after_max,
            sleep=sleep,
        )
        self.user_management = UserManagement(self._transport, client_id)
        self.organizations = Organizations(self._transport, client_id)
        self.sso = SSO(self._transport, client_id)
        self.directory_sync = DirectorySync(self._transport, client_id)
        self.audit_logs = AuditLogs(self._transport, client_id)
        self.events = Events(self._transport, client_id)
        self.webhooks = Webhooks(self._transport, client_id)
        self.api_keys = ApiKeys(self._transport, client_id)
        self.portal = Portal(self._transport, client_id)
        self.authorization = Authorization(self._transport, client_id)
        self.widgets = Widgets(self._transport, client_id)

    @property
    def organization_membership(self) -> UserManagement:
        """Where SDK 10 puts memberships; here they live on ``user_management``."""
        return self.user_management

    @property
    def admin_portal(self) -> Portal:
        """Where SDK 10 puts Admin Portal links; here they live on ``portal``."""
        return self.portal

    @property
    def timeout(self) -> float:
        return self._transport.timeout

    @property
    def max_retries(self) -> int:
        return self._transport.max_retries

    def __repr__(self) -> str:
        return f"WorkOSClient(client_id={self.client_id!r}, base_url={self.base_url!r})"
