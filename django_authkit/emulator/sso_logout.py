"""SSO logout (``POST /sso/logout/authorize`` then ``GET /sso/logout?token=``) and client tokens.

SSO logout ends the identity provider session of an SSO profile; the emulator has
no IdP session, so the browser step just forgets the token and redirects to the
``return_to`` it was given (when allowed), as WorkOS ends at the app's logout URL.
``POST /client/token`` mints the short-lived token WorkOS's front-end SDKs use.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import jwt

from django_authkit.emulator.authorize import _bad_request, redirect_allowed
from django_authkit.emulator.ids import token, ulid
from django_authkit.emulator.routing import Request, Response, error, json_response, redirect
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import NotFound

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

LOGOUT_TTL = 300
CLIENT_TOKEN_TTL = 600


@r.route("POST", "/sso/logout/authorize")
def authorize_logout(emu: Emulator, req: Request) -> Response:
    profile_id = req.text("profile_id") or ""
    known = {p["id"] for p in emu.store.extra.get("sso_profiles", {}).values()}
    if profile_id not in known:
        raise NotFound("Profile", profile_id)
    logout_token = token(24)
    emu.store.extra.setdefault("sso_logout_tokens", {})[logout_token] = {
        "profile_id": profile_id,
        "expires_at": emu.store.now() + LOGOUT_TTL,
    }
    url = f"{emu.base_url}/sso/logout?token={logout_token}"
    return json_response({"logout_url": url, "logout_token": logout_token})


@r.route("GET", "/sso/logout", public=True)
def logout(emu: Emulator, req: Request) -> Response:
    item = emu.store.extra.get("sso_logout_tokens", {}).pop(req.arg("token") or "", None)
    if item is None or item["expires_at"] < emu.store.now():
        return _bad_request("Logout link not valid", "This logout link is unknown or expired.")
    return_to = req.arg("return_to")
    if return_to and redirect_allowed(emu, return_to):
        return redirect(return_to)
    return json_response({"success": True})


@r.route("POST", "/client/token")
def client_token(emu: Emulator, req: Request) -> Response:
    store = emu.store
    user_id, org_id = req.text("user_id") or "", req.text("organization_id") or ""
    store.user(user_id)
    store.organization(org_id)
    m = store.membership_for(user_id, org_id)
    if m is None or m.status != "active":
        return error(
            403, "The user is not a member of the organization.", "organization_membership_required"
        )
    now = int(min(store.now(), time.time()))
    claims = {"iss": emu.issuer, "sub": user_id, "org_id": org_id, "jti": ulid(), "iat": now,
              "exp": int(store.now()) + CLIENT_TOKEN_TTL}  # fmt: skip
    encoded = jwt.encode(
        claims, emu.key.private_pem, algorithm="RS256", headers={"kid": emu.key.kid, "typ": "JWT"}
    )
    return json_response({"token": encoded})


@r.route("GET", "/organizations/{id}/audit_log_configuration")
def audit_log_configuration(emu: Emulator, req: Request) -> Response:
    """No log streams in the emulator: retention only (see ``audit_actions``)."""
    org = emu.store.organization(req.params["id"])
    days = emu.store.extra.get("audit_logs_retention", {}).get(org.id, 365)
    return json_response(
        {"organization_id": org.id, "retention_period_in_days": days, "state": "active",
         "log_stream": None}
    )  # fmt: skip
