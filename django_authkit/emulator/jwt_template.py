"""The JWT template (``/user_management/jwt_template``): custom access-token claims.

``content`` is a JSON object whose string values may hold ``{{ user.<field> }}``,
``{{ user.metadata.<key> }}`` or ``{{ organization.<field> }}`` placeholders, as in
WorkOS's templates. Every access token minted afterwards carries the rendered
claims; the standard claims (``sub``, ``sid``, ``org_id``, ``role``...) cannot be
overridden, and a placeholder with no value renders as ``null``.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from django_authkit.emulator.ids import iso_now
from django_authkit.emulator.routing import Request, Response, error, json_response
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator
    from django_authkit.emulator.state import Store

RESERVED = frozenset(
    {"iss", "sub", "sid", "jti", "iat", "exp", "nbf", "aud", "auth_time", "org_id", "role",
     "roles", "permissions", "entitlements", "feature_flags", "act"}
)  # fmt: skip
PLACEHOLDER = re.compile(r"\{\{\s*(user|organization)\.([\w.]+)\s*\}\}")


def _template(store: Store) -> dict[str, Any] | None:
    found: dict[str, Any] | None = store.extra.get("jwt_template")
    return found


def _api(item: dict[str, Any] | None) -> dict[str, Any]:
    item = item or {"content": "{}", "created_at": 0.0, "updated_at": 0.0}
    return {
        "object": "jwt_template",
        "content": item["content"],
        "created_at": iso_now(item["created_at"]),
        "updated_at": iso_now(item["updated_at"]),
    }


@r.route("GET", "/user_management/jwt_template")
def get_template(emu: Emulator, req: Request) -> Response:
    return json_response(_api(_template(emu.store)))


@r.route("PUT", "/user_management/jwt_template")
def update_template(emu: Emulator, req: Request) -> Response:
    content = req.field("content")
    try:
        parsed = json.loads(content) if isinstance(content, str) else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return error(422, "content must be a JSON object.", "invalid_jwt_template")
    taken = sorted(RESERVED & set(parsed))
    if taken:
        return error(422, f"Reserved claim(s): {', '.join(taken)}.", "invalid_jwt_template")
    now = emu.store.now()
    old = _template(emu.store)
    emu.store.extra["jwt_template"] = {
        "content": content,
        "created_at": old["created_at"] if old else now,
        "updated_at": now,
    }
    return json_response(_api(emu.store.extra["jwt_template"]))


def _lookup(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _render(value: Any, context: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, dict):
        return {k: _render(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, context) for v in value]
    if not isinstance(value, str):
        return value
    whole = PLACEHOLDER.fullmatch(value.strip())
    if whole:  # a lone placeholder keeps the value's type (lists, booleans)
        return _lookup(context.get(whole.group(1), {}), whole.group(2))
    return PLACEHOLDER.sub(
        lambda m: str(_lookup(context.get(m.group(1), {}), m.group(2)) or ""), value
    )


def custom_claims(store: Store, user_id: str, org_id: str | None) -> dict[str, Any]:
    """The template's claims for this user and organization (empty without a template)."""
    item = _template(store)
    if item is None:
        return {}
    user = store.users.get(user_id)
    org = store.organizations.get(org_id or "")
    context = {
        "user": user.to_api() if user else {},
        "organization": org.to_api() if org else {},
    }
    rendered = _render(json.loads(item["content"]), context)
    return {k: v for k, v in rendered.items() if k not in RESERVED}
