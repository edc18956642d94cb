"""E-mail change (``/user_management/users/{id}/email_change/send`` and ``/confirm``).

The code goes to the outbox, addressed to the *new* e-mail; confirming it changes
the user's e-mail (and sends ``user.updated``), as WorkOS does.
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING

from django_authkit.emulator import outbox
from django_authkit.emulator.ids import iso_now
from django_authkit.emulator.routing import Request, Response, error, invalid, json_response
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import Conflict, normalize_email

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

TTL = 15 * 60


@r.route("POST", "/user_management/users/{id}/email_change/send")
def send(emu: Emulator, req: Request) -> Response:
    store = emu.store
    user = store.user(req.params["id"])
    new_email = normalize_email(req.text("new_email") or "")
    if "@" not in new_email:
        raise invalid("A valid new_email is required.")
    other = store.user_by_email(new_email)
    if other is not None and other.id != user.id:
        raise Conflict("This email is not available.", "email_not_available")
    code = f"{secrets.randbelow(10**6):06d}"
    now = store.now()
    store.extra.setdefault("email_changes", {})[user.id] = {
        "new_email": new_email,
        "code": code,
        "expires_at": now + TTL,
        "created_at": now,
    }
    outbox.send(emu, "email_change", new_email, code=code)
    return json_response(
        {
            "object": "email_change",
            "user": user.to_api(),
            "new_email": new_email,
            "expires_at": iso_now(now + TTL),
            "created_at": iso_now(now),
        },
        201,
    )


@r.route("POST", "/user_management/users/{id}/email_change/confirm")
def confirm(emu: Emulator, req: Request) -> Response:
    store = emu.store
    user = store.user(req.params["id"])
    pending = store.extra.get("email_changes", {}).get(user.id)
    code = req.text("code") or ""
    if (
        pending is None
        or pending["expires_at"] < store.now()
        or not hmac.compare_digest(code.encode(), pending["code"].encode())
    ):
        return error(400, "The code is invalid or has expired.", "invalid_one_time_code")
    if store.user_by_email(pending["new_email"]) not in (None, user):
        raise Conflict("This email is not available.", "email_not_available")
    del store.extra["email_changes"][user.id]
    user.email, user.email_verified, user.updated_at = pending["new_email"], True, store.now()
    store.emit("user.updated", user.to_api())
    return json_response({"object": "email_change_confirmation", "user": user.to_api()})
