"""Fixtures for the client tests: a tiny scripted HTTP server, and the real emulator."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Captured:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Scripted:
    """Answers requests from a queue of ``(status, headers, body, delay)``; default 200 {}."""

    url: str = ""
    replies: list[tuple[int, dict[str, str], Any, float]] = field(default_factory=list)
    requests: list[Captured] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(
        self, status: int = 200, body: Any = None, delay: float = 0.0, **headers: str
    ) -> None:
        self.replies.append((status, headers, {} if body is None else body, delay))

    def next_reply(self) -> tuple[int, dict[str, str], Any, float]:
        with self.lock:
            return self.replies.pop(0) if self.replies else (200, {}, {}, 0.0)


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    state = Scripted()

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.requests.append(
                Captured(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
            )
            status, headers, payload, delay = state.next_reply()
            if delay:
                time.sleep(delay)
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("X-Request-ID", f"req_{len(state.requests)}")
                for k, v in headers.items():
                    self.send_header(k.replace("_", "-"), v)
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


# -- the real emulator -------------------------------------------------------------------

EMU_CLIENT_ID = "client_emulator"
EMU_API_KEY = "sk_test_emulator"
REDIRECT_URI = "http://localhost:8000/auth/callback/"


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Any]:
    from django_authkit.emulator import EmulatorServer

    server = EmulatorServer(port=0, client_id=EMU_CLIENT_ID, api_key=EMU_API_KEY).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def emu(emulator_server: Any) -> Any:
    """The shared emulator, reset to a clean state for one test."""
    control = emulator_server.control
    control.reset()
    control.clear_faults()
    control.clear_calls()
    control.configure(redirect_uris=[REDIRECT_URI], refresh_grace_seconds=10)
    yield emulator_server
    control.clear_faults()
    control.set_clock(offset=0)


@pytest.fixture
def sleeps() -> list[float]:
    """What the client under test asked to sleep, instead of sleeping."""
    return []


@pytest.fixture
def workos(emu: Any, sleeps: list[float]) -> Any:
    from django_authkit.client import WorkOSClient

    return WorkOSClient(
        api_key=EMU_API_KEY,
        client_id=EMU_CLIENT_ID,
        base_url=emu.url,
        timeout=5.0,
        max_retries=2,
        retry_after_max=2.0,
        sleep=sleeps.append,
    )
