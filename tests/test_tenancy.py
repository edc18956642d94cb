"""A site with three organizations: only the operator's roles grant power here.

Operator runs the site (``STAFF_ORGANIZATIONS``); Customer A and Customer B are
customers. Browsers are ``requests`` sessions against the live server, signing in
through the emulator's hosted page; membership changes arrive as signed webhooks.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model

from django_authkit.models import Organization
from django_authkit.signin.start import pkce_pair
from django_authkit.workos import get_workos

SECRET = "whsec_tenancy"
OPERATOR, CUSTOMER_A, CUSTOMER_B = "org_operator", "org_customera", "org_customerb"
APP_REDIRECT = "com.example.app://callback"
SEED = {
    "organizations": [
        {"id": OPERATOR, "name": "Operator", "domains": ["operator.test"]},
        {"id": CUSTOMER_A, "name": "Customer A", "domains": ["a.test"]},
        {"id": CUSTOMER_B, "name": "Customer B", "domains": ["b.test"]},
    ],
    "users": [
        {"email": "olga@operator.test", "first_name": "Olga"},
        {"email": "carl@a.test", "first_name": "Carl"},
        {"email": "mona@operator.test", "first_name": "Mona"},
    ],
    "memberships": [
        # the operator's admin, also an admin of a customer (a consultant, say)
        {"user": "olga@operator.test", "organization": OPERATOR, "role": "admin"},
        {"user": "olga@operator.test", "organization": CUSTOMER_A, "role": "admin"},
        # a customer's admin, only a member of the other customer
        {"user": "carl@a.test", "organization": CUSTOMER_A, "role": "admin"},
        {"user": "carl@a.test", "organization": CUSTOMER_B, "role": "member"},
        # a member of the operator who administers a customer
        {"user": "mona@operator.test", "organization": OPERATOR, "role": "member"},
        {"user": "mona@operator.test", "organization": CUSTOMER_A, "role": "admin"},
    ],
    "connections": [{"id": "conn_operator", "organization": OPERATOR}],
}


class Browser:
    """A browser: cookies, the live site, the emulator's hosted page."""

    def __init__(self, base: str, emu: Any) -> None:
        self.base, self.emu = base, emu
        self.http = requests.Session()
        self.http.trust_env = False

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=10)

    def post(self, path: str, data: dict[str, Any]) -> requests.Response:
        token = self.http.cookies.get("csrftoken") or self.get("/auth/csrf/").json()["csrfToken"]
        return self.http.post(self.base + path, data={"csrfmiddlewaretoken": token, **data},
                              allow_redirects=False, timeout=10)

    def sign_in(self, email: str, organization_id: str) -> None:
        start = self.get("/auth/sign-in/")
        assert start.status_code == 302, start.text[:300]
        back = self.emu.control.complete_sign_in(
            start.headers["Location"], email=email, organization_id=organization_id)
        done = self.http.get(back, allow_redirects=False, timeout=10)
        assert done.status_code == 302, done.text[:300]

    def switch(self, organization_id: str) -> None:
        response = self.post("/auth/switch-organization/", {"organization_id": organization_id})
        assert response.status_code == 302, response.text[:300]
        assert self.get("/").json()["organization_id"] == organization_id


@pytest.fixture
def site(authkit_emulator: Any, transactional_db: Any, live_server: Any,
         settings: Any) -> Iterator[Any]:
    emu = authkit_emulator
    emu.control.configure(redirect_uris=[f"{live_server.url}/auth/callback/", APP_REDIRECT])
    emu.control.seed(SEED)
    settings.AUTHKIT = {
        **settings.AUTHKIT,
        "STAFF_ORGANIZATIONS": [OPERATOR],
        "STAFF_ROLES": ["admin"],
        "SUPERUSER_ROLES": ["admin"],
        "ROLE_GROUPS": {"admin": ["Editors"]},
        "WEBHOOK_SECRET": SECRET,
        "API_REDIRECT_URIS": [APP_REDIRECT],
    }
    browsers: list[Browser] = []

    class Site:
        url = live_server.url
        emulator = emu

        def browser(self) -> Browser:
            browsers.append(Browser(live_server.url, emu))
            return browsers[-1]

    yield Site()
    for b in browsers:
        b.http.close()  # no keep-alive connection may outlive the test's database


def powers(email: str) -> tuple[bool, bool, list[str]]:
    user = get_user_model().objects.get(email=email)
    return user.is_staff, user.is_superuser, sorted(user.groups.values_list("name", flat=True))


def test_a_customer_admin_is_not_the_sites_admin(site: Any) -> None:
    olga = site.browser()  # the operator's admin is the site's admin
    olga.sign_in("olga@operator.test", OPERATOR)
    assert powers("olga@operator.test") == (True, True, ["Editors"])
    assert olga.get("/admin/auth/user/").status_code == 200

    carl = site.browser()
    carl.sign_in("carl@a.test", CUSTOMER_A)
    assert carl.get("/").json()["role"] == "admin"  # admin of Customer A, as WorkOS says
    assert powers("carl@a.test") == (False, False, [])
    users = carl.get("/admin/auth/user/")
    assert users.status_code == 302 and "/admin/login/" in users.headers["Location"]
    other = Organization.objects.get(workos_id=OPERATOR)  # its SSO set-up, say
    site.emulator.control.clear_calls()
    portal = f"/admin/authkit/organization/{other.pk}/portal/"
    assert carl.get(portal).status_code == 302
    assert carl.post(portal, {"intent": "sso"}).status_code == 302  # to the admin login
    assert site.emulator.control.calls(path="/portal/generate_link") == []


