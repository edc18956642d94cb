"""Invitations (§7.2): CRUD, accept/revoke/resend, and redemption during sign-in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django_authkit.emulator import outbox
from django_authkit.emulator.crud import (
    get_or_404,
    or_404,
    stamped,
    stamps,
    valid_email,
    where,
    without,
)
from django_authkit.emulator.ids import iso, iso_now, new_id, token
from django_authkit.emulator.models import Grant
from django_authkit.emulator.routing import (
    Request,
    Response,
    error,
    invalid,
    json_response,
    list_page,
    oauth_error,
)
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

DAY = 24 * 3600
SECRET_FIELDS = ("token", "accept_invitation_url")


def _all(emu: Emulator) -> dict[str, dict[str, Any]]:
    return emu.store.table("invitations")


def _api(emu: Emulator, inv: dict[str, Any]) -> dict[str, Any]:
    """The Invitation object; ``state`` turns ``expired`` on the emulated clock."""
    state = inv["state"]
    if state == "pending" and inv["expires_at"] < emu.store.now():
        state = "expired"
    return {
        "object": "invitation",
        "id": inv["id"],
        "email": inv["email"],
        "state": state,
        "accepted_at": iso(inv["accepted_at"]),
        "revoked_at": iso(inv["revoked_at"]),
        "expires_at": iso_now(inv["expires_at"]),
        "organization_id": inv["organization_id"],
        "inviter_user_id": inv["inviter_user_id"],
        "accepted_user_id": inv["accepted_user_id"],
        "role_slug": inv["role_slug"],
        **stamps(inv),
        "token": inv["token"],
        "accept_invitation_url": accept_url(emu, inv),
    }


def accept_url(emu: Emulator, inv: dict[str, Any]) -> str:
    """Where the e-mail's link goes: the site's accept-invitation URL when configured."""
    base = emu.store.config.invitation_url or f"{emu.base_url}/invite"
    return f"{base}{'&' if '?' in base else '?'}{urlencode({'invitation_token': inv['token']})}"


def _mail(emu: Emulator, inv: dict[str, Any]) -> None:
    outbox.send(emu, "invitation", inv["email"], url=accept_url(emu, inv), token=inv["token"])


def _emit(emu: Emulator, name: str, inv: dict[str, Any]) -> None:
    emu.store.emit(name, without(_api(emu, inv), *SECRET_FIELDS))


def _get(emu: Emulator, invitation_id: str) -> dict[str, Any]:
    return get_or_404(_all(emu), invitation_id, "Invitation")


def _by_token(emu: Emulator, invitation_token: str) -> dict[str, Any] | None:
    return next((i for i in _all(emu).values() if i["token"] == invitation_token), None)


def _accept(emu: Emulator, inv: dict[str, Any], user_id: str) -> None:
    """Mark accepted and make the user a member of the invitation's organization."""
    store = emu.store
    now = store.now()
    inv.update(state="accepted", accepted_at=now, accepted_user_id=user_id, updated_at=now)
    org_id = inv["organization_id"]
    if org_id and org_id in store.organizations:
        membership = store.membership_for(user_id, org_id)
        if membership is None:
            store.create_membership(user_id, org_id, [inv["role_slug"] or "member"])
        elif membership.status != "active":
            membership.status = "active"
            store.touch_membership(membership)
    _emit(emu, "invitation.accepted", inv)


def email_for(emu: Emulator, invitation_token: str | None) -> str | None:
    """The invited e-mail, to pre-fill the hosted page."""
    inv = _by_token(emu, invitation_token) if invitation_token else None
    return str(inv["email"]) if inv else None


def redeem(emu: Emulator, invitation_token: str, grant: Grant) -> Response | None:
    """Accept ``invitation_token`` during a grant and scope the session to its org."""
    store = emu.store
    inv = _by_token(emu, invitation_token)
    if inv is None or _api(emu, inv)["state"] != "pending":
        return oauth_error("invitation_invalid", "The invitation is invalid or has expired.")
    if store.user(grant.user_id).email != inv["email"]:
        return oauth_error(
            "invitation_cannot_be_used_for_email",
            "The invitation was sent to another email address.",
        )
    _accept(emu, inv, grant.user_id)
    if inv["organization_id"]:
        grant.organization_id = inv["organization_id"]
    return None


@r.route("GET", "/user_management/invitations")
def list_invitations(emu: Emulator, req: Request) -> Response:
    items = where(req, list(_all(emu).values()), "organization_id", "email")
    return list_page(req, items, lambda i: _api(emu, i))


@r.route("POST", "/user_management/invitations")
def send_invitation(emu: Emulator, req: Request) -> Response:
    store = emu.store
    email = valid_email(req)
    org_id = req.text("organization_id")
    if org_id:
        store.organization(org_id)
    role = req.text("role_slug")
    if role and role not in store.roles:
        raise invalid(f"Unknown role '{role}'.")
    if req.text("inviter_user_id"):
        store.user(str(req.text("inviter_user_id")))
    now = store.now()
    days = int(req.field("expires_in_days") or 7)
    inv: dict[str, Any] = {
        "id": new_id("invitation"),
        "email": email,
        "state": "pending",
        "accepted_at": None,
        "revoked_at": None,
        "expires_at": now + days * DAY,
        "organization_id": org_id,
        "inviter_user_id": req.text("inviter_user_id"),
        "accepted_user_id": None,
        "role_slug": role,
        "token": token(24),
    }
    _all(emu)[inv["id"]] = stamped(store, inv, now=now)
    _mail(emu, inv)
    _emit(emu, "invitation.created", inv)
    return json_response(_api(emu, inv), 201)


@r.route("GET", "/user_management/invitations/by_token/{token}")
def find_by_token(emu: Emulator, req: Request) -> Response:
    inv = or_404(_by_token(emu, req.params["token"]), "Invitation", req.params["token"])
    return json_response(_api(emu, inv))


@r.route("GET", "/user_management/invitations/{id}")
def get_invitation(emu: Emulator, req: Request) -> Response:
    return json_response(_api(emu, _get(emu, req.params["id"])))


@r.route("POST", "/user_management/invitations/{id}/accept")
def accept_invitation(emu: Emulator, req: Request) -> Response:
    store = emu.store
    inv = _get(emu, req.params["id"])
    if _api(emu, inv)["state"] != "pending":
        return error(400, "The invitation is not pending.", "invitation_invalid")
    user = store.user_by_email(inv["email"]) or store.create_user(inv["email"])
    _accept(emu, inv, user.id)
    return json_response(_api(emu, inv))


@r.route("POST", "/user_management/invitations/{id}/revoke")
def revoke_invitation(emu: Emulator, req: Request) -> Response:
    inv = _get(emu, req.params["id"])
    if _api(emu, inv)["state"] != "pending":
        return error(400, "The invitation is not pending.", "invitation_invalid")
    now = emu.store.now()
    inv.update(state="revoked", revoked_at=now, updated_at=now)
    _emit(emu, "invitation.revoked", inv)
    return json_response(_api(emu, inv))


@r.route("POST", "/user_management/invitations/{id}/resend")
def resend_invitation(emu: Emulator, req: Request) -> Response:
    inv = _get(emu, req.params["id"])
    if inv["state"] != "pending":
        return error(400, "The invitation is not pending.", "invitation_invalid")
    now = emu.store.now()
    inv.update(expires_at=now + 7 * DAY, updated_at=now)
    _mail(emu, inv)
    _emit(emu, "invitation.resent", inv)
    return json_response(_api(emu, inv))
