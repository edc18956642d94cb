"""``client.events``: the Events API, the reliable way to sync (webhooks may be lost)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django_authkit.client._resource import Resource
from django_authkit.client.models import Event
from django_authkit.client.pagination import ListPage


class Events(Resource):
    """A cursor over everything that happened in the environment."""

    def list_events(
        self,
        *,
        events: Sequence[str],
        after: str | None = None,
        before: str | None = None,
        limit: int | None = None,
        order: str | None = None,
        range_start: datetime | str | None = None,
        range_end: datetime | str | None = None,
        organization_id: str | None = None,
    ) -> ListPage[Event]:
        """Events of the given types; keep the last id and pass it back as ``after``."""
        if isinstance(events, str) or not events:
            raise ValueError("events must be a non-empty list of event names")
        params = {
            "events": list(events),
            "after": after,
            "before": before,
            "limit": limit,
            "order": order,
            "range_start": range_start,
            "range_end": range_end,
            "organization_id": organization_id,
        }
        return self._list(Event, "events", params=params)
