"""The HTTP server: parses requests, applies faults and auth, dispatches, logs calls."""

from __future__ import annotations

import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django_authkit.emulator import issuers, persist
from django_authkit.emulator.control import EmulatorControl
from django_authkit.emulator.faults import CallLog, Fault, Faults, reissue
from django_authkit.emulator.faults import render as render_fault
from django_authkit.emulator.keys import KeyRing, SigningKey
from django_authkit.emulator.routes import router, seed_sections
from django_authkit.emulator.routing import Refused, Request, Response, error
from django_authkit.emulator.state import Config, Conflict, NotFound, Store, load_seed
from django_authkit.emulator.webhooks import WebhookDispatcher


def parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    """A JSON object or a form body as a dict; anything else is an empty dict."""
    if not raw:
        return {}
    if "application/x-www-form-urlencoded" in content_type:
        form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: (v[-1] if len(v) == 1 else v) for k, v in form.items()}
    try:
        data = json.loads(raw)
    except ValueError:
        raise ValueError("The request body is not valid JSON.") from None
    return data if isinstance(data, dict) else {}


def control_refusal(method: str, headers: dict[str, str]) -> Response | None:
    """Why a control-API request is refused: driven from a web page, not by a test.

    A page on another origin can send a "simple" cross-site request (a ``text/plain``
    or form POST) without a CORS preflight. So a request carrying an ``Origin`` other
    than the emulator's own (the ``Host`` it was sent to) is refused, and a ``POST``,
    ``PUT`` or ``PATCH`` must be ``Content-Type: application/json``, which no page
    can send cross-site without a preflight this server never answers.
    """
    origin = headers.get("origin")
    if origin is not None:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or parts.netloc != headers.get("host", ""):
            return error(403, "Cross-origin requests to the control API are refused.",
                         "cross_origin_refused")
    if method in ("POST", "PUT", "PATCH"):
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            return error(415, "The control API takes Content-Type: application/json.",
                         "unsupported_media_type")
    return None


class Emulator:
    """The transport-independent core: state, keys, faults, call log and dispatch."""

    def __init__(
        self,
        client_id: str,
        api_key: str,
        config: Config,
        seed: Any,
        state_file: str | Path | None = None,
    ) -> None:
        self.client_id = client_id
        self.api_key = api_key
        self.base_url = ""
        self.state_file = Path(state_file) if state_file else None
        saved = persist.load(self.state_file) if self.state_file else None
        persist.adopt_key(saved)  # before the key is read: a restart keeps its kid
        self.store = Store(config, None)
        self.store.seed_hooks.append(self._seed_extras)
        self.keys = KeyRing()
        persist.adopt_key_ring(self.keys, saved)  # a rotated key set, as it was
        self.faults = Faults()
        self.calls = CallLog()
        self.webhooks = WebhookDispatcher(self)
        self.store.on_event = self.webhooks.enqueue
        self.store.seed_data = load_seed(seed)
        if saved is not None:
            persist.restore(self.store, saved)  # the seed already went into the saved state
        elif self.store.seed_data:
            self.store.apply_seed(self.store.seed_data)
        self.save_state()

    def save_state(self) -> None:
        """Write the store to ``state_file`` (if any); called under the store lock."""
        if self.state_file is not None:
            with self.store.lock:
                persist.save(self.state_file, self.store, self.keys)

    def _seed_extras(self, seed: dict[str, Any], out: dict[str, Any]) -> None:
        """Seed sections owned by route modules (connections, directories, ...)."""
        for name, build in seed_sections.items():
            out[name] = [build(self, item) for item in seed.get(name, [])]

    @property
    def key(self) -> SigningKey:
        """The key that signs new tokens (see :class:`~.keys.KeyRing` for rotations)."""
        return self.keys.current

    @property
    def issuer(self) -> str:
        """The ``iss`` minted now: ``config.issuer`` is a shape name or a literal URL."""
        return issuers.resolve(self.store.config.issuer, self.base_url, self.client_id)

    def authorized(self, headers: dict[str, str]) -> bool:
        value = headers.get("authorization", "")
        scheme, _, credential = value.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            credential.strip().encode(), self.api_key.encode()
        )

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw: bytes, ip: str | None,
        peer: str | None = None,
    ) -> Response:
        parts = urlsplit(target)
        path = parts.path or "/"
        query = parse_qs(parts.query, keep_blank_values=True)
        internal = path.startswith("/_emulator/") or path == "/health"
        refused = control_refusal(method, headers) if internal else None
        if refused is not None:
            return refused
        try:
            body = parse_body(headers.get("content-type", ""), raw)
        except ValueError as exc:
            body = {}
            response: Response | None = error(400, str(exc), "invalid_json")
        else:
            response = None
        req = Request(method, path, query, body, headers, client_ip=ip)
        fault = None if internal else self.faults.take(method, path, body)
        if fault is not None and fault.delay:
            time.sleep(float(fault.delay))
        if response is None:
            response = (
                self.fault_response(fault)
                if fault is not None and fault.status is not None
                else self.dispatch(req)
            )
            if fault is not None and fault.status is None:
                response = after_fault(fault, response, self.key.private_key)
        if fault is not None and fault.hold:
            self.hold(fault, response, method, path, peer)
        response.headers.setdefault("X-Request-ID", f"req_{uuid.uuid4().hex}")
        if not internal:
            self.calls.record(
                method,
                path,
                query,
                body,
                response.status,
                fault is not None
                and (fault.status is not None or fault.drop or bool(fault.patch or fault.token)),
                self.store.now(),
                dropped=response.drop,
            )
        return response

    def hold(self, fault: Fault, response: Response, method: str, path: str,
             peer: str | None) -> None:
        """Stop at ``fault.hold``: keep the answer back now (``before_answer``, the request
        has taken effect), or report it once it has gone out (``after_answer``)."""
        holds = self.faults.holds
        if fault.hold == "before_answer":
            holds.block(holds.reach(fault, method, path, peer), fault.hold_timeout)
        else:
            def answered() -> None:
                holds.reach(fault, method, path, peer)

            response.after_send = answered

    @staticmethod
    def fault_response(fault: Fault) -> Response:
        assert fault.status is not None
        payload, content_type = render_fault(fault)
        response = Response(int(fault.status), payload, content_type)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = str(fault.retry_after)
        return response

    def dispatch(self, req: Request) -> Response:
        route, params, known = router.match(req.method, req.path)
        if route is None:
            if known:
                return error(405, f"Method {req.method} not allowed.", "method_not_allowed")
            return error(404, f"No route for {req.method} {req.path}.", "not_found")
        if not route.public and not self.authorized(req.headers):
            return error(401, "Unauthorized", "unauthorized")
        req.params = params
        with self.store.lock:
            try:
                return route.handler(self, req)
            except Refused as exc:
                return exc.response
            except NotFound as exc:
                return error(404, str(exc), "entity_not_found")
            except Conflict as exc:
                status = 409 if exc.code in ("email_not_available", "conflict") else 400
                return error(status, str(exc), exc.code)
            except (ValueError, KeyError, TypeError) as exc:
                return error(422, f"Invalid request: {exc}", "invalid_request_parameters")
            except Exception as exc:  # an emulator bug: answer it, never drop the connection
                return error(500, f"Emulator error: {type(exc).__name__}", "server_error")
            finally:
                self.save_state()


