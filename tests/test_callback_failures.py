"""Every way a callback can fail answers a clear page: never a 500, never a token."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from django_authkit.models import AuthKitSession


def _start(client: Client, emu: Any, **choice: Any) -> str:
    """Run the flow up to (not including) the callback; return its path+query."""
    location = client.get("/auth/sign-in/")["Location"]
    callback = emu.control.complete_sign_in(location, email="fail@example.test", **choice)
    parts = urlsplit(callback)
    return f"{parts.path}?{parts.query}"


def _assert_error_page(response: Any, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.content.decode()
    assert f"<code>{code}</code>" in body
    assert response["Referrer-Policy"] == "no-referrer"
    assert "Traceback" not in body


def test_state_mismatch_is_refused(emu: Any, client: Client) -> None:
    path = _start(client, emu)
    query = parse_qs(urlsplit(path).query)
    forged = "/auth/callback/?" + urlencode({"code": query["code"][0], "state": "x" * 43})
    _assert_error_page(client.get(forged), 400, "state_mismatch")
    assert AuthKitSession.objects.count() == 0


def test_missing_state_is_refused(emu: Any, client: Client) -> None:
    path = _start(client, emu)
    code = parse_qs(urlsplit(path).query)["code"][0]
    _assert_error_page(client.get("/auth/callback/", {"code": code}), 400, "state_missing")


def test_replayed_callback_is_refused(emu: Any, client: Client) -> None:
    path = _start(client, emu)
    assert client.get(path).status_code == 302
    replayed = client.get(path)  # the back button: refused, and said in plain words
    assert replayed.status_code == 400 and replayed["Referrer-Policy"] == "no-referrer"
    body = replayed.content.decode()
    assert "You are already signed in" in body and "Sign-in failed" not in body, body
    assert "<code>state_mismatch</code>" not in body, body


def test_state_from_another_browser_is_refused(emu: Any, client: Client) -> None:
    path = _start(client, emu)
    _assert_error_page(Client().get(path), 400, "state_mismatch")  # login CSRF attempt
    assert client.get(path).status_code == 302  # the victim's own flow is unharmed


def test_expired_state_is_refused(emu: Any, client: Client, settings: Any) -> None:
    path = _start(client, emu)
    settings.AUTHKIT = {**settings.AUTHKIT, "STATE_TTL": -1}
    _assert_error_page(client.get(path), 400, "state_mismatch")


def test_provider_error_is_shown_and_consumes_state(emu: Any, client: Client) -> None:
    location = client.get("/auth/sign-in/")["Location"]
    callback = emu.control.complete_sign_in(location, deny=True)
    query = parse_qs(urlsplit(callback).query)
    assert query["error"] == ["access_denied"]
    response = client.get("/auth/callback/", {"error": "access_denied", "state": query["state"][0]})
    _assert_error_page(response, 400, "provider_error")
    assert "cancelled" in response.content.decode()


def test_missing_code_is_refused(emu: Any, client: Client) -> None:
    path = _start(client, emu)
    state = parse_qs(urlsplit(path).query)["state"][0]
    _assert_error_page(client.get("/auth/callback/", {"state": state}), 400, "code_missing")


def test_tampered_code_is_refused_by_workos(emu: Any, client: Client) -> None:
    path = _start(client, emu)
    query = parse_qs(urlsplit(path).query)
    tampered = {"code": query["code"][0][:-2] + "zz", "state": query["state"][0]}
    response = client.get("/auth/callback/", tampered)
    _assert_error_page(response, 400, "invalid_code")
    assert query["code"][0] not in response.content.decode()


@pytest.mark.parametrize("status", [500, 502, 503])
def test_workos_server_error_on_code_exchange(emu: Any, client: Client, status: int) -> None:
    path = _start(client, emu)
    emu.control.fault("/user_management/authenticate", method="POST", status=status)
    _assert_error_page(client.get(path), 503, "workos_unavailable")
    calls = emu.control.calls(path="/user_management/authenticate")
    assert len(calls) == 1  # a single-use grant is never retried


def test_workos_timeout_on_code_exchange(emu: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "REQUEST_TIMEOUT": 0.5}
    path = _start(client, emu)
    emu.control.fault("/user_management/authenticate", method="POST", status=None, delay=2)
    _assert_error_page(client.get(path), 503, "workos_unavailable")


def test_inactive_django_user_cannot_sign_in(
    emu: Any, client: Client, authkit_sign_in: Any
) -> None:
    first = authkit_sign_in(client, email="gone@example.test")
    assert first.status_code == 302
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(email="gone@example.test").update(is_active=False)
    again = authkit_sign_in(Client(), email="gone@example.test")
    _assert_error_page(again, 403, "account_not_allowed")


def test_no_new_users_when_creation_is_off(
    emu: Any, client: Client, settings: Any, authkit_sign_in: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "CREATE_USERS": False}
    _assert_error_page(
        authkit_sign_in(client, email="new@example.test"), 403, "account_not_allowed"
    )


@pytest.mark.parametrize(
    "params",
    [
        {"provider": "evil<OAuth>"},  # not a well-formed <Name>OAuth
        {"organization_id": "org_<script>"},
        {"connection_id": "x"},
        {"login_hint": "a\x00b"},
    ],
)
def test_sign_in_rejects_bad_parameters(emu: Any, client: Client, params: dict[str, str]) -> None:
    _assert_error_page(client.get("/auth/sign-in/", params), 400, "invalid_request")


def _start_on(host: str, emu: Any, settings: Any, redirect_host: str) -> tuple[Client, str]:
    """A sign-in started on ``host`` whose REDIRECT_URI names ``redirect_host``."""
    redirect = f"http://{redirect_host}/auth/callback/"
    settings.AUTHKIT = {**settings.AUTHKIT, "REDIRECT_URI": redirect}
    emu.control.configure(redirect_uris=[redirect])
    browser = Client(HTTP_HOST=host)
    location = browser.get("/auth/sign-in/", {"next": "/reports/?q=1"})["Location"]
    callback = urlsplit(emu.control.complete_sign_in(location, email="hosts@example.test"))
    return browser, f"{callback.path}?{callback.query}"


def test_debug_state_mismatch_names_a_callback_on_another_host(emu: Any, settings: Any) -> None:
    """127.0.0.1 in the address bar, REDIRECT_URI on localhost: the cookie stays behind."""
    settings.DEBUG = True
    _, path = _start_on("127.0.0.1", emu, settings, redirect_host="localhost")
    other_host = Client(HTTP_HOST="localhost")  # the browser sends 127.0.0.1's cookie nowhere
    response = other_host.get(path)
    _assert_error_page(response, 400, "state_mismatch")
    body = response.content.decode().replace("&#x27;", "'")
    assert "started on 127.0.0.1 but the callback arrived on localhost" in body
    assert "Use one host" in body and "AUTHKIT['REDIRECT_URI']" in body
    assert 'href="/auth/sign-in/?next=%2Freports%2F%3Fq%3D1"' in body  # try again keeps next


def test_state_mismatch_without_debug_keeps_next_and_says_no_more(
    emu: Any, settings: Any
) -> None:
    _, path = _start_on("127.0.0.1", emu, settings, redirect_host="localhost")
    response = Client(HTTP_HOST="localhost").get(path)
    _assert_error_page(response, 400, "state_mismatch")
    body = response.content.decode()
    assert "127.0.0.1" not in body and "REDIRECT_URI" not in body
    assert 'href="/auth/sign-in/?next=%2Freports%2F%3Fq%3D1"' in body


def test_debug_state_mismatch_on_the_same_host_blames_no_host(
    emu: Any, settings: Any
) -> None:
    settings.DEBUG = True
    browser, path = _start_on("localhost", emu, settings, redirect_host="localhost")
    assert browser.get(path).status_code == 302
    replayed = browser.get(path)  # signed in already: said so, and no host is blamed
    assert replayed.status_code == 400 and "You are already signed in" in replayed.content.decode()
    assert "Use one host" not in replayed.content.decode()
