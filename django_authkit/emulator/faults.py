"""Injected faults and the log of calls received, for tests of failure handling."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from django_authkit.emulator.ids import iso_now

# Never written to the call log: these are secrets, one-time codes or tokens.
SECRET_KEYS = frozenset(
    {
        "code",
        "code_verifier",
        "client_secret",
        "refresh_token",
        "password",
        "new_password",
        "token",
        "pending_authentication_token",
        "invitation_token",
        "device_code",
        "api_key",
    }
)


@dataclass
class Fault:
    """``count`` None means until cleared; ``status`` None means the real answer is sent.

    With ``status`` None the request is processed normally, after ``delay``;
    then ``patch`` overwrites fields of a successful JSON answer (a crafted
    ``access_token``, say) and ``drop`` closes the connection instead of
    answering: the request took effect but the caller never learns it.
    """

    path: str
    method: str = "*"
    status: int | None = 500
    body: Any = None
    retry_after: float | int | str | None = None
    delay: float | None = None
    count: int | None = 1
    match: dict[str, Any] | None = None
    drop: bool = False
    patch: dict[str, Any] | None = None
    id: int = 0
    hits: int = 0

    def matches(self, method: str, path: str, body: dict[str, Any]) -> bool:
        if self.method not in ("*", method):
            return False
        if self.path.endswith("*"):
            if not path.startswith(self.path[:-1]):
                return False
        elif path.rstrip("/") != self.path.rstrip("/"):
            return False
        return all(str(body.get(k)) == str(v) for k, v in (self.match or {}).items())


@dataclass
class Faults:
    lock: threading.Lock = field(default_factory=threading.Lock)
    items: list[Fault] = field(default_factory=list)
    next_id: int = 1

    def add(self, data: dict[str, Any]) -> Fault:
        if not data.get("path"):
            raise ValueError("a fault needs a path")
        fault = Fault(
            path=str(data["path"]),
            method=str(data.get("method") or "*").upper(),
            status=data.get("status", 500),
            body=data.get("body"),
            retry_after=data.get("retry_after"),
            delay=data.get("delay"),
            count=data.get("count", 1),
            match=data.get("match"),
            drop=bool(data.get("drop")),
            patch=data.get("patch") if isinstance(data.get("patch"), dict) else None,
        )
        with self.lock:
            fault.id = self.next_id
            self.next_id += 1
            self.items.append(fault)
        return fault

    def clear(self) -> None:
        with self.lock:
            self.items.clear()

    def take(self, method: str, path: str, body: dict[str, Any]) -> Fault | None:
        """The first matching fault, counting one use of it."""
        with self.lock:
            for fault in self.items:
                if fault.matches(method, path, body):
                    fault.hits += 1
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self.items.remove(fault)
                    return fault
        return None

    def list(self) -> list[dict[str, Any]]:
        with self.lock:
            return [{k: v for k, v in asdict(f).items()} for f in self.items]


@dataclass
class CallLog:
    lock: threading.Lock = field(default_factory=threading.Lock)
    items: list[dict[str, Any]] = field(default_factory=list)

    def record(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: dict[str, Any],
        status: int,
        fault: bool,
        now: float,
        dropped: bool = False,
    ) -> None:
        safe_query = {k: v[-1] for k, v in query.items() if k not in SECRET_KEYS}
        grant = body.get("grant_type")
        entry = {
            "method": method,
            "path": path,
            "query": safe_query,
            "grant_type": grant if isinstance(grant, str) else None,
            "status": status,
            "fault": fault,
            "dropped": dropped,
            "time": iso_now(now),
        }
        with self.lock:
            self.items.append(entry)
            del self.items[:-10000]

    def list(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            items = list(self.items)
        if path:
            if path.endswith("*"):
                items = [c for c in items if c["path"].startswith(path[:-1])]
            else:
                items = [c for c in items if c["path"].rstrip("/") == path.rstrip("/")]
        if method:
            items = [c for c in items if c["method"] == method.upper()]
        return items

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
