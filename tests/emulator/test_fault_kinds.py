"""Typed fault bodies, refused repeated authorize parameters, logout without a session."""

from __future__ import annotations

import pytest
import requests

from tests.emulator.conftest import CLIENT_ID, REDIRECT, Api, authorize_url, query_of


def test_html_fault_is_served_as_html(emu, api: Api) -> None:
    emu.control.fault("/user_management/users", status=502, kind="html")
    r = api.get("/user_management/users")
    assert r.status_code == 502
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<html>" in r.text and "502 Bad Gateway" in r.text
    with pytest.raises(ValueError):
        r.json()


def test_truncated_json_fault_does_not_parse(emu, api: Api) -> None:
    emu.control.fault("/organizations", status=200, kind="truncated_json")
    r = api.get("/organizations")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        r.json()
    assert api.get("/organizations").json()["object"] == "list"  # one use only


def test_text_fault_and_unknown_kind(emu, api: Api) -> None:
    emu.control.fault("/organizations", status=503, kind="text", body="upstream connect error")
    r = api.get("/organizations")
    assert r.headers["Content-Type"].startswith("text/plain") and r.text == "upstream connect error"
    r = requests.post(f"{emu.url}/_emulator/faults", json={"path": "/x", "kind": "xml"}, timeout=5)
    assert r.status_code == 422


def test_the_official_sdk_reports_an_html_502_as_a_server_error(emu) -> None:
    workos = pytest.importorskip("workos")
    from workos._errors import ServerError

    client = workos.WorkOSClient(
        api_key="sk_test_emulator", client_id=CLIENT_ID, base_url=emu.url, max_retries=0
    )
    emu.control.fault("/organizations", status=502, kind="html")
    with pytest.raises(ServerError) as info:
        client.organizations.list_organizations()
    assert "502" in str(info.value)


def test_repeated_authorize_parameters_are_refused(emu) -> None:
    bare = Api(emu.url, key=None)
    url = authorize_url(emu) + "&state=second"
    r = bare.get(url.removeprefix(emu.url))
    assert r.status_code == 302
    q = query_of(r.headers["Location"])
    assert q["error"] == "invalid_request" and "state" in q["error_description"]
    assert "state" not in q  # which of the two would be echoed is unknowable
    url = authorize_url(emu) + "&redirect_uri=http%3A%2F%2Flocalhost%3A9999%2Fevil"
    r = bare.get(url.removeprefix(emu.url))
    assert r.status_code == 400 and "Location" not in r.headers
    url = authorize_url(emu) + "&provider=GoogleOAuth"
    r = bare.get(url.removeprefix(emu.url))
    assert query_of(r.headers["Location"])["error"] == "invalid_request"
    # Array parameters may repeat, as the Node SDK sends them.
    url = authorize_url(emu) + "&provider_scopes=a&provider_scopes=b"
    assert bare.get(url.removeprefix(emu.url)).status_code == 200
    assert REDIRECT.startswith("http://localhost")
    # The standalone SSO authorize endpoint refuses them the same way.
    sso = (
        f"/sso/authorize?client_id={CLIENT_ID}&response_type=code&provider=GoogleOAuth"
        "&redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fcb&state=a&state=b"
    )
    r = bare.get(sso)
    assert r.status_code == 302 and query_of(r.headers["Location"])["error"] == "invalid_request"


def test_logout_without_session_id_has_a_code(emu) -> None:
    r = Api(emu.url, key=None).get("/user_management/sessions/logout")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_request_parameters" and body["message"]
    assert body["errors"][0]["field"] == "session_id"


def test_a_handler_bug_answers_500_json_instead_of_dropping_the_connection(emu, api) -> None:
    from django_authkit.emulator.routing import router

    def broken(emu_, req):
        raise RuntimeError("boom")

    router.add("GET", "/_test/broken", broken)
    try:
        r = api.get("/_test/broken")
    finally:
        router.routes.pop()
    assert r.status_code == 500 and r.json()["code"] == "server_error"
    assert "boom" not in r.text  # no internals in the answer
