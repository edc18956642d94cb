"""MFA (§14): TOTP factors, challenges, and the ``mfa_enrollment``/``mfa_challenge`` steps.

TOTP codes follow RFC 6238 (SHA-1, 6 digits, 30 s) on the *emulated* clock, so tests
can compute them with :func:`totp_code`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django_authkit.emulator.authenticate import CHECKS, GRANTS, PENDING_TTL, sign_in
from django_authkit.emulator.crud import get_or_404
from django_authkit.emulator.ids import iso_now, new_id, token
from django_authkit.emulator.models import Grant
from django_authkit.emulator.routing import Request, Response, error, json_response, list_page
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

TOTP_GRANT = "urn:workos:oauth:grant-type:mfa-totp"
CHALLENGE_TTL = 300


def totp_code(secret: str, at: float) -> str:
    """The 6-digit TOTP for a base32 ``secret`` at unix time ``at``."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 15
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _factors(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.table("auth_factors")


def _challenges(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.table("auth_challenges")


def _factor_api(factor: dict[str, Any], *, enrolled: bool = False) -> dict[str, Any]:
    totp = {"issuer": factor["issuer"], "user": factor["user"]}
    if enrolled:
        uri = (
            f"otpauth://totp/{quote(factor['issuer'])}:{quote(factor['user'])}"
            f"?secret={factor['secret']}&issuer={quote(factor['issuer'])}"
        )
        # A placeholder image (no QR encoder here): a framed card naming the key's owner.
        label = escape(f"{factor['issuer']}: {factor['user']}")
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" '
            'viewBox="0 0 200 200"><rect x="4" y="4" width="192" height="192" fill="#fff" '
            'stroke="#1c2024" stroke-width="8"/><text x="100" y="92" font-size="18" '
            'text-anchor="middle" font-family="sans-serif">TOTP (emulator)</text>'
            f'<text x="100" y="122" font-size="10" text-anchor="middle" '
            f'font-family="sans-serif">{label}</text></svg>'
        )
        qr = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        totp.update(secret=factor["secret"], uri=uri, qr_code=qr)
    data: dict[str, Any] = {
        "object": "authentication_factor",
        "id": factor["id"],
        "type": "totp",
        "totp": totp,
        "created_at": factor["created_at"],
        "updated_at": factor["created_at"],
    }
    if factor["user_id"]:
        data["user_id"] = factor["user_id"]
    return data


def _enroll(emu: Emulator, user_id: str | None, body: dict[str, Any]) -> dict[str, Any]:
    if (body.get("type") or "totp") != "totp":
        raise ValueError("only totp factors are emulated")
    secret = str(body.get("totp_secret") or base64.b32encode(secrets.token_bytes(20)).decode())
    factor: dict[str, Any] = {
        "id": new_id("auth_factor"),
        "user_id": user_id,
        "issuer": str(body.get("totp_issuer") or "WorkOS emulator"),
        "user": str(body.get("totp_user") or (emu.store.users[user_id].email if user_id else "")),
        "secret": secret.rstrip("="),
        "created_at": iso_now(emu.store.now()),
    }
    _factors(emu)[factor["id"]] = factor
    return factor


def _challenge(emu: Emulator, factor: dict[str, Any]) -> dict[str, Any]:
    now = emu.store.now()
    challenge = {
        "object": "authentication_challenge",
        "id": new_id("auth_challenge"),
        "authentication_factor_id": factor["id"],
        "expires_at": iso_now(now + CHALLENGE_TTL),
        "created_at": iso_now(now),
        "updated_at": iso_now(now),
    }
    _challenges(emu)[challenge["id"]] = {**challenge, "_expires": now + CHALLENGE_TTL}
    return challenge


def _verify(emu: Emulator, challenge_id: str, code: str | None) -> bool | None:
    """True/False for a code on a live challenge; None when the challenge is unusable."""
    item = _challenges(emu).get(challenge_id)
    if item is None or item["_expires"] < emu.store.now() or item.get("_used"):
        return None
    factor = _factors(emu).get(item["authentication_factor_id"])
    if factor is None or not code:
        return False
    now = emu.store.now()
    ok = any(hmac.compare_digest(totp_code(factor["secret"], now + d), code) for d in (-30, 0, 30))
    if ok:
        item["_used"] = True
    return ok


@r.route("POST", "/user_management/users/{id}/auth_factors")
def create_user_factor(emu: Emulator, req: Request) -> Response:
    emu.store.user(req.params["id"])
    factor = _enroll(emu, req.params["id"], req.body)
    return json_response(
        {
            "authentication_factor": _factor_api(factor, enrolled=True),
            "authentication_challenge": _challenge(emu, factor),
        },
        201,
    )


@r.route("GET", "/user_management/users/{id}/auth_factors")
def list_user_factors(emu: Emulator, req: Request) -> Response:
    emu.store.user(req.params["id"])
    items = [f for f in _factors(emu).values() if f["user_id"] == req.params["id"]]
    return list_page(req, items, _factor_api)


@r.route("POST", "/auth/factors/enroll")
def enroll_factor(emu: Emulator, req: Request) -> Response:
    user_id = req.text("user_id")
    if user_id:
        emu.store.user(user_id)
    return json_response(_factor_api(_enroll(emu, user_id, req.body), enrolled=True), 201)


def _factor(emu: Emulator, factor_id: str) -> dict[str, Any]:
    return get_or_404(_factors(emu), factor_id, "Authentication factor")


@r.route("GET", "/auth/factors/{id}")
def get_factor(emu: Emulator, req: Request) -> Response:
    return json_response(_factor_api(_factor(emu, req.params["id"])))


@r.route("DELETE", "/auth/factors/{id}")
def delete_factor(emu: Emulator, req: Request) -> Response:
    _factors(emu).pop(_factor(emu, req.params["id"])["id"])
    return Response(204)


@r.route("POST", "/auth/factors/{id}/challenge")
def challenge_factor(emu: Emulator, req: Request) -> Response:
    return json_response(_challenge(emu, _factor(emu, req.params["id"])), 201)


@r.route("POST", "/auth/challenges/{id}/verify")
def verify_challenge(emu: Emulator, req: Request) -> Response:
    item = get_or_404(_challenges(emu), req.params["id"], "Authentication challenge")
    valid = _verify(emu, req.params["id"], req.text("code"))
    if valid is None:
        return error(
            400, "The challenge has expired or was used.", "authentication_challenge_expired"
        )
    public = {k: v for k, v in item.items() if not k.startswith("_")}
    return json_response({"challenge": public, "valid": valid})


def mfa_check(emu: Emulator, grant: Grant, req: Request) -> Response | None:
    """403 ``mfa_challenge`` for users with a factor; ``mfa_enrollment`` when MFA is required."""
    store = emu.store
    factors = [f for f in _factors(emu).values() if f["user_id"] == grant.user_id]
    if not factors and not store.config.mfa_required:
        return None
    pending = token(24)
    store.pending_auth[pending] = {
        "grant": grant,
        "expires_at": store.now() + PENDING_TTL,
        "mfa": True,
    }
    user = store.user(grant.user_id).to_api()
    if not factors:
        return error(
            403,
            "The user must enroll in MFA to finish authenticating.",
            "mfa_enrollment",
            pending_authentication_token=pending,
            user=user,
        )
    return error(
        403,
        "The user must complete an MFA challenge to finish authenticating.",
        "mfa_challenge",
        pending_authentication_token=pending,
        authentication_factors=[{"id": f["id"], "type": "totp"} for f in factors],
        user=user,
    )


def totp_grant(emu: Emulator, req: Request) -> Response:
    store = emu.store
    pending_token = req.text("pending_authentication_token") or ""
    pending = store.pending_auth.get(pending_token)
    if pending is None or not pending.get("mfa") or pending["expires_at"] < store.now():
        return error(
            400,
            "The pending authentication token is invalid or expired.",
            "invalid_pending_authentication_token",
        )
    grant: Grant = pending["grant"]
    challenge = _challenges(emu).get(req.text("authentication_challenge_id") or "")
    factor = _factors(emu).get(challenge["authentication_factor_id"]) if challenge else None
    if challenge is None or factor is None or factor["user_id"] != grant.user_id:
        return error(400, "Unknown authentication challenge.", "authentication_challenge_not_found")
    valid = _verify(emu, challenge["id"], req.text("code"))
    if not valid:
        return error(400, "The one-time code is invalid.", "invalid_one_time_code")
    del store.pending_auth[pending_token]
    return sign_in(emu, grant, req, checked=True)


GRANTS[TOTP_GRANT] = totp_grant
CHECKS.append(mfa_check)
