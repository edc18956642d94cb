"""An honest admin: WorkOS-owned mirrors are read-only, and non-staff users are told why."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit.models import Membership, Organization, WorkOSUser


@pytest.fixture
def ada(emu: Any, authkit_sign_in: Any) -> Any:
    authkit_sign_in(Client(), email="ada@acme.test", organization_name="Acme", role="admin")
    return get_user_model().objects.get(email="ada@acme.test")


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Organization, ("name", "external_id", "domains", "metadata")),
        (Membership, ("role", "status")),
        (WorkOSUser, ("email",)),
    ],
)
def test_mirrors_cannot_be_edited_added_or_deleted(
    staff: Client, ada: Any, model: Any, fields: tuple[str, ...]
) -> None:
    row = model.objects.first()
    base = f"/admin/authkit/{model._meta.model_name}/"
    page = staff.get(f"{base}{row.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in fields:
        if any(f.name == name for f in model._meta.fields):
            assert f'name="{name}"' not in html, name  # shown, not an input
    if model is not WorkOSUser:  # a link may be added: tests/test_email_conflict.py
        assert staff.get(f"{base}add/").status_code == 403
    assert staff.get(f"{base}{row.pk}/delete/").status_code == 403
    listing = staff.get(base).content.decode()
    assert "delete_selected" not in listing
    before = {name: getattr(row, name) for name in fields}
    staff.post(f"{base}{row.pk}/change/", {f: "changed" for f in fields})
    row.refresh_from_db()
    assert {name: getattr(row, name) for name in fields} == before


def test_organization_session_policy_stays_editable(staff: Client, ada: Any) -> None:
    org = Organization.objects.get()
    url = f"/admin/authkit/organization/{org.pk}/change/"
    assert 'name="idle_timeout"' in staff.get(url).content.decode()
    response = staff.post(url, {"idle_timeout": "900", "session_max_age": "", "warning_time": "",
                                "name": "Renamed"})
    assert response.status_code == 302, response.content[:500]
    org.refresh_from_db()
    assert org.idle_timeout == 900
    assert org.name == "Acme"


def test_signed_in_non_staff_user_is_told_not_a_loop(
    emu: Any, settings: Any, authkit_sign_in: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ADMIN_LOGIN_VIA_AUTHKIT": True}
    member = Client()
    authkit_sign_in(member, email="m@acme.test", organization_name="Acme", role="member")
    to_login = member.get("/admin/")
    assert to_login.status_code == 302 and to_login["Location"].startswith("/admin/login/")
    response = member.get(to_login["Location"])
    assert response.status_code == 403
    assert b"are not authorized to access this page" in response.content
    assert b"m@acme.test" in response.content
    assert b"/auth/sign-out/" in response.content
    # the password form is still no back door for a signed-in user
    assert member.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 403
