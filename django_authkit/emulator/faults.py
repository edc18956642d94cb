"""Injected faults and the log of calls received, for tests of failure handling."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
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
    ``token`` re-mints the answer's ``access_token`` as a misconfigured WorkOS
    would (see :func:`reissue`): another issuer, another key, another user, opaque.
    ``hold`` stops the request at a named point (:data:`HOLD_POINTS`) so a test can
    kill the caller there: see :class:`Hold`.
    """

    path: str
    method: str = "*"
    status: int | None = 500
    body: Any = None
    body_kind: str = "json"  # how the body is served: see BODY_KINDS
    retry_after: float | int | str | None = None
    delay: float | None = None
    count: int | None = 1
    match: dict[str, Any] | None = None
    drop: bool = False
    patch: dict[str, Any] | None = None
    token: dict[str, Any] | None = None
    hold: str | None = None
    hold_timeout: float = 60.0
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


def json_body(fault: Fault) -> tuple[bytes, str]:
    """The default: a WorkOS-shaped JSON error (or the ``body`` given)."""
    body = fault.body
    if body is None:
        body = (
            {"message": "Too many requests.", "code": "rate_limit_exceeded"}
            if fault.status == 429
            else {"message": "Injected fault.", "code": "emulator_fault"}
        )
    payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return payload, "application/json"


def html_body(fault: Fault) -> tuple[bytes, str]:
    """What a proxy or load balancer in front of WorkOS answers: an HTML error page."""
    if isinstance(fault.body, str):
        return fault.body.encode(), "text/html; charset=utf-8"
    status = f"{fault.status} {HTTPStatus(fault.status or 502).phrase}"
    page = (
        f"<html><head><title>{status}</title></head><body>"
        f"<center><h1>{status}</h1></center><hr><center>nginx</center></body></html>"
    )
    return page.encode(), "text/html; charset=utf-8"


