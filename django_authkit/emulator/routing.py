"""Request/response values, the route table and the WorkOS list envelope."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

T = TypeVar("T")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any]
    headers: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)  # from the path pattern
    client_ip: str | None = None
    public_client: bool = False  # authenticate: no secret, PKCE instead (see authenticate)

    def arg(self, name: str) -> str | None:
        """A single query value (the last one when repeated)."""
        values = self.query.get(name)
        return values[-1] if values else None

    def arg_list(self, name: str) -> list[str]:
        """An array filter in any form clients use: ``a,b``, ``k=a&k=b`` or ``k[]=a``."""
        values = self.query.get(name, []) + self.query.get(f"{name}[]", [])
        return [v.strip() for value in values for v in value.split(",") if v.strip()]

    def field(self, name: str) -> Any:
        return self.body.get(name)

    def text(self, name: str) -> str | None:
        """A body field as a stripped string, or None when absent or empty."""
        value = self.body.get(name)
        if value is None:
            return None
        value = str(value).strip()
        return value or None

    def required(self, name: str, *, query: bool = False) -> str:
        """A body field (or query value) that must be there, else a 422 "name is required."."""
        return self.required_all(name, query=query)[0]

    def required_all(self, *names: str, query: bool = False) -> list[str]:
        """Several such values; one 422 naming them all ("a, b and c are required.")."""
        values = [self.arg(n) if query else self.text(n) for n in names]
        if not all(values):
            last = names[-1]
            listed = f"{', '.join(names[:-1])} and {last}" if len(names) > 1 else last
            raise invalid(f"{listed} {'are' if len(names) > 1 else 'is'} required.")
        return [str(v) for v in values]


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection instead of answering (a lost response)
    after_send: Callable[[], None] | None = None  # called once the answer went out


def json_response(data: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(data).encode())


def error(status: int, message: str, code: str, **extra: Any) -> Response:
    """The plain WorkOS error shape ``{"message","code"}``."""
    return json_response({"message": message, "code": code, **extra}, status)


def oauth_error(error_code: str, description: str, status: int = 400, **extra: Any) -> Response:
    """The OAuth error shape ``{"error","error_description"}``."""
    return json_response({"error": error_code, "error_description": description, **extra}, status)


class Refused(Exception):
    """Raised by a handler (or a helper it calls) to answer with ``response`` at once."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def invalid(message: str, field: str | None = None, code: str | None = None) -> Refused:
    """A 422 ``invalid_request_parameters``; with ``field``, also WorkOS's ``errors`` list."""
    extra = {"errors": [{"field": field, "code": code or f"{field}_required"}]} if field else {}
    return Refused(error(422, message, "invalid_request_parameters", **extra))


def html_response(body: str, status: int = 200) -> Response:
    return Response(
        status,
        body.encode(),
        "text/html; charset=utf-8",
        {"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )


def redirect(url: str) -> Response:
    return Response(302, b"", "text/plain", {"Location": url})


def add_query(url: str, params: dict[str, str | None]) -> str:
    """``url`` with ``params`` appended (None values are left out)."""
    parts = urlsplit(url)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query and extra else (parts.query or extra)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def paginate(req: Request, items: Sequence[T], id_of: Callable[[T], str]) -> tuple[list[T], Any]:
    """Cut one page from ``items`` (oldest first) per §12; return it and ``list_metadata``.

    ``order=desc`` (the SDK default) and ``normal`` list newest first; ``asc`` oldest
    first. ``after=X`` continues past X in that order, ``before=X`` goes back.
    """
    try:
        limit = max(1, min(100, int(req.arg("limit") or 10)))
    except ValueError:
        limit = 10
    ordered = list(items) if req.arg("order") == "asc" else list(reversed(items))
    ids = [id_of(i) for i in ordered]
    after, before = req.arg("after"), req.arg("before")
    if after is not None:
        start = ids.index(after) + 1 if after in ids else len(ids)
        page = ordered[start : start + limit]
    elif before is not None:
        end = ids.index(before) if before in ids else 0
        start = max(0, end - limit)
        page = ordered[start:end]
    else:
        start = 0
        page = ordered[:limit]
    more_after = start + len(page) < len(ordered)
    meta = {
        "before": id_of(page[0]) if page and start > 0 else None,
        "after": id_of(page[-1]) if page and more_after else None,
    }
    return page, meta


def list_response(data: list[Any], meta: Any) -> Response:
    return json_response({"object": "list", "data": data, "list_metadata": meta})


def item_id(item: Any) -> str:
    """The ``id`` of a stored dict or of a model object (the default page cursor)."""
    return str(item["id"] if isinstance(item, dict) else item.id)


def list_page(
    req: Request,
    items: Sequence[T],
    to_api: Callable[[T], Any] | None = None,
    id_of: Callable[[T], str] = item_id,
) -> Response:
    """One page of ``items`` (see :func:`paginate`) as a WorkOS list, each through ``to_api``."""
    page, meta = paginate(req, items, id_of)
    return list_response([to_api(i) for i in page] if to_api else list(page), meta)


def unpaged(data: list[Any]) -> Response:
    """A WorkOS list that is always whole (no cursors)."""
    return list_response(data, {"before": None, "after": None})


Handler = Callable[["Emulator", Request], Response]
Finder = Callable[["Emulator", Request], Any]
"""Finds the object a request's path names (or raises ``NotFound``)."""
Action = Callable[["Emulator", Request, Any], Response]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    public: bool = False


class Router:
    """Method + regex path table; ``{name}`` segments become ``req.params``."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, path: str, handler: Handler, *, public: bool = False) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
        self.routes.append(Route(method, re.compile(f"^{regex}/?$"), handler, public))

    def route(
        self, method: str, path: str, *, public: bool = False
    ) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            self.add(method, path, handler, public=public)
            return handler

        return decorator

    def each(
        self, method: str, bases: Sequence[tuple[str, Finder]], suffix: str = ""
    ) -> Callable[[Action], Action]:
        """Serve ``action(emu, req, found)`` at ``base + suffix`` for each ``(base, finder)``:
        one object addressed more than one way (by id and by external id, say)."""

        def bind(action: Action, find: Finder) -> Handler:
            return lambda emu, req: action(emu, req, find(emu, req))

        def decorator(action: Action) -> Action:
            for base, find in bases:
                self.add(method, base + suffix, bind(action, find))
            return action

        return decorator

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """The route for ``method path``, its params, and whether the path exists at all."""
        path_known = False
        for route in self.routes:
            m = route.pattern.match(path)
            if m:
                path_known = True
                if route.method == method:
                    return route, {k: unquote(v) for k, v in m.groupdict().items()}, True
        return None, {}, path_known


router = Router()

SeedSection = Callable[["Emulator", dict[str, Any]], dict[str, Any]]
seed_sections: dict[str, SeedSection] = {}
"""Seed keys owned by route modules (``connections``, ...): each item -> its API object."""
