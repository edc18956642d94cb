"""Feature flags as state: the registry the Feature Flags API serves and tokens read.

A flag is on for an organization or user when it is enabled and either targets
them or defaults to on. Seeded ``organizations[].feature_flags`` become flags that
target their organization, so the seed, the API and the ``feature_flags`` claim
always agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator.ids import stable_id

if TYPE_CHECKING:
    from django_authkit.emulator.state import Store


def registry(store: Store) -> dict[str, dict[str, Any]]:
    """Flags by slug, with the seeded organization flags folded in."""
    flags: dict[str, dict[str, Any]] = store.extra.setdefault("feature_flags", {})
    for org in store.organizations.values():
        for slug in org.feature_flags or []:
            flag = ensure(store, slug)
            if org.id not in flag["targets"] and org.id not in flag["removed"]:
                flag["targets"].append(org.id)
    return flags


def ensure(store: Store, slug: str, **fields: Any) -> dict[str, Any]:
    flags: dict[str, dict[str, Any]] = store.extra.setdefault("feature_flags", {})
    if slug not in flags:
        now = store.now()
        flags[slug] = {
            "id": stable_id("flag", slug),
            "slug": slug,
            "name": slug.replace("-", " ").replace("_", " ").capitalize(),
            "description": None,
            "tags": [],
            "enabled": True,
            "default_value": False,
            "targets": [],
            "removed": [],  # seeded targets taken away through the API
            "created_at": now,
            "updated_at": now,
        }
    flags[slug].update({k: v for k, v in fields.items() if v is not None})
    return flags[slug]


def is_on(flag: dict[str, Any], *subjects: str | None) -> bool:
    if not flag["enabled"]:
        return False
    return bool(flag["default_value"]) or any(s in flag["targets"] for s in subjects if s)


def flags_for(store: Store, org_id: str | None, user_id: str | None) -> list[str]:
    """The slugs on for this organization and user (the ``feature_flags`` claim)."""
    return sorted(slug for slug, f in registry(store).items() if is_on(f, org_id, user_id))


def seed_flag(store: Store, spec: dict[str, Any]) -> dict[str, Any]:
    """A seed entry ``{"slug", "name"?, "enabled"?, "default_value"?, "targets"?: [ids]}``."""
    flag = ensure(
        store,
        str(spec["slug"]),
        name=spec.get("name"),
        description=spec.get("description"),
        enabled=spec.get("enabled"),
        default_value=spec.get("default_value"),
    )
    for ref in spec.get("targets", []):
        target = _resolve(store, str(ref))
        if target not in flag["targets"]:
            flag["targets"].append(target)
    return flag


def _resolve(store: Store, ref: str) -> str:
    """An organization/user id, or an organization name or user e-mail from a seed."""
    if ref in store.organizations or ref in store.users:
        return ref
    org = store.organization_by_name(ref)
    if org is not None:
        return org.id
    user = store.user_by_email(ref)
    if user is not None:
        return user.id
    raise ValueError(f"unknown feature flag target {ref!r}")
