"""Vault (``/vault/v1``): key-value objects with versions, and data keys for local encryption.

Data keys are wrapped with AES-GCM under a key derived from the emulator's API key,
so ``vault.encrypt``/``decrypt`` in the SDK round-trip, and keep working across a
restart that uses the same key. Nothing here is real protection: it is an emulator.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from django_authkit.emulator.crud import first_or_404, get_or_404, named_like
from django_authkit.emulator.ids import iso_now, new_id, stable_id
from django_authkit.emulator.routing import (
    Refused,
    Request,
    Response,
    error,
    invalid,
    json_response,
    list_page,
    unpaged,
)
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import Conflict

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

KV = "/vault/v1/kv"


def _master(emu: Emulator) -> AESGCM:
    return AESGCM(hashlib.sha256(f"vault:{emu.api_key}".encode()).digest())


def _context(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise ValueError("context must be a non-empty object of strings")
    return {str(k): str(v) for k, v in value.items()}


def _wrap(emu: Emulator, key: bytes, context: dict[str, str]) -> str:
    nonce = os.urandom(12)
    plain = json.dumps({"k": base64.b64encode(key).decode(), "c": context}).encode()
    return base64.b64encode(b"emu1" + nonce + _master(emu).encrypt(nonce, plain, None)).decode()


def _unwrap(emu: Emulator, blob: str) -> tuple[bytes, dict[str, str]] | None:
    try:
        raw = base64.b64decode(blob, validate=True)
        if not raw.startswith(b"emu1"):
            return None
        data = json.loads(_master(emu).decrypt(raw[4:16], raw[16:], None))
        return base64.b64decode(data["k"]), dict(data["c"])
    except (ValueError, InvalidTag, KeyError, TypeError):
        return None


def _key_id(context: dict[str, str]) -> str:
    return stable_id("vault_key", json.dumps(context, sort_keys=True))


def _data_key(emu: Emulator, context: dict[str, str], key: bytes | None = None) -> Response:
    key = key or os.urandom(32)
    return json_response(
        {
            "id": _key_id(context),
            "context": context,
            "data_key": base64.b64encode(key).decode(),
            "encrypted_keys": _wrap(emu, key, context),
        }
    )


@r.route("POST", "/vault/v1/keys/data-key")
def create_data_key(emu: Emulator, req: Request) -> Response:
    return _data_key(emu, _context(req.field("context")))


@r.route("POST", "/vault/v1/keys/decrypt")
def decrypt(emu: Emulator, req: Request) -> Response:
    found = _unwrap(emu, req.text("keys") or "")
    if found is None:
        return error(400, "The encrypted keys cannot be decrypted.", "invalid_encrypted_keys")
    key, context = found
    return json_response({"id": _key_id(context), "data_key": base64.b64encode(key).decode()})


@r.route("POST", "/vault/v1/keys/rekey")
def rekey(emu: Emulator, req: Request) -> Response:
    found = _unwrap(emu, req.text("encrypted_keys") or "")
    if found is None:
        return error(400, "The encrypted keys cannot be decrypted.", "invalid_encrypted_keys")
    return _data_key(emu, _context(req.field("context")), found[0])


# -- key-value objects -------------------------------------------------------------------------


def _objects(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.table("vault_objects")


def _object(emu: Emulator, object_id: str) -> dict[str, Any]:
    return get_or_404(_objects(emu), object_id, "Object")


def _metadata(obj: dict[str, Any]) -> dict[str, Any]:
    current = obj["versions"][-1]
    return {
        "context": dict(obj["context"]),
        "environment_id": "environment_emulator",
        "id": obj["id"],
        "key_id": _key_id(obj["context"]),
        "updated_at": iso_now(current["created_at"]),
        "updated_by": {"id": "api_key_emulator", "name": "Emulator API key"},
        "version_id": current["id"],
    }


def _without_value(obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": obj["id"], "name": obj["name"], "metadata": _metadata(obj)}


def _with_value(obj: dict[str, Any]) -> dict[str, Any]:
    return {**_without_value(obj), "value": obj["versions"][-1]["value"]}


def _version(emu: Emulator, value: str) -> dict[str, Any]:
    return {
        "id": new_id("vault_version"),
        "value": value,
        "etag": hashlib.sha256(value.encode()).hexdigest()[:32],
        "created_at": emu.store.now(),
    }


def _check_version(obj: dict[str, Any], req: Request) -> None:
    wanted = req.text("version_check") or req.arg("version_check")  # body (PUT), query (DELETE)
    if wanted and wanted != obj["versions"][-1]["id"]:
        message = "The object changed since that version."
        raise Refused(error(409, message, "version_check_failed"))


@r.route("POST", KV)
def create_kv(emu: Emulator, req: Request) -> Response:
    name, value = req.text("name"), req.field("value")
    if not name or not isinstance(value, str):
        raise invalid("name and value are required.")
    if any(o["name"] == name for o in _objects(emu).values()):
        raise Conflict(f"An object named '{name}' already exists.", "conflict")
    obj: dict[str, Any] = {
        "id": new_id("secret"),
        "name": name,
        "context": _context(req.field("key_context")),
        "versions": [_version(emu, value)],
    }
    _objects(emu)[obj["id"]] = obj
    return json_response(_metadata(obj), 201)


@r.route("GET", KV)
def list_kv(emu: Emulator, req: Request) -> Response:
    items = named_like(req, list(_objects(emu).values()))
    return list_page(req, items, _listed)


def _listed(obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": obj["id"], "name": obj["name"], "updated_at": _metadata(obj)["updated_at"]}


@r.route("GET", f"{KV}/name/{{name}}")
def get_by_name(emu: Emulator, req: Request) -> Response:
    wanted = req.params["name"]
    found = (o for o in _objects(emu).values() if o["name"] == wanted)
    return json_response(_with_value(first_or_404(found, "Object", wanted)))


@r.route("GET", f"{KV}/{{id}}")
def get_kv(emu: Emulator, req: Request) -> Response:
    return json_response(_with_value(_object(emu, req.params["id"])))


@r.route("GET", f"{KV}/{{id}}/metadata")
def kv_metadata(emu: Emulator, req: Request) -> Response:
    return json_response(_without_value(_object(emu, req.params["id"])))


@r.route("GET", f"{KV}/{{id}}/versions")
def kv_versions(emu: Emulator, req: Request) -> Response:
    obj = _object(emu, req.params["id"])
    last = obj["versions"][-1]["id"]
    data = [
        {
            "id": v["id"],
            "created_at": iso_now(v["created_at"]),
            "current_version": v["id"] == last,
            "etag": v["etag"],
            "size": len(v["value"].encode()),
        }
        for v in reversed(obj["versions"])
    ]
    return unpaged(data)


@r.route("PUT", f"{KV}/{{id}}")
def update_kv(emu: Emulator, req: Request) -> Response:
    obj = _object(emu, req.params["id"])
    value = req.field("value")
    if not isinstance(value, str):
        raise invalid("value is required.")
    _check_version(obj, req)
    obj["versions"].append(_version(emu, value))
    return json_response(_without_value(obj))


@r.route("DELETE", f"{KV}/{{id}}")
def delete_kv(emu: Emulator, req: Request) -> Response:
    obj = _object(emu, req.params["id"])
    _check_version(obj, req)
    del _objects(emu)[obj["id"]]
    return Response(204)
