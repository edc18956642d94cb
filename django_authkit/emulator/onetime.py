"""One-time codes: magic auth, e-mail verification and password reset, with their grants."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django_authkit.emulator import outbox
from django_authkit.emulator.authenticate import GRANTS, PENDING_TTL, sign_in
from django_authkit.emulator.crud import get_or_404, valid_email, without
from django_authkit.emulator.ids import iso_now, new_id, token
from django_authkit.emulator.models import Grant, check_password, hash_password
from django_authkit.emulator.routing import Refused, Request, Response, error, json_response
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import NotFound, normalize_email

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

CODE_TTL = 600
RESET_TTL = 1200
MAGIC_GRANT = "urn:workos:oauth:grant-type:magic-auth:code"
VERIFY_GRANT = "urn:workos:oauth:grant-type:email-verification:code"
RESET_SECRETS = ("password_reset_token", "password_reset_url")


def _kind(emu: Emulator, kind: str) -> dict[str, dict[str, Any]]:
    return emu.store.table(kind)


def _code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _one_time(emu: Emulator, kind: str, prefix: str, user_id: str, email: str) -> dict[str, Any]:
    now = emu.store.now()
    item: dict[str, Any] = {
        "object": kind,
        "id": new_id(prefix),
        "user_id": user_id,
        "email": email,
        "expires_at": now + CODE_TTL,
        "created_at": now,
        "updated_at": now,
        "code": _code(),
        "used": False,
    }
    _kind(emu, kind)[item["id"]] = item
    emu.store.emit(f"{kind}.created", without(_api(item), "code"))
    outbox.send(emu, kind, email, code=item["code"], source=(kind, item["id"]))
    return item


def _api(item: dict[str, Any]) -> dict[str, Any]:
    data = without(item, "used")
    for key in ("expires_at", "created_at", "updated_at"):
        if key in data:
            data[key] = iso_now(data[key])
    return data


def _get(emu: Emulator, kind: str, label: str, item_id: str) -> Response:
    return json_response(_api(get_or_404(_kind(emu, kind), item_id, label)))


def _newest_match(items: list[dict[str, Any]], code: str | None) -> dict[str, Any] | None:
    """The newest of ``items`` with ``code``, else the newest (which the check then refuses)."""
    return next((i for i in reversed(items) if i["code"] == code), items[-1] if items else None)


def _redeem(emu: Emulator, item: dict[str, Any] | None, code: str | None) -> dict[str, Any]:
    """Mark ``item`` used if ``code`` is its live, unused code; else refuse with a 400."""
    if item is None or not code or not secrets.compare_digest(str(item["code"]), code):
        raise Refused(error(400, "The one-time code is invalid.", "invalid_one_time_code"))
    if item["used"]:
        message = "The one-time code was already used."
        raise Refused(error(400, message, "one_time_code_previously_used"))
    if item["expires_at"] < emu.store.now():
        raise Refused(error(400, "The one-time code has expired.", "one_time_code_expired"))
    item["used"] = True
    return item


# -- magic auth -------------------------------------------------------------------------
@r.route("POST", "/user_management/magic_auth")
def create_magic_auth(emu: Emulator, req: Request) -> Response:
    store = emu.store
    email = valid_email(req)
    user = store.user_by_email(email) or store.create_user(email, email_verified=False)
    return json_response(_api(_one_time(emu, "magic_auth", "magic_auth", user.id, email)), 201)


@r.route("GET", "/user_management/magic_auth/{id}")
def get_magic_auth(emu: Emulator, req: Request) -> Response:
    return _get(emu, "magic_auth", "Magic auth", req.params["id"])


def magic_auth_grant(emu: Emulator, req: Request) -> Response:
    email = normalize_email(req.text("email") or "")
    code = req.text("code")
    items = [i for i in _kind(emu, "magic_auth").values() if i["email"] == email]
    item = _redeem(emu, _newest_match(items, code), code)
    user = emu.store.user(item["user_id"])
    user.email_verified = True
    return sign_in(emu, Grant(user.id, None, "MagicAuth"), req)


# -- e-mail verification ----------------------------------------------------------------
@r.route("POST", "/user_management/users/{id}/email_verification/send")
def send_verification(emu: Emulator, req: Request) -> Response:
    user = emu.store.user(req.params["id"])
    _one_time(emu, "email_verification", "email_verification", user.id, user.email)
    return json_response({"user": user.to_api()})


@r.route("POST", "/user_management/users/{id}/email_verification/confirm")
def confirm_verification(emu: Emulator, req: Request) -> Response:
    store = emu.store
    user = store.user(req.params["id"])
    items = [i for i in _kind(emu, "email_verification").values() if i["user_id"] == user.id]
    code = req.text("code")
    _redeem(emu, _newest_match(items, code), code)
    user.email_verified = True
    user.updated_at = store.now()
    store.emit("user.updated", user.to_api())
    return json_response({"user": user.to_api()})


@r.route("GET", "/user_management/email_verification/{id}")
def get_verification(emu: Emulator, req: Request) -> Response:
    return _get(emu, "email_verification", "Email verification", req.params["id"])


_password_grant = GRANTS["password"]


def password_grant(emu: Emulator, req: Request) -> Response:
    """The password grant, plus ``email_verification_required`` when configured."""
    store = emu.store
    user = store.user_by_email(req.text("email") or "")
    if (
        store.config.email_verification_required
        and user is not None
        and not user.email_verified
        and check_password(user.password_hash, str(req.field("password") or ""))
    ):
        item = _one_time(emu, "email_verification", "email_verification", user.id, user.email)
        pending = token(24)
        store.pending_auth[pending] = {  # the invitation is redeemed once verified
            "grant": Grant(user.id, None, "Password",
                           invitation_token=req.text("invitation_token")),
            "expires_at": store.now() + PENDING_TTL,
            "verification_id": item["id"],
            "created_at": item["created_at"],
        }
        return error(
            403,
            "Email ownership must be verified before authentication.",
            "email_verification_required",
            pending_authentication_token=pending,
            email=user.email,
            email_verification_id=item["id"],
        )
    return _password_grant(emu, req)


def email_verification_grant(emu: Emulator, req: Request) -> Response:
    store = emu.store
    pending_token = req.text("pending_authentication_token") or ""
    pending = store.pending_auth.get(pending_token)
    if pending is None or "verification_id" not in pending or pending["expires_at"] < store.now():
        return error(
            400,
            "The pending authentication token is invalid or expired.",
            "invalid_pending_authentication_token",
        )
    grant: Grant = pending["grant"]
    # The user's newest code with this value: a code sent again (``email_verification/
    # send``) finishes the pending sign-in too, as a resend in AuthKit's own UI does.
    code = req.text("code")
    items = [i for i in _kind(emu, "email_verification").values()
             if i["user_id"] == grant.user_id and i["created_at"] >= pending.get("created_at", 0)]
    _redeem(emu, _newest_match(items, code), code)
    del store.pending_auth[pending_token]
    store.user(grant.user_id).email_verified = True
    return sign_in(emu, grant, req)


# -- password reset ---------------------------------------------------------------------
def _reset_api(emu: Emulator, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "password_reset",
        "id": item["id"],
        "user_id": item["user_id"],
        "email": item["email"],
        "expires_at": iso_now(item["expires_at"]),
        "created_at": iso_now(item["created_at"]),
        "password_reset_token": item["token"],
        "password_reset_url": f"{emu.base_url}/reset-password?token={item['token']}",
    }


@r.route("POST", "/user_management/password_reset")
def create_password_reset(emu: Emulator, req: Request) -> Response:
    store = emu.store
    email = normalize_email(req.text("email") or "")
    user = store.user_by_email(email)
    if user is None:
        raise NotFound("User", email)
    now = store.now()
    item: dict[str, Any] = {
        "id": new_id("password_reset"),
        "user_id": user.id,
        "email": user.email,
        "expires_at": now + RESET_TTL,
        "created_at": now,
        "token": token(24),
        "used": False,
    }
    _kind(emu, "password_reset")[item["id"]] = item
    link = _reset_api(emu, item)
    outbox.send(
        emu, "password_reset", user.email, url=link["password_reset_url"], token=item["token"],
        source=("password_reset", item["id"]),
    )
    store.emit("password_reset.created", without(link, *RESET_SECRETS))
    return json_response(_reset_api(emu, item), 201)


@r.route("POST", "/user_management/password_reset/confirm")
def confirm_password_reset(emu: Emulator, req: Request) -> Response:
    store = emu.store
    value = req.text("token")
    item = next((i for i in _kind(emu, "password_reset").values() if i["token"] == value), None)
    if item is None or item["used"] or item["expires_at"] < store.now():
        return error(400, "The password reset token is invalid or expired.", "invalid_token")
    new_password = str(req.field("new_password") or "")
    if len(new_password) < 8:
        return error(
            400,
            "Password does not meet strength requirements.",
            "password_strength_error",
            errors=[{"code": "password_too_short", "message": "Use at least 8 characters."}],
        )
    item["used"] = True
    user = store.user(item["user_id"])
    user.password_hash = hash_password(new_password)
    user.email_verified = True
    user.updated_at = store.now()
    store.emit("password_reset.succeeded", without(_reset_api(emu, item), *RESET_SECRETS))
    return json_response({"user": user.to_api()})


@r.route("GET", "/user_management/password_reset/{id}")
def get_password_reset(emu: Emulator, req: Request) -> Response:
    item = get_or_404(_kind(emu, "password_reset"), req.params["id"], "Password reset")
    return json_response(_reset_api(emu, item))


GRANTS.update(
    {
        MAGIC_GRANT: magic_auth_grant,
        "urn:workos:oauth:grant-type:magic-auth": magic_auth_grant,
        VERIFY_GRANT: email_verification_grant,
        "urn:workos:oauth:grant-type:email-verification": email_verification_grant,
        "password": password_grant,
    }
)
