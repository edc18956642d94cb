"""``client.api_keys``: API keys your customers hold, checked with ``POST /api_keys/validations``.

The shapes are the official Python SDK's (``workos.api_keys``): validation posts
``{"value"}`` and reads ``{"api_key": ApiKey | null}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django_authkit.client._parsing import WorkOSModel
from django_authkit.client._resource import Resource, compact
from django_authkit.client.transport import build_path


@dataclass(kw_only=True)
class ApiKeyOwner(WorkOSModel):
    type: str
    id: str
    organization_id: str | None = None


@dataclass(kw_only=True)
class ApiKey(WorkOSModel):
    id: str
    owner: ApiKeyOwner
    name: str = ""
    obfuscated_value: str = ""
    permissions: list[str] = field(default_factory=list)
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    #: Only in the answer that created the key.
    value: str | None = field(default=None, repr=False)

    @property
    def organization_id(self) -> str | None:
        """The organization the key acts for (its owner, or a user key's organization)."""
        if self.owner.type == "organization":
            return self.owner.id
        return self.owner.organization_id


class ApiKeys(Resource):
    def validate_api_key(self, *, value: str) -> ApiKey | None:
        """The live key whose secret is ``value``, or ``None`` (unknown, expired, revoked)."""
        answer: Any = self._transport.request(
            "POST", build_path("api_keys", "validations"), body={"value": value}, retry=True
        )
        found = answer.get("api_key") if isinstance(answer, dict) else None
        return ApiKey.from_dict(found) if isinstance(found, dict) else None

    def create_organization_api_key(
        self,
        organization_id: str,
        *,
        name: str,
        permissions: list[str] | None = None,
        expires_at: datetime | str | None = None,
    ) -> ApiKey:
        """A new key owned by the organization; ``value`` is readable only in this answer."""
        if isinstance(expires_at, datetime):
            expires_at = expires_at.isoformat()
        return self._send(
            "POST", ApiKey, "organizations", organization_id, "api_keys",
            body=compact(name=name, permissions=permissions, expires_at=expires_at),
        )

    def delete_api_key(self, api_key_id: str) -> None:
        self._delete("api_keys", api_key_id)
