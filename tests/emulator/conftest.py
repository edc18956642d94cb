"""A WorkOS emulator on a free port for the emulator tests, reset before each test."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from django_authkit.emulator import EmulatorServer
from tests.emulator import sdk_trace

sdk_trace.install()

CLIENT_ID = "client_emulator"
API_KEY = "sk_test_emulator"
REDIRECT = "http://localhost:8000/auth/callback"


class Api:
    """A thin ``requests`` wrapper with the Bearer key, bound to the emulator URL."""

    def __init__(self, base: str, key: str | None = API_KEY) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.trust_env = False
        if key:
            self.http.headers["Authorization"] = f"Bearer {key}"

    def __call__(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 10)
        return self.http.request(method, self.base + path, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self("DELETE", path, **kw)


@pytest.fixture(scope="session")
def emu_server() -> Iterator[EmulatorServer]:
    server = EmulatorServer(host="127.0.0.1", port=0, client_id=CLIENT_ID, api_key=API_KEY)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def emu(emu_server: EmulatorServer) -> EmulatorServer:
    emu_server.control.reset()
    return emu_server


@pytest.fixture
def api(emu: EmulatorServer) -> Api:
    return Api(emu.url)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(emu: EmulatorServer, **params: Any) -> str:
    query = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "provider": "authkit",
        "state": "st-123",
        **params,
    }
    query = {k: v for k, v in query.items() if v is not None}
    return f"{emu.url}/user_management/authorize?{urlencode(query)}"


def query_of(location: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(emu: EmulatorServer, challenge: str | None = None, **choice: Any) -> str:
    params: dict[str, Any] = {}
    if challenge:
        params = {"code_challenge": challenge, "code_challenge_method": "S256"}
    params.update(choice.pop("params", {}))
    location = emu.control.complete_sign_in(authorize_url(emu, **params), **choice)
    return query_of(location)["code"]


def authenticate(api: Api, grant_type: str, **fields: Any) -> requests.Response:
    """``POST /user_management/authenticate`` as a confidential client."""
    body = {"grant_type": grant_type, "client_id": CLIENT_ID, "client_secret": API_KEY, **fields}
    return api.post("/user_management/authenticate", json=body)


def exchange(api: Api, code: str, **extra: Any) -> requests.Response:
    return authenticate(api, "authorization_code", code=code, **extra)


def refresh(api: Api, token: str, **extra: Any) -> requests.Response:
    return authenticate(api, "refresh_token", refresh_token=token, **extra)


def sign_in(emu: EmulatorServer, api: Api, **choice: Any) -> dict[str, Any]:
    """Hosted page + code exchange; the authenticate reply."""
    response = exchange(api, get_code(emu, **choice))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the check of which SDK calls ran after every other emulator test."""
    last = [i for i in items if i.name == "test_every_served_call_ran"]
    items[:] = [i for i in items if i not in last] + last