def truncated_json_body(fault: Fault) -> tuple[bytes, str]:
    """A JSON answer cut off mid-way (a dropped upstream connection), still typed JSON."""
    whole, _ = json_body(fault) if fault.body is not None else (_SAMPLE, "")
    return whole[: max(1, len(whole) // 2)], "application/json"


def text_body(fault: Fault) -> tuple[bytes, str]:
    """A plain-text body (``"upstream connect error"``, say)."""
    text = fault.body if isinstance(fault.body, str) else "upstream connect error"
    return text.encode(), "text/plain; charset=utf-8"


_SAMPLE = json.dumps({"object": "user", "id": "user_01", "email": "a@example.com"}).encode()

BODY_KINDS: dict[str, Callable[[Fault], tuple[bytes, str]]] = {
    "json": json_body,
    "html": html_body,
    "truncated_json": truncated_json_body,
    "text": text_body,
}


def body_kind(value: Any) -> str:
    kind = str(value or "json")
    if kind not in BODY_KINDS:
        raise ValueError(f"unknown fault kind {kind!r} (one of {', '.join(BODY_KINDS)})")
    return kind


def render(fault: Fault) -> tuple[bytes, str]:
    """The injected answer's bytes and content type."""
    return BODY_KINDS[fault.body_kind](fault)


#: How ``token`` may change the access token: ``claims`` (merged, e.g. a foreign
#: ``iss`` or another ``sub``), ``key`` (``"foreign"``: signed by a key the JWKS does
#: not publish, under the same ``kid``), ``opaque`` (not a JWT at all).
TOKEN_OPTIONS = frozenset({"claims", "key", "opaque"})


def token_spec(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= TOKEN_OPTIONS:
        raise ValueError(f"token takes {', '.join(sorted(TOKEN_OPTIONS))}")
    if value.get("key") not in (None, "foreign"):
        raise ValueError("token key must be 'foreign'")
    if "claims" in value and not isinstance(value["claims"], dict):
        raise ValueError("token claims must be an object")
    return dict(value)


_FOREIGN_KEY: list[Any] = []


def reissue(access_token: str, spec: dict[str, Any], private_key: Any) -> str:
    """``access_token`` as ``spec`` says: re-signed with changed claims or another key."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    if spec.get("opaque"):
        return "wos_opaque_" + secrets.token_urlsafe(24)
    header = jwt.get_unverified_header(access_token)
    claims = jwt.decode(access_token, options={"verify_signature": False})
    claims.update(spec.get("claims") or {})
    if spec.get("key") == "foreign":
        if not _FOREIGN_KEY:
            _FOREIGN_KEY.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        private_key = _FOREIGN_KEY[0]
    return jwt.encode(claims, private_key, algorithm="RS256",
                      headers={"kid": header.get("kid"), "typ": "JWT"})


#: Where a request can be held. ``before_answer``: the request took effect (a refresh
#: token rotated) but the answer waits until released (or ``hold_timeout``);
#: ``after_answer``: the answer went out and the caller is storing it (reported at once,
#: nothing waits).
HOLD_POINTS = frozenset({"before_answer", "after_answer"})


def hold_point(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if value not in HOLD_POINTS:
        raise ValueError(f"unknown hold point {value!r} (one of {', '.join(sorted(HOLD_POINTS))})")
    return str(value)


@dataclass
class Hold:
    """A request stopped at ``point``; ``peer`` is the caller's ``host:port`` (a test finds
    the process that owns that socket and kills it). ``state``: ``held`` (waiting),
    ``answered`` (sent, or given up on) or ``released``."""

    id: int
    fault_id: int
    point: str
    method: str
    path: str
    peer: str | None
    state: str = "held"
    reached: float = 0.0
    event: threading.Event = field(default_factory=threading.Event, repr=False)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "fault_id": self.fault_id, "point": self.point,
                "method": self.method, "path": self.path, "peer": self.peer,
                "state": self.state}


@dataclass
class Holds:
    """The requests stopped at a hold point, and a way to wait for the next one."""

    lock: threading.Condition = field(default_factory=threading.Condition)
    items: list[Hold] = field(default_factory=list)
    next_id: int = 1

    def reach(self, fault: Fault, method: str, path: str, peer: str | None) -> Hold:
        assert fault.hold is not None
        with self.lock:
            hold = Hold(self.next_id, fault.id, fault.hold, method, path, peer,
                        reached=time.monotonic())
            self.next_id += 1
            self.items.append(hold)
            del self.items[:-100]
            if fault.hold == "after_answer":
                hold.state = "answered"
            self.lock.notify_all()
        return hold

    def block(self, hold: Hold, timeout: float) -> None:
        """Keep ``hold``'s answer back until it is released or ``timeout`` passes."""
        hold.event.wait(timeout)
        with self.lock:
            if hold.state == "held":
                hold.state = "answered"

    def release(self, hold_id: int | None = None) -> list[int]:
        with self.lock:
            released = [h for h in self.items if hold_id in (None, h.id) and h.state == "held"]
            for hold in released:
                hold.state = "released"
                hold.event.set()
            return [h.id for h in released]

    def wait(self, point: str | None, after: int, timeout: float) -> list[dict[str, Any]]:
        """The holds with an id above ``after`` (at ``point``), waiting up to ``timeout``."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                found = [h.public() for h in self.items
                         if h.id > after and point in (None, h.point)]
                left = deadline - time.monotonic()
                if found or left <= 0:
                    return found
                self.lock.wait(left)

    def clear(self) -> None:
        self.release()
        with self.lock:
            self.items.clear()


@dataclass
class Faults:
    lock: threading.Lock = field(default_factory=threading.Lock)
    items: list[Fault] = field(default_factory=list)
    next_id: int = 1
    holds: Holds = field(default_factory=Holds)

    def add(self, data: dict[str, Any]) -> Fault:
        if not data.get("path"):
            raise ValueError("a fault needs a path")
        fault = Fault(
            path=str(data["path"]),
            method=str(data.get("method") or "*").upper(),
            status=data.get("status", 500),
            body=data.get("body"),
            body_kind=body_kind(data.get("kind")),
            retry_after=data.get("retry_after"),
            delay=data.get("delay"),
            count=data.get("count", 1),
            match=data.get("match"),
            drop=bool(data.get("drop")),
            patch=data.get("patch") if isinstance(data.get("patch"), dict) else None,
            token=token_spec(data.get("token")),
            hold=hold_point(data.get("hold")),
            hold_timeout=float(data.get("hold_timeout") or 60.0),
        )
        with self.lock:
            fault.id = self.next_id
            self.next_id += 1
            self.items.append(fault)
        return fault

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
        self.holds.clear()  # nothing stays stuck once the faults are gone

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
        # Where the end user is, as the caller reported it (authenticate grants, magic auth):
        # tests check that WorkOS is told the client's address, not a proxy's.
        for name in ("ip_address", "user_agent"):
            value = body.get(name)
            entry[name] = value if isinstance(value, str) else None
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
