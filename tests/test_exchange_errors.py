"""Errors at the code exchange tell the truth: WorkOS busy, or the site misconfigured."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from django_authkit.models import AuthKitSession
from tests.test_doctor import _run

EXCHANGE = "/user_management/authenticate"


def _callback(client: Client, emu: Any) -> str:
    location = client.get("/auth/sign-in/")["Location"]
    callback = emu.control.complete_sign_in(location, email="exchange@example.test")
    parts = urlsplit(callback)
    return f"{parts.path}?{parts.query}"


def _page(response: Any, status: int, code: str) -> str:
    body = response.content.decode()
    assert response.status_code == status, body[:500]
    assert f"<code>{code}</code>" in body
    assert "invalid or has expired" not in body
    return body


@pytest.mark.parametrize(("status", "retry_after", "expected"),
                         [(429, 7, "7"), (500, None, "5"), (503, None, "5")])
def test_workos_busy_or_failing_is_503_try_again(
    emu: Any, client: Client, status: int, retry_after: int | None, expected: str
) -> None:
    path = _callback(client, emu)
    emu.control.fault(EXCHANGE, method="POST", status=status, retry_after=retry_after)
    response = client.get(path)
    body = _page(response, 503, "workos_unavailable")
    assert response["Retry-After"] == expected and "try again" in body.lower()
    assert len(emu.control.grants("authorization_code")) == 1  # never retried


def test_timeout_and_lost_answer_are_503(emu: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "REQUEST_TIMEOUT": 0.5}
    path = _callback(client, emu)
    emu.control.fault(EXCHANGE, method="POST", status=None, delay=2)
    assert client.get(path)["Retry-After"]
    other = Client()
    path = _callback(other, emu)
    emu.control.drop_response(EXCHANGE, match={"grant_type": "authorization_code"})
    _page(other.get(path), 503, "workos_unavailable")


@pytest.mark.parametrize("setting", ["API_KEY", "CLIENT_ID"])
def test_refused_site_credentials_are_a_configuration_error(
    emu: Any, client: Client, settings: Any, caplog: pytest.LogCaptureFixture, setting: str
) -> None:
    path = _callback(client, emu)
    wrong = "sk_test_wrong" if setting == "API_KEY" else "client_wrong"
    settings.AUTHKIT = {**settings.AUTHKIT, setting: wrong}
    with caplog.at_level(logging.ERROR, logger="django_authkit"):
        body = _page(client.get(path), 503, "configuration")
    assert "not something you did" in body
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and "AUTHKIT['API_KEY']" in errors[0].getMessage()
    assert "authkit_doctor" in errors[0].getMessage()
    assert wrong not in errors[0].getMessage() or setting == "CLIENT_ID"


def test_doctor_names_the_same_problem(emu: Any, settings: Any) -> None:
    output, ok = _run()
    assert ok and "Code exchange accepts" in output, output
    settings.AUTHKIT = {**settings.AUTHKIT, "CLIENT_ID": "client_wrong"}
    output, ok = _run()
    assert not ok and "'configuration' error page" in output


@pytest.mark.parametrize(("setting", "wrong"),
                         [("API_KEY", "sk_test_wrong"), ("CLIENT_ID", "client_wrong")])
def test_refused_credentials_at_refresh_keep_the_session(
    emu: Any, signed_in: Client, settings: Any, caplog: pytest.LogCaptureFixture,
    setting: str, wrong: str,
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, setting: wrong, "REFRESH_AHEAD": 10**6}
    with caplog.at_level(logging.ERROR, logger="django_authkit"):
        response = signed_in.get("/private/")
    assert response.status_code == 200
    assert AuthKitSession.objects.get().ended_at is None
    assert any("keeping the session" in r.getMessage() for r in caplog.records)
