"""Audit-log actions and their schemas, and an organization's retention period.

An action exists once a schema is created for it, or once an event with that
``action`` is recorded (as WorkOS lists actions the environment uses).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from django_authkit.emulator.crud import get_or_404
from django_authkit.emulator.ids import iso_now
from django_authkit.emulator.routing import Request, Response, invalid, json_response, list_page
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

DEFAULT_RETENTION_DAYS = 365
MONTHS = {f"{n}_MONTH" if n == 1 else f"{n}_MONTHS": n * 30 for n in range(1, 13)}


def _actions(emu: Emulator) -> dict[str, dict[str, Any]]:
    """Actions by name, each with its list of schema versions (oldest first)."""
    actions = emu.store.table("audit_log_actions")
    events = emu.store.extra.get("audit_logs", {}).get("events", [])
    for event in events:
        name = str(event.get("event", {}).get("action") or "")
        if name and name not in actions:
            actions[name] = {"name": name, "schemas": [], "created_at": emu.store.now()}
    return actions


def _schema_api(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "object": "audit_log_schema",
        "version": schema["version"],
        "targets": list(schema["targets"]),
        "created_at": iso_now(schema["created_at"]),
    }
    if schema.get("actor") is not None:
        data["actor"] = schema["actor"]
    if schema.get("metadata") is not None:
        data["metadata"] = schema["metadata"]
    return data


def _action_api(action: dict[str, Any]) -> dict[str, Any]:
    schemas = action["schemas"]
    latest = (
        schemas[-1]
        if schemas
        else {"version": 0, "targets": [], "created_at": action["created_at"]}
    )
    return {
        "object": "audit_log_action",
        "name": action["name"],
        "schema": _schema_api(action["name"], latest),
        "created_at": iso_now(action["created_at"]),
        "updated_at": iso_now(latest["created_at"]),
    }


@r.route("GET", "/audit_logs/actions")
def list_actions(emu: Emulator, req: Request) -> Response:
    items = sorted(_actions(emu).values(), key=lambda a: (a["created_at"], a["name"]))
    return list_page(req, items, _action_api, lambda a: str(a["name"]))


@r.route("POST", "/audit_logs/actions/{name}/schemas")
def create_schema(emu: Emulator, req: Request) -> Response:
    targets = req.field("targets")
    if not isinstance(targets, list) or not targets:
        raise invalid("Validation failed.", "targets")
    for target in targets:
        if not isinstance(target, dict) or not target.get("type"):
            raise ValueError("each target needs a type")
    name = req.params["name"]
    now = emu.store.now()
    action = _actions(emu).setdefault(name, {"name": name, "schemas": [], "created_at": now})
    schema = {
        "version": len(action["schemas"]) + 1,
        "targets": [{k: v for k, v in t.items() if k in ("type", "metadata")} for t in targets],
        "actor": req.field("actor") if isinstance(req.field("actor"), dict) else None,
        "metadata": req.field("metadata") if isinstance(req.field("metadata"), dict) else None,
        "created_at": now,
    }
    action["schemas"].append(schema)
    return json_response(_schema_api(name, schema), 201)


@r.route("GET", "/audit_logs/actions/{name}/schemas")
def list_schemas(emu: Emulator, req: Request) -> Response:
    action = get_or_404(_actions(emu), req.params["name"], "Audit log action")
    to_api = partial(_schema_api, action["name"])
    return list_page(req, action["schemas"], to_api, lambda s: str(s["version"]))


@r.route("GET", "/organizations/{id}/audit_logs_retention")
def get_retention(emu: Emulator, req: Request) -> Response:
    org = emu.store.organization(req.params["id"])
    days = emu.store.extra.get("audit_logs_retention", {}).get(org.id, DEFAULT_RETENTION_DAYS)
    return json_response({"retention_period_in_days": days})


@r.route("PUT", "/organizations/{id}/audit_logs_retention")
def set_retention(emu: Emulator, req: Request) -> Response:
    org = emu.store.organization(req.params["id"])
    period, days = req.text("retention_period"), req.field("retention_period_in_days")
    if period is not None:
        if period not in MONTHS:
            raise invalid(f"Invalid retention_period '{period}'.")
        days = MONTHS[period]
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650:
        raise invalid("A retention period is required.")
    emu.store.extra.setdefault("audit_logs_retention", {})[org.id] = days
    return json_response({"retention_period_in_days": days})
