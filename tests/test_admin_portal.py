"""'Open Admin Portal' on the Organization admin, over real HTTP against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client

from django_authkit.models import Organization


@pytest.fixture
def org(emu: Any, authkit_sign_in: Any) -> Organization:
    authkit_sign_in(Client(), email="ada@acme.test", organization_name="Acme", role="admin")
    return Organization.objects.get()


def _staff(*codenames: str, superuser: bool = False) -> Client:
    users = get_user_model().objects
    name = "root" if superuser else "staff_" + "_".join(codenames or ("none",))
    if superuser:
        user = users.create_superuser(name, f"{name}@example.test", "pw-12345!")
    else:
        user = users.create_user(name, f"{name}@example.test", "pw-12345!", is_staff=True)
        for codename in codenames:
            user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _post(client: Client, org: Organization, **data: str) -> Any:
    url = f"/admin/authkit/organization/{org.pk}/portal/"
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies[
        "csrftoken"
    ].value
    return client.post(url, {"csrfmiddlewaretoken": token, **data})


def _errors(response: Any) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


@pytest.mark.parametrize("intent", ["sso", "dsync", "domain_verification"])
def test_redirects_to_a_link_for_the_organization_and_intent(
    emu: Any, org: Organization, intent: str
) -> None:
    staff = _staff(superuser=True)
    emu.control.clear_calls()
    response = _post(staff, org, intent=intent)
    calls = emu.control.calls(path="/portal/generate_link")
    assert [c["status"] for c in calls] == [201], calls
    assert response.status_code == 302
    link = response["Location"]
    assert link.startswith(f"{emu.url}/portal/launch?secret=")
    # The landing page names the organization and intent the link was made for.
    landing = requests.get(link, timeout=10)
    assert landing.status_code == 200, landing.text
    assert "Admin Portal · Acme" in landing.text
    assert f"<strong>{intent}</strong>" in landing.text


def test_default_intent_is_sso_and_the_change_page_offers_the_button(
    emu: Any, org: Organization
) -> None:
    staff = _staff(superuser=True)
    change = staff.get(f"/admin/authkit/organization/{org.pk}/change/").content.decode()
    assert f"/admin/authkit/organization/{org.pk}/portal/" in change
    response = _post(staff, org)
    assert response.status_code == 302
    assert len(emu.control.calls(path="/portal/generate_link")) == 1
    assert "<strong>sso</strong>" in requests.get(response["Location"], timeout=10).text


def test_change_permission_suffices(emu: Any, org: Organization) -> None:
    response = _post(_staff("view_organization", "change_organization"), org, intent="sso")
    assert response.status_code == 302


def test_view_permission_alone_is_refused(emu: Any, org: Organization) -> None:
    viewer = _staff("view_organization")
    url = f"/admin/authkit/organization/{org.pk}/portal/"
    assert viewer.get(url).status_code == 403
    change = viewer.get(f"/admin/authkit/organization/{org.pk}/change/")
    assert change.status_code == 200 and "/portal/" not in change.content.decode()
    viewer_csrf = Client()  # CSRF aside: the POST itself is refused
    viewer_csrf.force_login(
        get_user_model().objects.get(username="staff_view_organization"),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    assert viewer_csrf.post(url, {"intent": "sso"}).status_code == 403
    assert emu.control.calls(path="/portal/generate_link") == []


def test_get_makes_no_link_and_post_needs_csrf(emu: Any, org: Organization) -> None:
    staff = _staff(superuser=True)
    url = f"/admin/authkit/organization/{org.pk}/portal/"
    assert staff.get(url, {"intent": "sso"}).status_code == 200
    assert staff.post(url, {"intent": "sso"}).status_code == 403  # no CSRF token
    assert emu.control.calls(path="/portal/generate_link") == []


def test_workos_server_error_is_a_message_not_a_500(emu: Any, org: Organization) -> None:
    staff = _staff(superuser=True)
    emu.control.fault("/portal/generate_link", status=503, count=None)
    response = _post(staff, org, intent="sso")
    assert response.status_code == 200
    errors = _errors(response)
    assert errors and "Admin Portal link" in errors[0], errors


def test_unknown_intent_is_refused_without_calling_workos(emu: Any, org: Organization) -> None:
    response = _post(_staff(superuser=True), org, intent="javascript:alert(1)")
    assert response.status_code == 200 and _errors(response)
    assert emu.control.calls(path="/portal/generate_link") == []


def test_unknown_organization_is_404(emu: Any, org: Organization) -> None:
    staff = _staff(superuser=True)
    assert staff.get("/admin/authkit/organization/999999/portal/").status_code == 404


def test_the_button_follows_has_portal_permission(
    emu: Any, org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site that narrows who may open the portal does not show the button to the others
    (it followed the change permission, and the click then answered 403)."""
    from django.contrib import admin

    site_admin = type(admin.site._registry[Organization])
    monkeypatch.setattr(site_admin, "has_portal_permission",
                        lambda self, request, obj: request.user.is_superuser)
    portal = f"/admin/authkit/organization/{org.pk}/portal/"
    change = f"/admin/authkit/organization/{org.pk}/change/"
    staff = _staff("view_organization", "change_organization")
    page = staff.get(change)
    assert page.status_code == 200 and portal not in page.content.decode()
    assert staff.get(portal).status_code == 403
    root = _staff(superuser=True)
    assert portal in root.get(change).content.decode()
