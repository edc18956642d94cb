"""A tiny real HTTP server publishing a JWKS whose private key the tests hold.

It lets the token tests sign arbitrary claims with a key the verifier trusts,
which the emulator (it only mints valid tokens) cannot do. The verifier under
test fetches it over HTTP exactly as it fetches WorkOS's.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "client_keyserver"


class KeyServer:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "key_test_1"
        self.fetches = 0
        self.up = True
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                if not server.up:
                    self.send_response(503)
                    self.end_headers()
                    return
                jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(server.key.public_key()))
                body = json.dumps(
                    {"keys": [{**jwk, "kid": server.kid, "alg": "RS256", "use": "sig"}]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True).start()

    @property
    def issuer(self) -> str:
        return f"{self.url}/user_management/{CLIENT_ID}"

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {
            "iss": self.issuer,
            "sub": "user_01TEST",
            "sid": "session_01TEST",
            "jti": "01TEST",
            "iat": now,
            "exp": now + 300,
        }
        base.update(changes)
        return {k: v for k, v in base.items() if v is not None}

    def sign(self, claims: dict[str, Any], **headers: Any) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid, **headers})

    def rotate(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = f"key_test_{int(time.time() * 1000)}"


@pytest.fixture
def keyserver(settings: Any) -> Iterator[KeyServer]:
    from django.core.cache import cache

    from django_authkit.tokens.verify import clear_key_cache

    server = KeyServer()
    settings.AUTHKIT = {
        "CLIENT_ID": CLIENT_ID,
        "API_KEY": "sk_test_x",
        "API_BASE_URL": server.url,
        "MAX_RETRIES": 0,
        "JWT_LEEWAY": 0,
    }
    clear_key_cache()
    cache.clear()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
    clear_key_cache()
