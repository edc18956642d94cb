"""Cursor pagination over WorkOS list endpoints.

Every list answers ``{"data": [...], "list_metadata": {"before", "after"}}``;
``after`` is the id to continue from and is null on the last page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django_authkit.client._parsing import WorkOSModel
from django_authkit.client.errors import WorkOSError

M = TypeVar("M", bound=WorkOSModel)


@dataclass
class ListPage(Generic[M]):
    """One page of a list; ``auto_paging_iter()`` walks this and every later page."""

    data: list[M]
    before: str | None = None
    after: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _next: Callable[[str], ListPage[M]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_response(
        cls,
        body: Any,
        model: type[M],
        next_page: Callable[[str], ListPage[M]] | None = None,
    ) -> ListPage[M]:
        """Parse a list envelope; ``next_page(after)`` fetches the following page."""
        if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
            raise WorkOSError("Unexpected WorkOS response: not a list envelope")
        meta = body.get("list_metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        before, after = meta.get("before"), meta.get("after")
        return cls(
            data=[model.from_dict(item) for item in body["data"]],
            before=before if isinstance(before, str) and before else None,
            after=after if isinstance(after, str) and after else None,
            raw=dict(body),
            _next=next_page,
        )

    def has_more(self) -> bool:
        """Whether a later page exists."""
        return self.after is not None

    def next_page(self) -> ListPage[M] | None:
        """Fetch the page after this one, or ``None`` on the last page."""
        if self.after is None or self._next is None or not self.data:
            return None
        return self._next(self.after)

    def auto_paging_iter(self) -> Iterator[M]:
        """Yield every item from this page on, fetching pages lazily.

        Stops if the server ever hands back a cursor it already gave (a loop).
        """
        page: ListPage[M] | None = self
        seen: set[str] = set()
        while page is not None:
            yield from page.data
            if page.after is None or page.after in seen:
                return
            seen.add(page.after)
            page = page.next_page()

    def __iter__(self) -> Iterator[M]:
        """This page's items only; use ``auto_paging_iter()`` to cross pages."""
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)