def test_switching_organizations_follows_the_scoped_rule(site: Any) -> None:
    carl = site.browser()  # admin of Customer A, member of Customer B
    carl.sign_in("carl@a.test", CUSTOMER_A)
    carl.switch(CUSTOMER_B)
    assert powers("carl@a.test") == (False, False, [])
    assert carl.get("/admin/").status_code == 302

    mona = site.browser()  # member of the operator, admin of Customer A
    mona.sign_in("mona@operator.test", OPERATOR)
    assert powers("mona@operator.test") == (False, False, [])
    mona.switch(CUSTOMER_A)
    assert mona.get("/").json()["role"] == "admin"
    assert powers("mona@operator.test") == (False, False, [])
    assert mona.get("/admin/").status_code == 302

    olga = site.browser()  # the operator's admin stays staff in a customer organization
    olga.sign_in("olga@operator.test", OPERATOR)
    olga.switch(CUSTOMER_A)
    assert powers("olga@operator.test") == (True, True, ["Editors"])


def _operator_membership(email: str) -> str:
    workos = get_workos().user_management
    user_id = get_user_model().objects.get(email=email).workos.workos_id
    found = workos.list_organization_memberships(user_id=user_id, organization_id=OPERATOR).data
    return str(found[0].id)


def test_removal_from_the_operator_by_event_drops_the_flags(site: Any) -> None:
    olga = site.browser()
    olga.sign_in("olga@operator.test", OPERATOR)
    olga.switch(CUSTOMER_A)  # still an admin of Customer A after the removal
    assert powers("olga@operator.test") == (True, True, ["Editors"])
    site.emulator.control.add_webhook(
        f"{site.url}/auth/webhooks/", SECRET, ["organization_membership.deleted"])
    get_workos().user_management.delete_organization_membership(
        _operator_membership("olga@operator.test"))
    deliveries = site.emulator.control.webhook_deliveries(wait=10)
    assert [d["status"] for d in deliveries] == [200], deliveries
    assert powers("olga@operator.test") == (False, False, [])
    assert olga.get("/admin/").status_code == 302


def test_removal_from_the_operator_by_sync_drops_the_flags(site: Any) -> None:
    olga = site.browser()
    olga.sign_in("olga@operator.test", OPERATOR)
    root = site.browser()
    root.sign_in("olga@operator.test", OPERATOR)  # a second session: the one that syncs
    get_workos().user_management.delete_organization_membership(
        _operator_membership("olga@operator.test"))
    user = get_user_model().objects.get(email="olga@operator.test")
    synced = root.post("/admin/auth/user/", {"action": "sync_from_workos",
                                             "_selected_action": [user.pk]})
    assert synced.status_code == 302, synced.text[:300]
    assert powers("olga@operator.test") == (False, False, [])
    assert olga.get("/admin/").status_code == 302


def test_sso_first_never_takes_the_identity_providers_role(site: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "API_SSO_EXCHANGE_FIRST": True}
    emu = site.emulator
    verifier, challenge = pkce_pair()
    url = get_workos().sso.get_authorization_url(
        redirect_uri=APP_REDIRECT, state="s", connection="conn_operator",
        code_challenge=challenge)
    back = parse_qs(urlsplit(emu.control.complete_sign_in(
        url, email="nina@operator.test", first_name="Nina")).query)
    # The operator's identity provider says "admin": WorkOS's membership decides, not it.
    profile = {
        "object": "profile", "id": "prof_" + secrets.token_hex(8), "email": "nina@operator.test",
        "organization_id": OPERATOR, "connection_id": "conn_operator",
        "connection_type": "GenericOIDC", "idp_id": "nina", "first_name": "Nina",
        "last_name": None, "role": {"slug": "admin"}, "raw_attributes": {},
    }
    requests.post(f"{emu.url}/_emulator/faults", timeout=10, json={
        "path": "/sso/token", "status": None, "count": 1, "patch": {"profile": profile},
    }).raise_for_status()
    response = requests.post(f"{site.url}/auth/api/callback/", timeout=10,
                             json={"code": back["code"][0], "codeVerifier": verifier})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["organizationId"] == OPERATOR
    assert body["user"]["accessRole"] != "admin"
    membership = get_workos().user_management.list_organization_memberships(
        user_id=body["user"]["id"], organization_id=OPERATOR).data
    assert [m.role for m in membership] == [body["user"]["accessRole"]]
    assert powers("nina@operator.test") == (False, False, [])


@pytest.mark.parametrize("mapping", [{"STAFF_ROLES": ["admin"]}, {"SUPERUSER_ROLES": ["owner"]},
                                     {"ROLE_GROUPS": {"admin": ["Editors"]}}])
def test_roles_mapped_with_no_organization_named_is_an_error(
    settings: Any, mapping: dict[str, Any]
) -> None:
    from django.core.checks import run_checks

    settings.AUTHKIT = {**settings.AUTHKIT, **mapping}
    found = [m for m in run_checks(tags=["security"]) if m.id == "authkit.E130"]
    assert len(found) == 1 and found[0].is_serious(), found
    assert "customer organization would become staff or superuser" in found[0].msg
    assert "STAFF_ORGANIZATIONS" in (found[0].hint or "")
    settings.AUTHKIT = {**settings.AUTHKIT, "STAFF_ORGANIZATIONS": [OPERATOR]}
    assert [m for m in run_checks(tags=["security"]) if m.id == "authkit.E130"] == []
