"""Signed webhook delivery (§13.1) from a background thread, so API calls never wait."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django_authkit.emulator.ids import iso_now

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator


def signature_header(body: bytes, secret: str, timestamp_ms: int | None = None) -> str:
    """``t=<ms>, v1=<hex>`` over ``"<t>.<body>"``, exactly as WorkOS signs deliveries."""
    ts = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts}, v1={mac}"


class WebhookDispatcher:
    """Queues events for the subscribed endpoints and POSTs them in order."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.queue: queue.Queue[tuple[dict[str, Any], list[dict[str, Any]]] | None] = queue.Queue()
        self.deliveries: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.idle = threading.Event()
        self.idle.set()

    def endpoints(self) -> dict[str, Any]:
        return self.emu.store.extra.setdefault("webhook_endpoints", {})

    def enqueue(self, event: dict[str, Any]) -> None:
        """Called under the store lock by ``Store.emit``: snapshot the targets now."""
        targets = [
            {"id": ep["id"], "url": ep["endpoint_url"], "secret": ep["secret"]}
            for ep in self.endpoints().values()
            if ep["status"] == "enabled" and (not ep["events"] or event["event"] in ep["events"])
        ]
        if targets:
            self.idle.clear()
            self.queue.put((event, targets))

    def start(self) -> None:
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._run, name="workos-webhooks", daemon=True)
            self.thread.start()

    def stop(self) -> None:
        if self.thread is not None and self.thread.is_alive():
            self.queue.put(None)
            self.thread.join(timeout=5)
        self.thread = None

    def wait_idle(self, timeout: float = 5.0) -> bool:
        return self.idle.wait(timeout)

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            event, targets = item
            body = json.dumps({k: event[k] for k in ("id", "event", "data", "created_at")}).encode()
            for target in targets:
                self._deliver(event, target, body)
            if self.queue.empty():
                self.idle.set()

    def _deliver(self, event: dict[str, Any], target: dict[str, Any], body: bytes) -> None:
        """POST one event; http.client keeps the header spelled ``WorkOS-Signature``."""
        parts = urlsplit(target["url"])
        conn_cls = HTTPSConnection if parts.scheme == "https" else HTTPConnection
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        status: int | None
        try:
            conn = conn_cls(parts.hostname or "localhost", parts.port, timeout=5)
            try:
                conn.request(
                    "POST",
                    path,
                    body=body,
                    headers={
                        "Content-Type": "application/json",
                        "User-Agent": "WorkOS-Emulator-Webhooks/1",
                        "WorkOS-Signature": signature_header(body, target["secret"]),
                    },
                )
                response = conn.getresponse()
                response.read()
                status = int(response.status)
            finally:
                conn.close()
        except (OSError, HTTPException):
            status = None
        with self.lock:
            self.deliveries.append(
                {
                    "event_id": event["id"],
                    "event": event["event"],
                    "endpoint_id": target["id"],
                    "url": target["url"],
                    "status": status,
                    "time": iso_now(time.time()),
                }
            )
            del self.deliveries[:-1000]

    def log(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.deliveries)

    def clear_log(self) -> None:
        with self.lock:
            self.deliveries.clear()
