"""``client.audit_logs``: emit audit-log events and export them.

``create_event`` is the one POST this client retries: it always carries an
``Idempotency-Key`` (the caller's or a fresh uuid4, the same for every attempt),
and WorkOS deduplicates on it for 24 hours.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django_authkit.client._resource import Resource, compact
from django_authkit.client.models import AuditLogExport
from django_authkit.client.transport import encode_params


def _iso(value: datetime | str) -> str:
    if isinstance(value, datetime):
        return encode_params({"v": value})["v"]
    return value


class AuditLogs(Resource):
    """Audit-log events and exports."""

    def create_event(
        self,
        *,
        organization_id: str,
        event: Mapping[str, Any],
        idempotency_key: str | None = None,
    ) -> None:
        """Record ``event`` (``action``, ``occurred_at``, ``actor``, ``targets``, ``context``)."""
        missing = [
            k for k in ("action", "occurred_at", "actor", "targets", "context") if k not in event
        ]
        if missing:
            raise ValueError(f"Audit-log event lacks {', '.join(missing)}")
        payload = dict(event)
        if isinstance(payload["occurred_at"], datetime):
            payload["occurred_at"] = _iso(payload["occurred_at"])
        self._transport.request(
            "POST",
            "/audit_logs/events",
            body={"organization_id": organization_id, "event": payload},
            idempotency_key=idempotency_key or str(uuid.uuid4()),
        )

    def create_export(
        self,
        *,
        organization_id: str,
        range_start: datetime | str,
        range_end: datetime | str,
        actions: Sequence[str] | None = None,
        actor_names: Sequence[str] | None = None,
        actor_ids: Sequence[str] | None = None,
        targets: Sequence[str] | None = None,
    ) -> AuditLogExport:
        """Start an export of one organization's events over a time range."""
        body = compact(
            organization_id=organization_id,
            range_start=_iso(range_start),
            range_end=_iso(range_end),
            actions=list(actions) if actions else None,
            actor_names=list(actor_names) if actor_names else None,
            actor_ids=list(actor_ids) if actor_ids else None,
            targets=list(targets) if targets else None,
        )
        return self._send("POST", AuditLogExport, "audit_logs", "exports", body=body)

    def get_export(self, audit_log_export_id: str) -> AuditLogExport:
        """An export's state, and its download ``url`` once ``state == "ready"``."""
        return self._get(AuditLogExport, "audit_logs", "exports", audit_log_export_id)
