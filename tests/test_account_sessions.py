"""``account-sessions``: a user's own WorkOS sessions, ending one or all the others.

Real flow against the emulator: each browser signs in through the hosted page;
sessions are listed and revoked at the emulator over HTTP.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from django_authkit.models import AuthKitSession

PAGE = reverse("authkit:account-sessions")
API = reverse("authkit:api-account-sessions")
ADA = {"email": "ada@acme.test", "organization_name": "Acme", "role": "admin"}


def browser(authkit_sign_in: Any, who: dict[str, Any] = ADA, **kw: Any) -> Client:
    client = Client(**kw)
    response = authkit_sign_in(client, **who)
    assert response.status_code == 302, response.content[:300]
    return client


def sid(client: Client) -> str:
    row = AuthKitSession.objects.get(django_session_key=client.session.session_key)
    return row.session_id


@pytest.fixture
def two(emu: Any, authkit_sign_in: Any) -> tuple[Client, Client]:
    """Ada on a laptop and on a phone."""
    laptop = browser(authkit_sign_in, HTTP_USER_AGENT="Laptop/1.0")
    phone = browser(authkit_sign_in, HTTP_USER_AGENT="Phone/2.0")
    return laptop, phone


def test_lists_the_users_sessions_with_this_one_marked(two: tuple[Client, Client]) -> None:
    laptop, _phone = two
    response = laptop.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-session-id=") == 2, html
    assert f'aria-current="true" class="current" data-session-id="{sid(laptop)}"' in html
    assert "Phone/2.0" in html and "Laptop/1.0" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response[
        "Cache-Control"]


def test_ending_another_session_signs_that_browser_out_here_and_at_workos(
    emu: Any, two: tuple[Client, Client]
) -> None:
    laptop, phone = two
    phone_sid = sid(phone)
    response = laptop.post(PAGE, {"session_id": phone_sid})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert phone.get("/private/").status_code == 302  # signed out
    assert laptop.get("/private/").status_code == 200
    assert emu.control.calls("/user_management/sessions/revoke", "POST")
    assert AuthKitSession.objects.get(session_id=phone_sid).ended_at is not None
    assert laptop.get(PAGE).content.decode().count("data-session-id=") == 1


def test_end_all_others(emu: Any, authkit_sign_in: Any, two: tuple[Client, Client]) -> None:
    laptop, phone = two
    tablet = browser(authkit_sign_in)
    laptop.post(PAGE, {"end_others": "1"})
    assert phone.get("/private/").status_code == 302
    assert tablet.get("/private/").status_code == 302
    assert laptop.get("/private/").status_code == 200
    assert len(emu.control.calls("/user_management/sessions/revoke", "POST")) == 2


def test_another_users_session_cannot_be_ended_even_by_an_admin(
    emu: Any, authkit_sign_in: Any
) -> None:
    admin_of_acme = browser(authkit_sign_in)
    grace = browser(authkit_sign_in, {"email": "grace@beta.test", "organization_name": "Beta",
                                      "role": "admin"})
    colleague = browser(authkit_sign_in, {"email": "bob@acme.test", "organization_name": "Acme",
                                          "role": "member"})
    for victim in (grace, colleague):
        response = admin_of_acme.post(PAGE, {"session_id": sid(victim)})
        assert response.status_code == 404
        assert victim.get("/private/").status_code == 200
    listed = admin_of_acme.get(API).json()["data"]
    assert [s["current"] for s in listed] == [True]  # only Ada's own
    assert not emu.control.calls("/user_management/sessions/revoke", "POST")


def test_the_current_session_is_ended_by_signing_out(two: tuple[Client, Client]) -> None:
    laptop, _ = two
    assert laptop.post(PAGE, {"session_id": sid(laptop)}).status_code == 400
    assert laptop.get("/private/").status_code == 200


def test_csrf_is_required(emu: Any, authkit_sign_in: Any) -> None:
    laptop = browser(authkit_sign_in, enforce_csrf_checks=True)
    phone = browser(authkit_sign_in)
    assert laptop.post(PAGE, {"session_id": sid(phone)}).status_code == 403
    assert laptop.post(API, json.dumps({"end_others": True}),
                       content_type="application/json").status_code == 403
    assert phone.get("/private/").status_code == 200


def test_anonymous_gets_a_sign_in_link_and_json_gets_401(emu: Any, client: Client) -> None:
    page = client.get(PAGE)
    assert page.status_code == 401  # a link, not a redirect: no AuthKit URL loops to sign-in
    assert 'href="/auth/sign-in/?next=%2Fauth%2Faccount%2Fsessions%2F"' in page.content.decode()
    assert client.get(API).status_code == 401
    assert client.post(API, "{}", content_type="application/json").status_code == 401


def test_a_workos_outage_is_a_503_with_retry_after(emu: Any, two: tuple[Client, Client]) -> None:
    laptop, _phone = two
    emu.control.fault("/user_management/users/*", method="GET", status=503, count=2)
    page = laptop.get(PAGE)
    assert page.status_code == 503 and page["Retry-After"]
    api = laptop.get(API)
    assert api.status_code == 503 and api.json()["error"] == "workos_unavailable"


def test_json_lists_and_ends(two: tuple[Client, Client]) -> None:
    laptop, phone = two
    listed = laptop.get(API).json()["data"]
    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    assert {"id", "ip_address", "user_agent", "created_at", "last_seen_at"} <= set(listed[0])
    other = next(s["id"] for s in listed if not s["current"])
    ended = laptop.post(API, json.dumps({"session_id": other}), content_type="application/json")
    assert ended.status_code == 200 and ended.json() == {"ended": 1}
    assert phone.get("/private/").status_code == 302
    bad = laptop.post(API, "[1]", content_type="application/json")
    assert bad.status_code == 400
