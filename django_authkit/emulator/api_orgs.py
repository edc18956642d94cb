"""Organizations (§8) and organization memberships (§7.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_authkit.emulator.crud import first_or_404, with_external_id
from django_authkit.emulator.models import Membership, Organization
from django_authkit.emulator.routing import Request, Response, invalid, json_response, list_page
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import Conflict

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator


def _domain_input(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    """``domain_data`` (objects) or legacy ``domains`` (strings), if either was sent."""
    if isinstance(body.get("domain_data"), list):
        return [
            {"domain": str(d["domain"]), "state": d.get("state")}
            for d in body["domain_data"]
            if isinstance(d, dict) and d.get("domain")
        ]
    if isinstance(body.get("domains"), list):
        return [{"domain": str(d)} for d in body["domains"] if d]
    return None


@r.route("GET", "/organizations")
def list_organizations(emu: Emulator, req: Request) -> Response:
    orgs = list(emu.store.organizations.values())
    domains = {d.lower() for d in req.arg_list("domains")}
    if domains:
        orgs = [o for o in orgs if domains & {d.domain for d in o.domains}]
    search = (req.arg("search") or "").strip().casefold()
    if search:
        orgs = [o for o in orgs if search in o.name.casefold()]
    return list_page(req, orgs, Organization.to_api)


@r.route("POST", "/organizations")
def create_organization(emu: Emulator, req: Request) -> Response:
    org = emu.store.create_organization(
        req.required("name"),
        domains=_domain_input(req.body),
        external_id=req.text("external_id"),
        metadata=req.field("metadata") if isinstance(req.field("metadata"), dict) else None,
    )
    if "allow_profiles_outside_organization" in req.body:
        org.allow_profiles_outside_organization = bool(
            req.body["allow_profiles_outside_organization"]
        )
    return json_response(org.to_api(), 201)


@r.route("GET", "/organizations/external_id/{external_id}")
def get_organization_by_external_id(emu: Emulator, req: Request) -> Response:
    orgs = emu.store.organizations.values()
    return json_response(with_external_id(orgs, "Organization", req.params["external_id"]).to_api())


@r.route("GET", "/organizations/{id}")
def get_organization(emu: Emulator, req: Request) -> Response:
    return json_response(emu.store.organization(req.params["id"]).to_api())


@r.route("PUT", "/organizations/{id}")
def update_organization(emu: Emulator, req: Request) -> Response:
    store = emu.store
    org: Organization = store.organization(req.params["id"])
    body = req.body
    if req.text("name"):
        org.name = str(req.text("name"))
    if "external_id" in body:
        ext = req.text("external_id")
        if ext and any(
            o.external_id == ext and o.id != org.id for o in store.organizations.values()
        ):
            raise Conflict("External ID already used.", "external_id_already_used")
        org.external_id = ext
    if isinstance(body.get("metadata"), dict):
        org.metadata = {str(k): str(v) for k, v in body["metadata"].items() if v is not None}
    if "allow_profiles_outside_organization" in body:
        org.allow_profiles_outside_organization = bool(body["allow_profiles_outside_organization"])
    domains = _domain_input(body)
    if domains is not None:
        store.set_domains(org, domains)
    org.updated_at = store.now()
    store.emit("organization.updated", org.to_api(event=True))
    return json_response(org.to_api())


@r.route("DELETE", "/organizations/{id}")
def delete_organization(emu: Emulator, req: Request) -> Response:
    emu.store.delete_organization(req.params["id"])
    return Response(204)


# -- memberships ---------------------------------------------------------------------------


def _roles(emu: Emulator, body: dict[str, Any]) -> list[str] | None:
    """``role_slugs`` or ``role_slug`` from a body, validated against the role catalog."""
    slugs = body.get("role_slugs")
    if not isinstance(slugs, list):
        slugs = [body["role_slug"]] if body.get("role_slug") else None
    if slugs is None:
        return None
    unknown = [s for s in slugs if s not in emu.store.roles]
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(map(str, unknown))}")
    return [str(s) for s in slugs]


def _membership(emu: Emulator, m: Membership) -> Response:
    return json_response(emu.store.membership_api(m))


@r.route("GET", "/user_management/organization_memberships")
def list_memberships(emu: Emulator, req: Request) -> Response:
    items = list(emu.store.memberships.values())
    user_id, org_id = req.arg("user_id"), req.arg("organization_id")
    if user_id:
        items = [m for m in items if m.user_id == user_id]
    if org_id:
        items = [m for m in items if m.organization_id == org_id]
    statuses = set(req.arg_list("statuses"))
    if statuses:
        items = [m for m in items if m.status in statuses]
    return list_page(req, items, emu.store.membership_api)


@r.route("POST", "/user_management/organization_memberships")
def create_membership(emu: Emulator, req: Request) -> Response:
    user_id, org_id = req.required_all("user_id", "organization_id")
    store = emu.store
    roles = _roles(emu, req.body) or ["member"]
    existing = store.membership_for(user_id, org_id)
    if existing is not None and existing.status == "inactive":
        # Like WorkOS: creating over an inactive membership reactivates it.
        existing.status, existing.roles = "active", roles
        store.touch_membership(existing)
        return json_response(store.membership_api(existing), 201)
    m = store.create_membership(user_id, org_id, roles)
    return json_response(store.membership_api(m), 201)


@r.route("GET", "/user_management/organization_memberships/{id}")
def get_membership(emu: Emulator, req: Request) -> Response:
    return _membership(emu, emu.store.membership(req.params["id"]))


@r.route("PUT", "/user_management/organization_memberships/{id}")
def update_membership(emu: Emulator, req: Request) -> Response:
    m = emu.store.membership(req.params["id"])
    roles = _roles(emu, req.body)
    if roles:
        m.roles = roles
        emu.store.touch_membership(m)
    return _membership(emu, m)


def _set_status(emu: Emulator, req: Request, status: str) -> Response:
    m = emu.store.membership(req.params["id"])
    if m.status != status:
        m.status = status
        emu.store.touch_membership(m)
    return _membership(emu, m)


@r.route("PUT", "/user_management/organization_memberships/{id}/deactivate")
def deactivate_membership(emu: Emulator, req: Request) -> Response:
    return _set_status(emu, req, "inactive")


@r.route("PUT", "/user_management/organization_memberships/{id}/reactivate")
def reactivate_membership(emu: Emulator, req: Request) -> Response:
    return _set_status(emu, req, "active")


@r.route("DELETE", "/user_management/organization_memberships/{id}")
def delete_membership(emu: Emulator, req: Request) -> Response:
    emu.store.membership(req.params["id"])
    emu.store.delete_membership(req.params["id"])
    return Response(204)


# -- organization domains ------------------------------------------------------------------


def _find_domain(emu: Emulator, domain_id: str) -> tuple[Organization, Any]:
    orgs = emu.store.organizations.values()
    found = ((o, d) for o in orgs for d in o.domains if d.id == domain_id)
    return first_or_404(found, "Organization domain", domain_id)


@r.route("POST", "/organization_domains")
def create_domain(emu: Emulator, req: Request) -> Response:
    store = emu.store
    org = store.organization(req.text("organization_id") or "")
    name = (req.text("domain") or "").lower()
    if not name or "." not in name:
        raise invalid("A valid domain is required.")
    if any(d.domain == name for o in store.organizations.values() for d in o.domains):
        raise Conflict("The domain is already used by an organization.", "conflict")
    store.set_domains(org, [*({"domain": d.domain} for d in org.domains), {"domain": name}])
    domain = org.domains[-1]
    domain.state = "pending"
    store.emit("organization_domain.created", domain.to_api())
    return json_response(domain.to_api(), 201)


@r.route("GET", "/organization_domains/{id}")
def get_domain(emu: Emulator, req: Request) -> Response:
    return json_response(_find_domain(emu, req.params["id"])[1].to_api())


@r.route("POST", "/organization_domains/{id}/verify")
def verify_domain(emu: Emulator, req: Request) -> Response:
    _org, domain = _find_domain(emu, req.params["id"])
    domain.state = "verified"
    domain.updated_at = emu.store.now()
    emu.store.emit("organization_domain.verified", domain.to_api())
    return json_response(domain.to_api(), 201)


@r.route("DELETE", "/organization_domains/{id}")
def delete_domain(emu: Emulator, req: Request) -> Response:
    org, domain = _find_domain(emu, req.params["id"])
    org.domains.remove(domain)
    emu.store.emit("organization_domain.deleted", domain.to_api())
    return Response(204)
