"""Audit logs (§11): events (deduplicated by ``Idempotency-Key``) and exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django_authkit.emulator.crud import get_or_404, or_404
from django_authkit.emulator.ids import iso_now, new_id
from django_authkit.emulator.routing import Request, Response, error, json_response
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

REQUIRED = ("action", "occurred_at", "actor", "targets", "context")


def _events(emu: Emulator) -> list[dict[str, Any]]:
    return emu.store.extra.setdefault("audit_logs", {}).setdefault("events", [])  # type: ignore[no-any-return]


def _exports(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.table("audit_log_exports")


def _field_errors(event: Any) -> list[dict[str, str]]:
    if not isinstance(event, dict):
        return [{"field": "event", "code": "required"}]
    errors = [{"field": f"event.{k}", "code": "required"} for k in REQUIRED if not event.get(k)]
    actor = event.get("actor")
    if isinstance(actor, dict) and not (actor.get("id") and actor.get("type")):
        errors.append({"field": "event.actor", "code": "invalid"})
    context = event.get("context")
    if isinstance(context, dict) and not context.get("location"):
        errors.append({"field": "event.context.location", "code": "required"})
    if not isinstance(event.get("targets", []), list):
        errors.append({"field": "event.targets", "code": "invalid"})
    return errors


@r.route("POST", "/audit_logs/events")
def create_event(emu: Emulator, req: Request) -> Response:
    org_id = req.text("organization_id") or ""
    emu.store.organization(org_id)
    event = req.field("event")
    errors = _field_errors(event)
    if errors:
        return error(400, "Invalid audit log event.", "invalid_audit_log", errors=errors)
    key = req.headers.get("idempotency-key")
    events = _events(emu)
    if key and any(e["idempotency_key"] == key for e in events):
        return json_response({"success": True})
    events.append(
        {
            "id": new_id("audit_log_event"),
            "organization_id": org_id,
            "event": event,
            "idempotency_key": key,
            "received_at": iso_now(emu.store.now()),
        }
    )
    return json_response({"success": True})


def _export_api(emu: Emulator, item: dict[str, Any]) -> dict[str, Any]:
    ready = item["polled"]
    item["polled"] = True  # pending on creation, ready from the first GET: like the real API
    return {
        "object": "audit_log_export",
        "id": item["id"],
        "state": "ready" if ready else "pending",
        "url": f"{emu.base_url}/_emulator/audit_logs/exports/{item['id']}.csv" if ready else None,
        "created_at": item["created_at"],
        "updated_at": item["created_at"],
    }


@r.route("POST", "/audit_logs/exports")
def create_export(emu: Emulator, req: Request) -> Response:
    org_id = req.text("organization_id") or ""
    emu.store.organization(org_id)
    req.required_all("range_start", "range_end")
    item: dict[str, Any] = {
        "id": new_id("audit_log_export"),
        "filters": dict(req.body),
        "created_at": iso_now(emu.store.now()),
        "polled": False,
    }
    _exports(emu)[item["id"]] = item
    return json_response(_export_api(emu, item), 201)


@r.route("GET", "/audit_logs/exports/{id}")
def get_export(emu: Emulator, req: Request) -> Response:
    item = get_or_404(_exports(emu), req.params["id"], "Audit log export")
    return json_response(_export_api(emu, item))


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _matching(emu: Emulator, filters: dict[str, Any]) -> list[dict[str, Any]]:
    start, end = _ts(str(filters["range_start"])), _ts(str(filters["range_end"]))
    actions = set(filters.get("actions") or [])
    out = []
    for item in _events(emu):
        event = item["event"]
        if item["organization_id"] != filters.get("organization_id"):
            continue
        if actions and event["action"] not in actions:
            continue
        try:
            when = _ts(str(event["occurred_at"]))
        except ValueError:
            continue
        if start <= when < end:
            out.append(event)
    return out


@r.route("GET", "/_emulator/audit_logs/exports/{name}", public=True)
def download_export(emu: Emulator, req: Request) -> Response:
    item = _exports(emu).get(req.params["name"].removesuffix(".csv"))
    item = or_404(item, "Audit log export", req.params["name"])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["action", "occurred_at", "actor", "targets", "context", "metadata"])
    for event in _matching(emu, item["filters"]):
        writer.writerow(
            [event["action"], event["occurred_at"]]
            + [json.dumps(event.get(k)) for k in ("actor", "targets", "context", "metadata")]
        )
    return Response(200, buffer.getvalue().encode(), "text/csv; charset=utf-8")


@r.route("GET", "/_emulator/audit_logs", public=True)
def list_received(emu: Emulator, req: Request) -> Response:
    """Audit log events received so far, for assertions in tests."""
    return json_response({"data": list(_events(emu))})
