"""Feature Flags API (``/feature-flags``): list, get, enable/disable, targets.

WorkOS creates flags in its dashboard, so the emulator takes them from the seed
(``"feature_flags": [...]``, or ``organizations[].feature_flags``); the shared
registry lives in ``flags``, and the access token's ``feature_flags`` claim reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator.crud import fields, get_or_404, stamps
from django_authkit.emulator.flags import is_on, registry, seed_flag
from django_authkit.emulator.routing import Request, Response, json_response, list_page
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import NotFound

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator


def flag_api(flag: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "feature_flag",
        **fields(flag, "id", "slug", "name", "description"),
        "owner": None,
        "tags": list(flag["tags"]),
        **fields(flag, "enabled", "default_value"),
        **stamps(flag),
    }


def _flag(emu: Emulator, slug: str) -> dict[str, Any]:
    return get_or_404(registry(emu.store), slug, "Feature flag")


def _page(req: Request, flags: list[dict[str, Any]]) -> Response:
    return list_page(req, sorted(flags, key=lambda f: (f["created_at"], f["slug"])), flag_api)


@r.route("GET", "/feature-flags")
def list_flags(emu: Emulator, req: Request) -> Response:
    return _page(req, list(registry(emu.store).values()))


@r.route("GET", "/feature-flags/{slug}")
def get_flag(emu: Emulator, req: Request) -> Response:
    return json_response(flag_api(_flag(emu, req.params["slug"])))


def _switch(emu: Emulator, slug: str, enabled: bool) -> Response:
    flag = _flag(emu, slug)
    flag["enabled"] = enabled
    flag["updated_at"] = emu.store.now()
    emu.store.emit("flag.updated", flag_api(flag))
    return json_response(flag_api(flag))


@r.route("PUT", "/feature-flags/{slug}/enable")
def enable_flag(emu: Emulator, req: Request) -> Response:
    return _switch(emu, req.params["slug"], True)


@r.route("PUT", "/feature-flags/{slug}/disable")
def disable_flag(emu: Emulator, req: Request) -> Response:
    return _switch(emu, req.params["slug"], False)


def _subject(emu: Emulator, resource_id: str) -> str:
    """A target is an organization or a user that exists."""
    if resource_id not in emu.store.organizations and resource_id not in emu.store.users:
        raise NotFound("Resource", resource_id)
    return resource_id


def _retarget(emu: Emulator, req: Request, on: bool) -> Response:
    """Move the target into ``targets`` (``on``) or ``removed`` (an explicit off)."""
    flag = _flag(emu, req.params["slug"])
    target = _subject(emu, req.params["resource"])
    into, out_of = (flag["targets"], flag["removed"]) if on else (flag["removed"], flag["targets"])
    if target not in into:
        into.append(target)
    if target in out_of:
        out_of.remove(target)
    flag["updated_at"] = emu.store.now()
    emu.store.emit("flag.rule_updated", flag_api(flag))
    return Response(204)


@r.route("POST", "/feature-flags/{slug}/targets/{resource}")
def add_target(emu: Emulator, req: Request) -> Response:
    return _retarget(emu, req, True)


@r.route("DELETE", "/feature-flags/{slug}/targets/{resource}")
def remove_target(emu: Emulator, req: Request) -> Response:
    return _retarget(emu, req, False)


@r.route("GET", "/organizations/{id}/feature-flags")
def organization_flags(emu: Emulator, req: Request) -> Response:
    org = emu.store.organization(req.params["id"])
    return _page(req, [f for f in registry(emu.store).values() if is_on(f, org.id)])


@r.route("GET", "/user_management/users/{id}/feature-flags")
def user_flags(emu: Emulator, req: Request) -> Response:
    """On for the user directly or through an organization they are an active member of."""
    user = emu.store.user(req.params["id"])
    orgs = [m.organization_id for m in emu.store.active_memberships(user.id)]
    flags = [f for f in registry(emu.store).values() if is_on(f, user.id, *orgs)]
    return _page(req, flags)


def seed(emu: Emulator, spec: dict[str, Any]) -> dict[str, Any]:
    """The ``feature_flags`` seed section (see ``flags.seed_flag``)."""
    return flag_api(seed_flag(emu.store, spec))
