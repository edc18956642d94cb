"""The Events API (§12) and webhook endpoint management (§13.4)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django_authkit.emulator.crud import get_or_404, pop_or_404, stamped
from django_authkit.emulator.ids import iso_now, new_id, token
from django_authkit.emulator.routing import Request, Response, invalid, json_response, list_page
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _event_org(event: dict[str, Any]) -> str | None:
    data = event["data"]
    if event["event"].startswith("organization."):
        return str(data.get("id"))
    value = data.get("organization_id")
    return str(value) if value else None


@r.route("GET", "/events")
def list_events(emu: Emulator, req: Request) -> Response:
    """Events oldest first; ``after`` is the cursor to continue from (any order)."""
    events = list(emu.store.events)
    names = set(req.arg_list("events"))
    if names:
        events = [e for e in events if e["event"] in names]
    org_id = req.arg("organization_id")
    if org_id:
        events = [e for e in events if _event_org(e) == org_id]
    start, end = req.arg("range_start"), req.arg("range_end")
    try:
        if start:
            events = [e for e in events if _ts(e["created_at"]) >= _ts(start)]
        if end:
            events = [e for e in events if _ts(e["created_at"]) < _ts(end)]
    except ValueError:
        raise invalid("range_start/range_end must be ISO-8601.") from None
    # The Events API reads forward from a cursor: treat every order as ascending.
    req.query["order"] = ["asc"]
    return list_page(req, events)


def _endpoint_api(ep: dict[str, Any]) -> dict[str, Any]:
    return dict(ep)


def _endpoint(emu: Emulator, req: Request) -> dict[str, Any]:
    return get_or_404(emu.webhooks.endpoints(), req.params["id"], "Webhook endpoint")


def create_endpoint(
    emu: Emulator, url: str, secret: str | None, events: list[str]
) -> dict[str, Any]:
    ep: dict[str, Any] = {
        "object": "webhook_endpoint",
        "id": new_id("we"),
        "endpoint_url": url,
        "secret": secret or f"whsec_{token(24)}",
        "status": "enabled",
        "events": events,
    }
    emu.webhooks.endpoints()[ep["id"]] = stamped(emu.store, ep, as_text=True)
    return ep


@r.route("GET", "/webhook_endpoints")
def list_endpoints(emu: Emulator, req: Request) -> Response:
    return list_page(req, list(emu.webhooks.endpoints().values()), _endpoint_api)


@r.route("POST", "/webhook_endpoints")
def post_endpoint(emu: Emulator, req: Request) -> Response:
    url = req.required("endpoint_url")
    events = req.field("events") if isinstance(req.field("events"), list) else []
    return json_response(_endpoint_api(create_endpoint(emu, url, None, events)), 201)


@r.route("GET", "/webhook_endpoints/{id}")
def get_endpoint(emu: Emulator, req: Request) -> Response:
    return json_response(_endpoint_api(_endpoint(emu, req)))


@r.route("PATCH", "/webhook_endpoints/{id}")
def patch_endpoint(emu: Emulator, req: Request) -> Response:
    ep = _endpoint(emu, req)
    if req.text("endpoint_url"):
        ep["endpoint_url"] = req.text("endpoint_url")
    if req.text("status") in ("enabled", "disabled"):
        ep["status"] = req.text("status")
    if isinstance(req.field("events"), list):
        ep["events"] = [str(e) for e in req.field("events")]
    ep["updated_at"] = iso_now(emu.store.now())
    return json_response(_endpoint_api(ep))


@r.route("DELETE", "/webhook_endpoints/{id}")
def delete_endpoint(emu: Emulator, req: Request) -> Response:
    pop_or_404(emu.webhooks.endpoints(), req.params["id"], "Webhook endpoint")
    return Response(204)
