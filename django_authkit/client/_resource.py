"""Shared plumbing of the resource classes (``client.users``, ``client.organizations`` ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django_authkit.client._parsing import WorkOSModel
from django_authkit.client.errors import WorkOSError
from django_authkit.client.pagination import ListPage
from django_authkit.client.transport import Transport, build_path

M = TypeVar("M", bound=WorkOSModel)

LIST_ORDERS = frozenset({"asc", "desc", "normal"})


class Resource:
    """A group of API calls sharing the client's transport and client id."""

    def __init__(self, transport: Transport, client_id: str) -> None:
        self._transport = transport
        self._client_id = client_id

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._transport.base_url}>"

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    def _get(self, model: type[M], *path: str, params: Mapping[str, Any] | None = None) -> M:
        return model.from_dict(
            _object(self._transport.request("GET", build_path(*path), params=params))
        )

    def _send(
        self,
        method: str,
        model: type[M],
        *path: str,
        body: Mapping[str, Any] | None = None,
        key: str | None = None,
    ) -> M:
        """Send a write; ``key`` unwraps a ``{"user": {...}}``-style envelope."""
        answer = _object(self._transport.request(method, build_path(*path), body=body))
        return model.from_dict(_object(answer.get(key)) if key else answer)

    def _delete(self, *path: str) -> None:
        self._transport.request("DELETE", build_path(*path))

    def _list(
        self,
        model: type[M],
        *path: str,
        params: Mapping[str, Any],
    ) -> ListPage[M]:
        """First page of a list; later pages repeat the query with ``after`` (and no ``before``)."""
        order = params.get("order")
        if order is not None and order not in LIST_ORDERS:
            raise ValueError(f"order must be one of {sorted(LIST_ORDERS)}")
        url_path = build_path(*path)
        limit = params.get("limit")
        if limit is not None and not (isinstance(limit, int) and 1 <= limit <= 100):
            raise ValueError("limit must be an integer from 1 to 100")

        def fetch(query: Mapping[str, Any]) -> ListPage[M]:
            body = self._transport.request("GET", url_path, params=query)
            return ListPage.from_response(
                body, model, lambda after: fetch({**query, "before": None, "after": after})
            )

        return fetch(dict(params))


def compact(**values: Any) -> dict[str, Any]:
    """A JSON body without the ``None`` values (WorkOS treats absent and null differently)."""
    return {k: v for k, v in values.items() if v is not None}


def _object(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise WorkOSError("Unexpected WorkOS response: expected a JSON object")
    return value
