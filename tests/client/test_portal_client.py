"""``client.portal``: the SDK's wire format, and real links from the emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from django_authkit.client import NotFoundError, ServerError, WorkOSClient
from tests.client.conftest import Scripted


def test_generate_link_wire_format(scripted: Any) -> None:
    client = WorkOSClient(api_key="sk_test", client_id="client_1", base_url=scripted.url)
    scripted.reply(201, {"link": "https://setup.workos.com/portal/launch?secret=s3cr3t"})
    answer = client.portal.generate_link(
        organization="org_1", intent="dsync", return_url="https://app.test/back"
    )
    assert answer.link == "https://setup.workos.com/portal/launch?secret=s3cr3t"
    assert "s3cr3t" not in repr(answer)
    (sent,) = scripted.requests
    assert (sent.method, sent.path) == ("POST", "/portal/generate_link")
    assert json.loads(sent.body) == {
        "organization": "org_1",
        "intent": "dsync",
        "return_url": "https://app.test/back",
    }
    assert client.admin_portal is client.portal  # SDK 10's attribute name


def test_revoke_link_wire_format(scripted: Scripted) -> None:
    client = WorkOSClient(api_key="sk_test", client_id="client_1", base_url=scripted.url)
    scripted.reply(204, b"")
    assert client.portal.revoke_link(organization="org_1", external_user_id="u_42") is None
    (sent,) = scripted.requests
    assert (sent.method, sent.path) == ("POST", "/portal/revoke_link")
    assert json.loads(sent.body) == {"organization": "org_1", "external_user_id": "u_42"}


def test_bad_arguments_are_refused_before_sending(scripted: Scripted) -> None:
    client = WorkOSClient(api_key="sk_test", client_id="client_1", base_url=scripted.url)
    with pytest.raises(ValueError):
        client.portal.generate_link(organization="")
    with pytest.raises(ValueError):
        client.portal.generate_link(organization="org_1", it_contact_emails=["a@b.test"] * 21)
    assert scripted.requests == []


def test_against_the_emulator(emu: Any, workos: Any) -> None:
    org = workos.organizations.create_organization(name="Globex")
    link = workos.portal.generate_link(
        organization=org.id, intent="domain_verification", success_url="https://app.test/done"
    ).link
    assert [c["status"] for c in emu.control.calls(path="/portal/generate_link")] == [201]
    page = requests.get(link, timeout=10)
    assert page.status_code == 200
    assert "Globex" in page.text and "<strong>domain_verification</strong>" in page.text
    assert "https://app.test/done" in page.text
    default = workos.portal.generate_link(organization=org.id).link
    assert "<strong>sso</strong>" in requests.get(default, timeout=10).text
    with pytest.raises(NotFoundError):
        workos.portal.generate_link(organization="org_missing", intent="sso")
    emu.control.fault("/portal/generate_link", status=500, count=None)
    with pytest.raises(ServerError):
        workos.portal.generate_link(organization=org.id, intent="sso")
