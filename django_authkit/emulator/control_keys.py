"""Control API for the signing keys and the JWKS: rotations and key-set faults.

``POST /_emulator/keys/rotate`` makes a new key sign every new token while the
old one is still published (``retire_old`` drops it at once: a hard rotation);
``POST /_emulator/keys/retire`` stops publishing the old keys.
``POST /_emulator/jwks/fault`` makes the JWKS misbehave (see :data:`JWKS_FAULTS`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator.routing import Request, Response, error, json_response
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator


def _malformed_key(emu: Emulator) -> dict[str, Any]:
    """Valid JSON whose key (under the signing ``kid``) cannot be loaded."""
    jwk = dict(emu.key.jwk(), n="!!not-base64url!!")
    jwk.pop("x5c", None)
    return {"keys": [jwk]}


#: kind -> fault fields. ``hang`` answers only after ``delay`` seconds (default 30).
JWKS_FAULTS: dict[str, dict[str, Any]] = {
    "rate_limited": {"status": 429, "retry_after": 20},
    "unavailable": {"status": 503},
    "hang": {"status": None, "delay": 30},
    "malformed_document": {"status": 200, "body": "{\"keys\": [ this is not json"},
    "not_a_key_set": {"status": 200, "body": {"keys": "none"}},
    "empty": {"status": 200, "body": {"keys": []}},
    "malformed_key": {"status": 200},
}


@r.route("GET", "/_emulator/keys", public=True)
def keys(emu: Emulator, req: Request) -> Response:
    return json_response(emu.keys.describe())


@r.route("POST", "/_emulator/keys/rotate", public=True)
def rotate_keys(emu: Emulator, req: Request) -> Response:
    """A new signing key; the old stays published unless ``retire_old``."""
    emu.keys.rotate(retire_old=bool(req.field("retire_old")))
    return json_response(emu.keys.describe(), 201)


@r.route("POST", "/_emulator/keys/retire", public=True)
def retire_keys(emu: Emulator, req: Request) -> Response:
    retired = emu.keys.retire()
    return json_response({**emu.keys.describe(), "retired": retired})


@r.route("POST", "/_emulator/jwks/fault", public=True)
def jwks_fault(emu: Emulator, req: Request) -> Response:
    """Make the next ``count`` JWKS fetches (``null``: all until cleared) fail as ``kind``."""
    kind = req.text("kind") or ""
    if kind not in JWKS_FAULTS:
        return error(422, f"kind must be one of {', '.join(JWKS_FAULTS)}", "invalid_option")
    spec = dict(JWKS_FAULTS[kind])
    if kind == "malformed_key":
        spec["body"] = _malformed_key(emu)
    for name in ("retry_after", "delay"):
        if req.field(name) is not None:
            spec[name] = req.field(name)
    spec.update(path=f"/sso/jwks/{emu.client_id}", method="GET", count=req.field("count"))
    if "count" not in req.body:
        spec["count"] = 1
    fault = emu.faults.add(spec)
    return json_response({"id": fault.id, "kind": kind, "count": fault.count}, 201)
