"""Events API, webhook endpoints, and signed webhook delivery verified by our verifier."""

from __future__ import annotations

import time
from typing import Any

import pytest

from django_authkit.client import Event, WebhookVerificationError, WorkOSClient
from tests.client.conftest import Scripted


def test_list_events_filters_and_pages(emu: Any, workos: WorkOSClient) -> None:
    for i in range(4):
        workos.user_management.create_user(email=f"ev{i}@acme.test")
    workos.organizations.create_organization(name="Evented")
    page = workos.events.list_events(events=["user.created"], limit=2)
    assert all(isinstance(e, Event) and e.event == "user.created" for e in page)
    events = list(page.auto_paging_iter())
    emails = sorted(e.data["email"] for e in events)
    assert emails == [f"ev{i}@acme.test" for i in range(4)]
    assert all(e.id.startswith("event_") and e.created_at is not None for e in events)
    orgs = workos.events.list_events(events=["organization.created", "user.deleted"])
    assert [e.data["name"] for e in orgs] == ["Evented"]
    call = emu.control.calls(path="/events")[-1]
    assert call["query"]["events"] == "organization.created,user.deleted"


def test_list_events_requires_names(workos: WorkOSClient) -> None:
    with pytest.raises(ValueError):
        workos.events.list_events(events=[])
    with pytest.raises(ValueError):
        workos.events.list_events(events="user.created")


def test_webhook_endpoint_management(emu: Any, workos: WorkOSClient) -> None:
    hooks = workos.webhooks
    ep = hooks.create_webhook_endpoint(
        endpoint_url="https://example.test/hooks", events=["user.created"]
    )
    assert ep.id and ep.secret and ep.endpoint_url == "https://example.test/hooks"
    assert ep.secret not in repr(ep)
    assert [e.id for e in hooks.list_webhook_endpoints()] == [ep.id]
    changed = hooks.update_webhook_endpoint(ep.id, status="disabled", events=["user.deleted"])
    assert changed.status == "disabled" and changed.events == ["user.deleted"]
    hooks.delete_webhook_endpoint(ep.id)
    assert hooks.list_webhook_endpoints().data == []


def test_emulator_deliveries_verify_with_our_verifier(
    emu: Any, workos: WorkOSClient, scripted: Scripted
) -> None:
    secret = "whsec_emulated"
    emu.control.add_webhook(f"{scripted.url}/hooks", secret=secret, events=["user.created"])
    user = workos.user_management.create_user(email="hooked@acme.test")
    deadline = time.monotonic() + 5
    while not scripted.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    (delivery,) = scripted.requests
    header = delivery.headers["workos-signature"]
    event = workos.webhooks.construct_event(delivery.body, header, secret)
    assert event.event == "user.created" and event.data["id"] == user.id
    with pytest.raises(WebhookVerificationError):
        workos.webhooks.verify_header(delivery.body, header, "whsec_other")
    with pytest.raises(WebhookVerificationError):
        workos.webhooks.verify_header(delivery.body + b"\n", header, secret)