def after_fault(fault: Fault, response: Response, private_key: Any = None) -> Response:
    """Apply a pass-through fault to the real answer: ``patch`` its JSON, re-mint its
    ``token``, or ``drop`` it."""
    if (fault.patch or fault.token) and 200 <= response.status < 300:
        try:
            data = json.loads(response.body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            if fault.token and isinstance(data.get("access_token"), str):
                data["access_token"] = reissue(data["access_token"], fault.token, private_key)
            data.update(fault.patch or {})
            response.body = json.dumps(data).encode()
    response.drop = fault.drop
    return response


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server_version = "WorkOSEmulator/1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        host, port = self.client_address[:2]
        response = self.server.emulator.handle(
            self.command, self.path, headers, raw, host, peer=f"{host}:{port}"
        )
        if response.drop:  # processed, but the caller never hears back
            self.close_connection = True
            return
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        if response.after_send is not None:
            response.after_send()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet by default; the call log (``/_emulator/calls``) records traffic."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: Emulator


class EmulatorServer:
    """A WorkOS emulator on a real socket, served from a daemon thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str = "client_emulator",
        api_key: str = "sk_test_emulator",
        seed: dict[str, Any] | str | Path | None = None,
        issuer: str | None = None,
        access_token_ttl: int = 300,
        refresh_grace_seconds: float = 10,
        redirect_uris: list[str] | None = None,
        state_file: str | Path | None = None,
        invitation_url: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.client_id = client_id
        self.api_key = api_key
        config = Config(
            access_token_ttl=access_token_ttl,
            refresh_grace_seconds=refresh_grace_seconds,
            redirect_uris=list(redirect_uris or []),
            issuer=issuers.check(issuer),
            invitation_url=invitation_url or None,
        )
        self.emulator = Emulator(client_id, api_key, config, seed, state_file)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._control: EmulatorControl | None = None

    def _bind(self) -> _HTTPServer:
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.emulator = self.emulator
        self.port = int(httpd.server_address[1])
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host  # noqa: S104
        host = f"[{host}]" if ":" in host else host
        self.emulator.base_url = f"http://{host}:{self.port}"
        self._httpd = httpd
        return httpd

    def start(self) -> EmulatorServer:
        """Bind and serve in a daemon thread; returns self."""
        httpd = self._bind()
        self.emulator.webhooks.start()
        self._thread = threading.Thread(
            target=httpd.serve_forever, name="workos-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Bind and serve in the calling thread (the CLI)."""
        httpd = self._bind()
        self.emulator.webhooks.start()
        try:
            httpd.serve_forever()
        finally:
            httpd.server_close()
            self.emulator.webhooks.stop()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self.emulator.webhooks.stop()

    @property
    def url(self) -> str:
        if not self.emulator.base_url:
            raise RuntimeError("the emulator is not started")
        return self.emulator.base_url

    @property
    def issuer(self) -> str:
        return self.emulator.issuer

    @property
    def control(self) -> EmulatorControl:
        if self._control is None or self._control.base_url != self.url:
            self._control = EmulatorControl(self.url)
        return self._control

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
