"""The control API under ``/_emulator`` (no auth): reset, seed, clock, config, faults, calls."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from django_authkit.emulator import issuers
from django_authkit.emulator.events import create_endpoint
from django_authkit.emulator.ids import iso_now
from django_authkit.emulator.routing import Request, Response, error, json_response
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import NotFound

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

CONFIG_KEYS = {
    "email_verification_required",
    "mfa_required",
    "access_token_ttl",
    "refresh_grace_seconds",
    "redirect_uris",
    "session_ttl",
    "issuer",
    "invitation_url",
}


@r.route("GET", "/health", public=True)
def health(emu: Emulator, req: Request) -> Response:
    return json_response({"status": "ok"})


@r.route("POST", "/_emulator/reset", public=True)
def reset(emu: Emulator, req: Request) -> Response:
    """Seeded start again: state, clock, config, keys, faults, call log and webhook log."""
    emu.store.reset()
    emu.keys.reset()
    emu.faults.clear()
    emu.calls.clear()
    emu.webhooks.clear_log()
    return json_response({"success": True})


@r.route("POST", "/_emulator/seed", public=True)
def seed(emu: Emulator, req: Request) -> Response:
    return json_response(emu.store.apply_seed(req.body), 201)


@r.route("GET", "/_emulator/state", public=True)
def state(emu: Emulator, req: Request) -> Response:
    data = emu.store.dump()
    data["client_id"] = emu.client_id
    data["issuer"] = emu.issuer
    data["kid"] = emu.key.kid
    return json_response(data)


@r.route("POST", "/_emulator/clock", public=True)
def clock(emu: Emulator, req: Request) -> Response:
    store = emu.store
    if req.field("offset") is not None:
        store.offset = float(req.field("offset"))
    if req.field("advance") is not None:
        store.offset += float(req.field("advance"))
    return json_response({"offset": store.offset, "now": iso_now(store.now())})


@r.route("POST", "/_emulator/config", public=True)
def config(emu: Emulator, req: Request) -> Response:
    unknown = set(req.body) - CONFIG_KEYS
    if unknown:
        return error(422, f"Unknown option(s): {', '.join(sorted(unknown))}", "invalid_option")
    cfg = emu.store.config
    if "access_token_ttl" in req.body:
        cfg.access_token_ttl = int(req.body["access_token_ttl"])
    if "refresh_grace_seconds" in req.body:
        cfg.refresh_grace_seconds = float(req.body["refresh_grace_seconds"])
    if "session_ttl" in req.body:
        cfg.session_ttl = int(req.body["session_ttl"])
    if "redirect_uris" in req.body:
        cfg.redirect_uris = [str(u) for u in req.body["redirect_uris"] or []]
    if "mfa_required" in req.body:
        cfg.mfa_required = bool(req.body["mfa_required"])
    if "email_verification_required" in req.body:
        cfg.email_verification_required = bool(req.body["email_verification_required"])
    if "invitation_url" in req.body:
        cfg.invitation_url = str(req.body["invitation_url"] or "") or None
    if "issuer" in req.body:  # a shape (per-client, legacy, sso) or a literal URL
        cfg.issuer = issuers.check(req.body["issuer"])
    return json_response(asdict(cfg))


@r.route("POST", "/_emulator/faults", public=True)
def add_fault(emu: Emulator, req: Request) -> Response:
    fault = emu.faults.add(req.body)
    return json_response(asdict(fault), 201)


@r.route("GET", "/_emulator/faults", public=True)
def list_faults(emu: Emulator, req: Request) -> Response:
    return json_response({"data": emu.faults.list()})


@r.route("DELETE", "/_emulator/faults", public=True)
def clear_faults(emu: Emulator, req: Request) -> Response:
    emu.faults.clear()
    return json_response({"success": True})


@r.route("GET", "/_emulator/holds", public=True)
def list_holds(emu: Emulator, req: Request) -> Response:
    """Requests stopped at a hold point with an id above ``after`` (at ``point``); with
    ``wait`` (seconds) the answer waits for the next one to arrive."""
    after = int(req.arg("after") or 0)
    timeout = float(req.arg("wait") or 0)
    emu.store.lock.release()  # a held request may need the store meanwhile
    try:
        found = emu.faults.holds.wait(req.arg("point"), after, timeout)
    finally:
        emu.store.lock.acquire()
    return json_response({"data": found})


@r.route("POST", "/_emulator/holds/release", public=True)
def release_holds(emu: Emulator, req: Request) -> Response:
    """Let one held request (``id``) or all of them answer."""
    hold_id = req.field("id")
    return json_response({"released": emu.faults.holds.release(
        int(hold_id) if hold_id is not None else None)})


@r.route("GET", "/_emulator/calls", public=True)
def calls(emu: Emulator, req: Request) -> Response:
    return json_response({"data": emu.calls.list(req.arg("path"), req.arg("method"))})


@r.route("DELETE", "/_emulator/calls", public=True)
def clear_calls(emu: Emulator, req: Request) -> Response:
    emu.calls.clear()
    return json_response({"success": True})


@r.route("POST", "/_emulator/webhooks", public=True)
def add_webhook(emu: Emulator, req: Request) -> Response:
    """Subscribe ``url`` to every event (or ``events``), signed with ``secret``."""
    url = req.required("url")
    events = req.field("events") if isinstance(req.field("events"), list) else []
    return json_response(create_endpoint(emu, url, req.text("secret"), events), 201)


@r.route("GET", "/_emulator/webhooks", public=True)
def webhook_deliveries(emu: Emulator, req: Request) -> Response:
    """Deliveries attempted so far (waits briefly for the queue to drain)."""
    emu.store.lock.release()
    try:
        emu.webhooks.wait_idle(float(req.arg("wait") or 2))
    finally:
        emu.store.lock.acquire()
    return json_response({"data": emu.webhooks.log()})


@r.route("POST", "/_emulator/webhooks/redeliver", public=True)
def redeliver(emu: Emulator, req: Request) -> Response:
    """Send recorded events again (one ``event_id`` or all), to test duplicate handling."""
    event_id = req.text("event_id")
    events = [e for e in emu.store.events if event_id in (None, e["id"])]
    if event_id and not events:
        raise NotFound("Event", event_id)
    for event in events:
        emu.webhooks.enqueue(event)
    return json_response({"redelivered": [e["id"] for e in events]})
