"""The whole sign-in flow over real HTTP against the emulator."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit.core import crypto
from django_authkit.models import AuthKitSession, Membership, Organization, WorkOSUser


def test_sign_in_redirects_to_workos_with_state_and_pkce(emu: Any, client: Client) -> None:
    response = client.get("/auth/sign-in/", {"next": "/private/"})
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}" == emu.url
    assert url.path == "/user_management/authorize"
    query = parse_qs(url.query)
    assert query["client_id"] == [emu.client_id]
    assert query["response_type"] == ["code"]
    assert query["provider"] == ["authkit"]
    assert query["redirect_uri"] == ["http://testserver/auth/callback/"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 43
    assert "no-cache" in response["Cache-Control"]


def test_sign_up_opens_the_sign_up_screen(emu: Any, client: Client) -> None:
    response = client.get("/auth/sign-up/")
    assert parse_qs(urlsplit(response["Location"]).query)["screen_hint"] == ["sign-up"]


def test_full_sign_in_provisions_user_and_session(
    emu: Any, client: Client, authkit_sign_in: Any
) -> None:
    client.get("/")  # an anonymous session first: its key must not survive sign-in
    before = client.cookies.get("sessionid")
    response = authkit_sign_in(
        client,
        next="/private/",
        email="ada@acme.test",
        first_name="Ada",
        last_name="Lovelace",
        organization_name="Acme",
        role="admin",
    )
    assert response.status_code == 302
    assert response["Location"] == "/private/"
    assert response["Referrer-Policy"] == "no-referrer"
    assert before is None or client.cookies["sessionid"].value != before.value

    user = get_user_model().objects.get(email="ada@acme.test")
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert not user.has_usable_password()
    link = WorkOSUser.objects.get(user=user)
    assert link.workos_id.startswith("user_")

    row = AuthKitSession.objects.get(user=user)
    assert row.session_id.startswith("session_")
    assert "eyJ" not in row.access_token and "eyJ" not in row.refresh_token  # encrypted at rest
    assert crypto.decrypt(row.access_token).count(".") == 2

    org = Organization.objects.get(workos_id=row.organization_id)
    assert org.name == "Acme"
    membership = Membership.objects.get(user=user, organization=org)
    assert membership.role == "admin"
    assert "members:manage" in membership.permissions

    page = client.get("/private/").json()
    assert page == {"email": "ada@acme.test", "sid": row.session_id}
    home = client.get("/").json()
    assert home["authenticated"] is True
    assert home["organization_id"] == org.workos_id
    assert home["role"] == "admin"


def test_signed_in_requests_do_not_call_workos(signed_in: Client, emu: Any) -> None:
    emu.control.clear_calls()
    for _ in range(5):
        assert signed_in.get("/private/").status_code == 200
    assert emu.control.calls() == []


def test_second_sign_in_reuses_the_django_user(emu: Any, authkit_sign_in: Any) -> None:
    for _ in range(2):
        client = Client()
        response = authkit_sign_in(client, email="bob@example.test", first_name="Bob")
        assert response.status_code == 302
    assert get_user_model().objects.filter(email="bob@example.test").count() == 1
    assert AuthKitSession.objects.count() == 2


def test_login_required_sends_anonymous_users_to_sign_in(emu: Any, client: Client) -> None:
    response = client.get("/private/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/sign-in/?next=/private/")


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.test/",
        "//evil.test/",
        "/\\evil.test",
        "javascript:alert(1)",
        "/ok\nLocation: https://evil.test",
        "\t/private/",
        "http:/evil.test",
    ],
)
def test_hostile_next_falls_back_to_the_default(
    emu: Any, client: Client, authkit_sign_in: Any, hostile: str
) -> None:
    response = authkit_sign_in(client, next=hostile, email="eve@example.test")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_parallel_sign_ins_in_two_tabs_both_work(emu: Any, client: Client) -> None:
    first = client.get("/auth/sign-in/", {"next": "/a/"})["Location"]
    second = client.get("/auth/sign-in/", {"next": "/private/"})["Location"]
    cb_second = emu.control.complete_sign_in(second, email="tab@example.test")
    cb_first = emu.control.complete_sign_in(first, email="tab@example.test")
    assert client.get(_path(cb_second))["Location"] == "/private/"
    assert client.get(_path(cb_first))["Location"] == "/a/"


def _path(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


def test_fresh_session_costs_no_extra_query(
    signed_in: Client, django_assert_num_queries: Any
) -> None:
    signed_in.get("/private/")
    with django_assert_num_queries(2):  # the session row and the user, as plain Django
        assert signed_in.get("/private/").status_code == 200
