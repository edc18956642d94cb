"""The device authorization flow (RFC 8628) for CLIs and TVs.

``POST /user_management/authorize/device`` hands out a ``device_code`` and a short
``user_code``; a person opens ``/device`` (the hosted page), signs in and approves;
the device polls ``authenticate`` with the device-code grant meanwhile and gets
``authorization_pending``, ``slow_down``, ``access_denied`` or ``expired_token``
until then, as WorkOS answers. Device clients are public: no secret.
"""

from __future__ import annotations

import secrets
from html import escape
from typing import TYPE_CHECKING, Any

from django_authkit.emulator import pages
from django_authkit.emulator.authenticate import GRANTS, sign_in
from django_authkit.emulator.authorize import FINISHERS, REQUEST_TTL
from django_authkit.emulator.ids import token
from django_authkit.emulator.models import Grant
from django_authkit.emulator.routing import (
    Request,
    Response,
    html_response,
    json_response,
    oauth_error,
)
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
TTL = 300
INTERVAL = 5
ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels, no look-alikes (RFC 8628 §6.1)


def _codes(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.extra.setdefault("device_codes", {})


@r.route("POST", "/user_management/authorize/device", public=True)
def create_device(emu: Emulator, req: Request) -> Response:
    if req.text("client_id") != emu.client_id:
        return oauth_error("invalid_client", "Invalid client ID.")
    user_code = "".join(secrets.choice(ALPHABET) for _ in range(8))
    user_code = f"{user_code[:4]}-{user_code[4:]}"
    device_code = token(32)
    _codes(emu)[device_code] = {
        "user_code": user_code,
        "expires_at": emu.store.now() + TTL,
        "status": "pending",
        "grant": None,
        "last_poll": None,
    }
    uri = f"{emu.base_url}/device"
    return json_response(
        {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": uri,
            "verification_uri_complete": f"{uri}?user_code={user_code}",
            "expires_in": TTL,
            "interval": INTERVAL,
        }
    )


def _by_user_code(emu: Emulator, user_code: str) -> tuple[str, dict[str, Any]] | None:
    wanted = user_code.strip().upper().replace(" ", "")
    now = emu.store.now()
    for device_code, item in _codes(emu).items():
        if item["user_code"] == wanted and item["status"] == "pending" and item["expires_at"] > now:
            return device_code, item
    return None


@r.route("GET", "/device", public=True)
def device_page(emu: Emulator, req: Request) -> Response:
    user_code = req.arg("user_code")
    found = _by_user_code(emu, user_code) if user_code else None
    if found is None:
        alert = (
            '<p class="alert" role="alert">That code is unknown or expired.</p>'
            if user_code
            else ""
        )
        form = (
            "<h1>Connect a device</h1>"
            f'{alert}<form method="get" action="/device"><label for="user_code">'
            'Code shown on your device</label><input id="user_code" name="user_code" '
            'autocomplete="one-time-code" autocapitalize="characters">'
            '<button class="primary" type="submit">Continue</button></form>'
        )
        return html_response(pages._page("Connect a device", form), 400 if user_code else 200)
    device_code, _item = found
    request_id = token(18)
    pending: dict[str, Any] = {
        "client_id": emu.client_id,
        "redirect_uri": None,
        "state": None,
        "code_challenge": None,
        "provider": None,
        "connection_id": None,
        "organization_id": None,
        "login_hint": None,
        "invitation_token": None,
        "screen_hint": None,
        "expires_at": emu.store.now() + REQUEST_TTL,
        "grant": None,
        "flow": "device",
        "device_code": device_code,
    }
    emu.store.pending[request_id] = pending
    return html_response(pages.sign_in_page(emu.store, emu.client_id, pending, request_id))


def _approve(emu: Emulator, request_id: str, pending: dict[str, Any], grant: Grant) -> Response:
    item = _codes(emu).get(pending["device_code"])
    emu.store.pending.pop(request_id, None)
    if item is None or item["status"] != "pending":
        return html_response(pages.error_page("Code expired", "Start again on your device."), 400)
    item["status"], item["grant"] = "approved", grant
    user = emu.store.users.get(grant.user_id)
    who = escape(user.email) if user else "you"
    body = (
        f'<h1 id="device-result">Device connected</h1>'
        f"<p>Signed in as {who}. You can return to your device.</p>"
    )
    return html_response(pages._page("Device connected", body))


def _deny(emu: Emulator, request_id: str, pending: dict[str, Any]) -> Response:
    item = _codes(emu).get(pending["device_code"])
    emu.store.pending.pop(request_id, None)
    if item is not None:
        item["status"] = "denied"
    return html_response(
        pages._page(
            "Denied", '<h1 id="device-result">Denied</h1><p>The device was not connected.</p>'
        )
    )


FINISHERS["device"] = (_approve, _deny)


def device_code_grant(emu: Emulator, req: Request) -> Response:
    store = emu.store
    device_code = req.text("device_code") or ""
    item = _codes(emu).get(device_code)
    if item is None:
        return oauth_error("invalid_grant", "The device code is invalid.")
    now = store.now()
    if item["expires_at"] < now:
        del _codes(emu)[device_code]
        return oauth_error("expired_token", "The device code has expired.")
    if item["status"] == "denied":
        del _codes(emu)[device_code]
        return oauth_error("access_denied", "The user denied the request.")
    if item["status"] == "pending":
        too_fast = item["last_poll"] is not None and now - item["last_poll"] < INTERVAL
        item["last_poll"] = now
        if too_fast:
            return oauth_error("slow_down", f"Poll at most every {INTERVAL} seconds.")
        return oauth_error("authorization_pending", "The user has not finished signing in yet.")
    del _codes(emu)[device_code]
    return sign_in(emu, item["grant"], req, checked=True)


GRANTS[DEVICE_GRANT] = device_code_grant
