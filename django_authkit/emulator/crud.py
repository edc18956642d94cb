"""What the route modules' resources share: look up or 404, e-mail input, API views, edits.

Each route module keeps only what is specific to its resource (its fields, filters,
events and rules); the WorkOS shapes they all follow live here and in ``routing``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django_authkit.emulator.ids import iso_now, stable_id
from django_authkit.emulator.routing import Request, invalid
from django_authkit.emulator.state import NotFound, normalize_email

if TYPE_CHECKING:
    from django_authkit.emulator.models import Organization
    from django_authkit.emulator.state import Store

T = TypeVar("T")


class _External(Protocol):
    external_id: str | None


E = TypeVar("E", bound=_External)


def or_404(item: T | None, kind: str, key: str) -> T:
    """``item``, or (when None) the WorkOS 404 "``kind`` not found: 'key'"."""
    if item is None:
        raise NotFound(kind, key)
    return item


def get_or_404(table: Mapping[str, T], key: str, kind: str) -> T:
    """``table[key]``, or the 404 of :func:`or_404`."""
    return or_404(table.get(key), kind, key)


def pop_or_404(table: dict[str, T], key: str, kind: str) -> T:
    """Remove and return ``table[key]`` (a 404 as in :func:`get_or_404`)."""
    item = get_or_404(table, key, kind)
    del table[key]
    return item


def first_or_404(items: Iterable[T], kind: str, key: str) -> T:
    """The first of ``items`` (a filtering generator, say), or a 404 naming ``key``."""
    return or_404(next(iter(items), None), kind, key)


def with_external_id(objects: Iterable[E], kind: str, wanted: str) -> E:
    """The object (a user, an organization) whose ``external_id`` is ``wanted``, or a 404."""
    return first_or_404((o for o in objects if o.external_id == wanted), kind, wanted)


def seeded(
    store: Store, spec: dict[str, Any], kind: str, prefix: str
) -> tuple[Organization, dict[str, Any]]:
    """The organization a seed entry names (by id or name), and the entry's ``object``,
    ``id`` (given, or stable for that organization and name) and ``organization_id``."""
    org = store.organization_named(str(spec["organization"]))
    item_id = spec.get("id") or stable_id(prefix, org.id, str(spec.get("name") or ""))
    return org, {"object": kind, "id": item_id, "organization_id": org.id}


def valid_email(req: Request, name: str = "email") -> str:
    """The normalized e-mail in body field ``name``, or 422 "A valid email is required."."""
    email = normalize_email(req.text(name) or "")
    if "@" not in email:
        raise invalid("A valid email is required.")
    return email


def where(
    req: Request, items: list[dict[str, Any]], *names: str, **renamed: str
) -> list[dict[str, Any]]:
    """``items`` matching each list filter sent: query value ``name`` against field ``name``
    (``renamed``: query name -> field); ``email`` is compared normalized, as it is stored."""
    for arg, key in [*((n, n) for n in names), *renamed.items()]:
        wanted = req.arg(arg)
        if wanted:
            wanted = normalize_email(wanted) if arg == "email" else wanted
            items = [i for i in items if i[key] == wanted]
    return items


def named_like(req: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``items`` whose name contains the ``search`` query value (any case), if one was sent."""
    search = (req.arg("search") or "").casefold()
    return [i for i in items if search in i["name"].casefold()] if search else items


def fields(item: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """``item``'s ``names``, in that order (the plain part of an API object)."""
    return {name: item[name] for name in names}


def without(data: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """``data`` less ``names`` (an event leaves out the secrets its API object shows)."""
    return {k: v for k, v in data.items() if k not in names}


def stamps(item: Mapping[str, Any]) -> dict[str, str]:
    """``created_at``/``updated_at`` of a stored item (epoch seconds) as WorkOS writes them."""
    return {"created_at": iso_now(item["created_at"]), "updated_at": iso_now(item["updated_at"])}


def stamped(
    store: Store, item: dict[str, Any], *, as_text: bool = False, now: float | None = None
) -> dict[str, Any]:
    """``item`` with ``created_at`` and ``updated_at`` set to ``now`` (default: the store's
    clock), as ISO text if ``as_text``; returns ``item``."""
    when = store.now() if now is None else now
    item["created_at"] = item["updated_at"] = iso_now(when) if as_text else when
    return item


def renamed(req: Request) -> dict[str, Any]:
    """A PATCH's ``name`` (when given) and ``description`` (when sent; null clears it)."""
    changes: dict[str, Any] = {}
    if req.text("name"):
        changes["name"] = req.text("name")
    if "description" in req.body:
        changes["description"] = req.text("description")
    return changes
