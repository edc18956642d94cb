"""FGA resources as state: the registry, ids, and the parent chain checks walk up.

A resource is ``(organization, resource_type_slug, external_id)``; its id is derived
from those, so a check naming a resource by external id and one naming it by id agree
whether or not it was registered. A role assigned on a parent applies to its children.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator.ids import stable_id

if TYPE_CHECKING:
    from django_authkit.emulator.state import Store

ORG_TYPE = "organization"


def resource_id(org_id: str, kind: str, external_id: str) -> str:
    return stable_id("authz_resource", org_id, kind, external_id)


def resources(store: Store) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = store.extra.setdefault("authz_resources", {})
    return found


def ref(item: dict[str, Any]) -> dict[str, Any]:
    """The short form role assignments carry: ``{id, external_id, resource_type_slug}``."""
    return {
        "id": item["id"],
        "external_id": item["external_id"],
        "resource_type_slug": item["resource_type_slug"],
    }


def org_ref(org_id: str) -> dict[str, Any]:
    return {"id": org_id, "external_id": org_id, "resource_type_slug": ORG_TYPE}


def ancestors(store: Store, target: dict[str, Any]) -> list[dict[str, Any]]:
    """``target`` and the resources above it (registered parents), nearest first."""
    chain, seen = [target], {target["id"]}
    item = resources(store).get(target["id"])
    while item is not None and item.get("parent_resource_id"):
        parent = resources(store).get(item["parent_resource_id"])
        if parent is None or parent["id"] in seen:
            break
        seen.add(parent["id"])
        chain.append(ref(parent))
        item = parent
    return chain


def groups(store: Store) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = store.extra.setdefault("groups", {})
    return found


def group_assignments(store: Store) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = store.extra.setdefault("group_role_assignments", {})
    return found


def groups_of(store: Store, membership_id: str) -> list[dict[str, Any]]:
    return [g for g in groups(store).values() if membership_id in g["members"]]


def group_roles(store: Store, membership_id: str) -> list[dict[str, Any]]:
    """Role assignments a membership holds through its groups."""
    ids = {g["id"] for g in groups_of(store, membership_id)}
    return [a for a in group_assignments(store).values() if a["group_id"] in ids]


def organization_roles(store: Store, membership_id: str, own: list[str]) -> list[str]:
    """A membership's organization-wide role slugs: its own, then those of its groups."""
    extra = [
        a["role_slug"]
        for a in group_roles(store, membership_id)
        if a["resource"]["resource_type_slug"] == ORG_TYPE
    ]
    return list(dict.fromkeys([*own, *extra]))
