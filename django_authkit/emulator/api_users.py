"""Users (§7.2) and sessions (§6.2) under ``/user_management``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator.crud import with_external_id
from django_authkit.emulator.models import Session, User, hash_password
from django_authkit.emulator.routing import Request, Response, error, json_response, list_page
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import Conflict, NotFound, normalize_email

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator


@r.route("GET", "/user_management/users")
def list_users(emu: Emulator, req: Request) -> Response:
    store = emu.store
    users = list(store.users.values())
    email = req.arg("email")
    if email:
        users = [u for u in users if u.email == normalize_email(email)]
    org_id = req.arg("organization_id") or req.arg("organization")
    if org_id:
        members = {m.user_id for m in store.memberships.values() if m.organization_id == org_id}
        users = [u for u in users if u.id in members]
    return list_page(req, users, User.to_api)


def _password(body: dict[str, Any]) -> str | None:
    """A plaintext password from either the flat or the SDK's nested form."""
    value = body.get("password")
    if isinstance(value, dict):
        value = value.get("password") or value.get("value")
    return str(value) if value else None


@r.route("POST", "/user_management/users")
def create_user(emu: Emulator, req: Request) -> Response:
    user = emu.store.create_user(
        req.required("email"),
        first_name=req.text("first_name"),
        last_name=req.text("last_name"),
        email_verified=bool(req.field("email_verified")),
        password=_password(req.body),
        external_id=req.text("external_id"),
        metadata=req.field("metadata") if isinstance(req.field("metadata"), dict) else None,
    )
    return json_response(user.to_api(), 201)


@r.route("GET", "/user_management/users/external_id/{external_id}")
def get_user_by_external_id(emu: Emulator, req: Request) -> Response:
    users = emu.store.users.values()
    return json_response(with_external_id(users, "User", req.params["external_id"]).to_api())


@r.route("GET", "/user_management/users/{id}")
def get_user(emu: Emulator, req: Request) -> Response:
    return json_response(emu.store.user(req.params["id"]).to_api())


@r.route("PUT", "/user_management/users/{id}")
def update_user(emu: Emulator, req: Request) -> Response:
    store = emu.store
    user = store.user(req.params["id"])
    body = req.body
    if body.get("email"):
        email = normalize_email(str(body["email"]))
        other = store.user_by_email(email)
        if other is not None and other.id != user.id:
            raise Conflict("This email is not available.", "email_not_available")
        user.email = email
    for key in ("first_name", "last_name", "external_id", "locale", "profile_picture_url"):
        if key in body:
            setattr(user, key, body[key] if body[key] not in ("",) else None)
    if "email_verified" in body:
        user.email_verified = bool(body["email_verified"])
    if isinstance(body.get("metadata"), dict):
        user.metadata = {str(k): str(v) for k, v in body["metadata"].items() if v is not None}
    new_password = _password(body)
    if new_password:
        user.password_hash = hash_password(new_password)
    user.updated_at = store.now()
    store.emit("user.updated", user.to_api())
    return json_response(user.to_api())


@r.route("DELETE", "/user_management/users/{id}")
def delete_user(emu: Emulator, req: Request) -> Response:
    emu.store.delete_user(req.params["id"])
    return Response(204)


@r.route("GET", "/user_management/users/{id}/identities")
def list_identities(emu: Emulator, req: Request) -> Response:
    """A bare array of the OAuth identities the user has signed in with."""
    emu.store.user(req.params["id"])
    return json_response(emu.store.extra.get("identities", {}).get(req.params["id"], []))


@r.route("GET", "/user_management/users/{id}/sessions")
def list_sessions(emu: Emulator, req: Request) -> Response:
    store = emu.store
    store.user(req.params["id"])
    now = store.now()
    sessions = [s for s in store.sessions.values() if s.user_id == req.params["id"]]
    for s in sessions:
        if s.status == "active" and s.expires_at < now:
            s.status = "expired"
    return list_page(req, sessions, Session.to_api)


@r.route("POST", "/user_management/sessions/revoke")
def revoke_session(emu: Emulator, req: Request) -> Response:
    store = emu.store
    session_id = req.required("session_id")
    session = store.sessions.get(session_id)
    if session is None:
        return error(400, f"Session not found: '{session_id}'", "session_not_found")
    store.end_session(session)
    return json_response({"success": True})


@r.route("GET", "/sso/jwks/{client_id}", public=True)
def jwks(emu: Emulator, req: Request) -> Response:
    if req.params["client_id"] != emu.client_id:
        raise NotFound("Client", req.params["client_id"])
    return json_response(emu.keys.jwks())


@r.route("GET", "/user_management/{client_id}/.well-known/openid-configuration", public=True)
def openid_configuration(emu: Emulator, req: Request) -> Response:
    """The issuer and key set this client's tokens carry, as OpenID discovery spells them.

    ``authkit_doctor`` reads ``issuer`` from here to compare it with what a site accepts.
    """
    if req.params["client_id"] != emu.client_id:
        raise NotFound("Client", req.params["client_id"])
    base = emu.base_url
    return json_response({
        "issuer": emu.issuer,
        "authorization_endpoint": f"{base}/user_management/authorize",
        "token_endpoint": f"{base}/user_management/authenticate",
        "jwks_uri": f"{base}/sso/jwks/{emu.client_id}",
        "end_session_endpoint": f"{base}/user_management/sessions/logout",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    })
