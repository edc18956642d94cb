"""Widget tokens (``POST /widgets/token``): a short-lived RS256 JWT for WorkOS widgets."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import jwt

from django_authkit.emulator.ids import ulid
from django_authkit.emulator.routing import Request, Response, error, invalid, json_response
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

SCOPES = frozenset(
    {
        "widgets:users-table:manage",
        "widgets:user-api-keys:manage-self",
        "widgets:user-api-keys:manage-all",
        "widgets:domain-verification:manage",
        "widgets:sso:manage",
        "widgets:api-keys:manage",
        "widgets:dsync:manage",
        "widgets:audit-log-streaming:manage",
        "widgets:pipes:manage",
    }
)
TTL = 3600


@r.route("POST", "/widgets/token")
def create_token(emu: Emulator, req: Request) -> Response:
    store = emu.store
    user_id, org_id = req.text("user_id"), req.text("organization_id")
    scopes = req.field("scopes") or []
    if not user_id:
        raise invalid("user_id is required.")
    if not isinstance(scopes, list) or not set(map(str, scopes)) <= SCOPES:
        raise invalid("Unknown widget scope.")
    if scopes and not org_id:
        raise invalid("organization_id is required with scopes.")
    store.user(user_id)
    if org_id:
        store.organization(org_id)
        m = store.membership_for(user_id, org_id)
        if m is None or m.status != "active":
            return error(
                403,
                "The user is not a member of the organization.",
                "organization_membership_required",
            )
    now = int(min(store.now(), time.time()))
    claims = {
        "iss": emu.issuer,
        "sub": user_id,
        "org_id": org_id,
        "scopes": [str(s) for s in scopes],
        "jti": ulid(),
        "iat": now,
        "exp": int(store.now()) + TTL,
    }
    encoded = jwt.encode(
        claims, emu.key.private_pem, algorithm="RS256", headers={"kid": emu.key.kid, "typ": "JWT"}
    )
    return json_response({"token": encoded})
