"""Phase 2: the Events API and signed webhook delivery."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from django_authkit.emulator.webhooks import signature_header
from tests.emulator.conftest import API_KEY, CLIENT_ID, Api, sign_in

workos = pytest.importorskip("workos")


def _names(api: Api, **params) -> list[str]:
    return [e["event"] for e in api.get("/events", params=params).json()["data"]]


def test_mutations_record_events(emu, api: Api) -> None:
    data = sign_in(emu, api, email="a@b.co", organization_name="Acme")
    api.post(
        "/user_management/sessions/revoke",
        json={"session_id": emu.control.state()["sessions"][0]["id"]},
    )
    org_id = data["organization_id"]
    api.put(f"/organizations/{org_id}", json={"name": "Acme 2"})
    api.put(f"/user_management/users/{data['user']['id']}", json={"first_name": "A"})
    api.delete(f"/user_management/users/{data['user']['id']}")
    api.delete(f"/organizations/{org_id}")
    names = _names(api, limit=100)
    assert names == [
        "user.created",
        "organization.created",
        "organization_membership.created",
        "session.created",
        "session.revoked",
        "organization.updated",
        "user.updated",
        "organization_membership.deleted",
        "user.deleted",
        "organization.deleted",
    ]
    event = api.get("/events", params={"limit": 1}).json()["data"][0]
    assert event["object"] == "event" and event["id"].startswith("event_")
    assert set(event) >= {"id", "event", "data", "created_at"}


def test_events_filters_and_cursor(emu, api: Api) -> None:
    for i in range(5):
        api.post("/user_management/users", json={"email": f"u{i}@x.co"})
    api.post("/organizations", json={"name": "Acme"})
    assert _names(api, events="organization.created") == ["organization.created"]
    assert len(_names(api, events="user.created,organization.created")) == 6
    assert (
        len(api.get("/events?events[]=user.created&events[]=organization.created").json()["data"])
        == 6
    )
    page = api.get("/events", params={"events": "user.created", "limit": 2}).json()
    emails = [e["data"]["email"] for e in page["data"]]
    assert emails == ["u0@x.co", "u1@x.co"]
    after = page["list_metadata"]["after"]
    rest = api.get("/events", params={"events": "user.created", "after": after, "limit": 10}).json()
    assert [e["data"]["email"] for e in rest["data"]] == ["u2@x.co", "u3@x.co", "u4@x.co"]
    assert rest["list_metadata"]["after"] is None


def test_sdk_parses_events(emu, api: Api) -> None:
    client = workos.WorkOSClient(
        api_key=API_KEY, client_id=CLIENT_ID, base_url=emu.url, max_retries=0
    )
    sign_in(emu, api, email="a@b.co", organization_name="Acme")
    names = [
        "user.created",
        "organization.created",
        "organization_membership.created",
        "session.created",
    ]
    page = client.events.list_events(events=names)
    parsed = [type(e).__name__ for e in page.data]
    assert len(parsed) == 4 and "EventSchemaUnknown" not in parsed, parsed


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(({k: v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver():
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", _Receiver.received
    server.shutdown()
    server.server_close()


def test_webhook_delivery_is_signed(emu, api: Api, receiver) -> None:
    url, received = receiver
    emu.control.add_webhook(url, secret="whsec_test")
    api.post("/user_management/users", json={"email": "hook@x.co"})
    deliveries = emu.control.webhook_deliveries()
    assert [d["status"] for d in deliveries] == [204]
    headers, body = received[0]
    event = json.loads(body)
    assert event["event"] == "user.created" and event["data"]["email"] == "hook@x.co"
    assert set(event) == {"id", "event", "data", "created_at"}
    sig = headers["WorkOS-Signature"]
    assert sig.startswith("t=") and ", v1=" in sig
    client = workos.WorkOSClient(api_key=API_KEY, client_id=CLIENT_ID, base_url=emu.url)
    verified = client.webhooks.verify_event(
        event_body=body, event_signature=sig, secret="whsec_test"
    )
    assert verified.id == event["id"]
    with pytest.raises(ValueError):
        client.webhooks.verify_event(event_body=body, event_signature=sig, secret="whsec_other")


def test_redeliver_sends_duplicates(emu, api: Api, receiver) -> None:
    url, received = receiver
    emu.control.add_webhook(url, secret="s")
    api.post("/organizations", json={"name": "Dup"})
    emu.control.webhook_deliveries()
    event_id = json.loads(received[0][1])["id"]
    assert emu.control.redeliver_webhooks(event_id) == [event_id]
    deliveries = emu.control.webhook_deliveries()
    assert [d["event_id"] for d in deliveries] == [event_id, event_id]
    assert json.loads(received[1][1])["id"] == event_id


def test_webhook_endpoint_api(emu, api: Api, receiver) -> None:
    url, _received = receiver
    r = api.post(
        "/webhook_endpoints", json={"endpoint_url": url, "events": ["organization.created"]}
    )
    assert r.status_code == 201
    ep = r.json()
    assert ep["secret"] and ep["status"] == "enabled" and ep["object"] == "webhook_endpoint"
    api.post("/user_management/users", json={"email": "x@x.co"})
    api.post("/organizations", json={"name": "Hooked"})
    assert [d["event"] for d in emu.control.webhook_deliveries()] == ["organization.created"]
    assert api.get("/webhook_endpoints").json()["data"][0]["id"] == ep["id"]
    patched = api("PATCH", f"/webhook_endpoints/{ep['id']}", json={"status": "disabled"}).json()
    assert patched["status"] == "disabled"
    api.post("/organizations", json={"name": "Quiet"})
    assert len(emu.control.webhook_deliveries()) == 1
    assert api.delete(f"/webhook_endpoints/{ep['id']}").status_code == 204
    assert api.get(f"/webhook_endpoints/{ep['id']}").status_code == 404


def test_signature_header_format() -> None:
    header = signature_header(b'{"a":1}', "s", timestamp_ms=1700000000000)
    import hashlib
    import hmac

    expected = hmac.new(b"s", b'1700000000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000000, v1={expected}"
