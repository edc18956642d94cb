"""Step-up (max_age, auth_time, recent_auth_required) and re-authentication on org switch."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.template import Context, Template
from django.test import Client, RequestFactory

ADA = {"email": "ada@acme.test", "first_name": "Ada", "last_name": "Lovelace",
       "organization_name": "Acme", "role": "admin"}


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def follow_workos(emu: Any, client: Client, authorize: str, **choice: Any) -> Any:
    back = urlsplit(emu.control.complete_sign_in(authorize, **choice))
    return client.get(f"{back.path}?{back.query}")


def test_sign_in_passes_max_age(emu: Any, client: Client) -> None:
    response = client.get("/auth/sign-in/", {"max_age": "0"})
    assert response.status_code == 302 and query(response["Location"])["max_age"] == ["0"]
    for bad in ("-1", "soon", "9" * 12):
        assert client.get("/auth/sign-in/", {"max_age": bad}).status_code == 400


def test_template_tag_takes_max_age(emu: Any) -> None:
    request = RequestFactory().get("/account/")
    html = Template("{% load authkit %}{% authkit_sign_in_url max_age=300 %}").render(
        Context({"request": request})
    )
    assert "max_age=300" in html and "next=%2Faccount%2F" in html


def test_auth_time_on_request_authkit(signed_in: Client) -> None:
    before = int(time.time())
    body = signed_in.get("/sensitive/").json()
    assert abs(body["auth_time"] - before) <= 5


def test_recent_auth_required_sends_the_user_through_sign_in_and_back(
    emu: Any, signed_in: Client
) -> None:
    assert signed_in.get("/sensitive/").status_code == 200
    time.sleep(3.1)  # the view allows two seconds since the sign-in
    stale = signed_in.get("/sensitive/?tab=2")
    assert stale.status_code == 302
    params = query(stale["Location"])
    assert params["max_age"] == ["2"] and params["login_hint"] == ["ada@acme.test"]
    assert params["code_challenge_method"] == ["S256"] and params["state"]
    api = signed_in.get("/sensitive/", HTTP_ACCEPT="application/json")
    assert api.status_code == 401 and api.json()["error"] == "reauthentication_required"
    assert api.json()["authorizationUrl"].startswith(emu.url)
    done = follow_workos(emu, signed_in, stale["Location"], **ADA)
    assert (done.status_code, done["Location"]) == (302, "/sensitive/?tab=2")
    assert signed_in.get("/sensitive/").status_code == 200


def test_recent_auth_required_sends_anonymous_users_to_sign_in(emu: Any, client: Client) -> None:
    response = client.get("/sensitive/")
    assert response.status_code == 302 and "next=/sensitive/" in response["Location"]


def _other_org(emu: Any, email: str) -> str:
    seeded = emu.control.seed({"organizations": [{"name": "Secure"}],
                               "memberships": [{"user": email, "organization": "Secure",
                                                "role": "member"}]})
    return str(seeded["organizations"][0]["id"])


def test_switch_needing_sso_sends_the_user_to_sign_in_to_that_organization(
    emu: Any, signed_in: Client
) -> None:
    target = _other_org(emu, "ada@acme.test")
    emu.control.fault("/user_management/authenticate", status=400, body={
        "error": "sso_required", "error_description": "SSO required.",
        "email": "ada@acme.test", "connection_ids": ["conn_x"]})
    response = signed_in.post("/auth/switch-organization/",
                              {"organization_id": target, "next": "/org/"})
    assert response.status_code == 302, response.content[:300]
    params = query(response["Location"])
    assert params["organization_id"] == [target] and params["state"]
    assert params["code_challenge_method"] == ["S256"]
    done = follow_workos(emu, signed_in, response["Location"], email="ada@acme.test",
                         organization_id=target)
    assert (done.status_code, done["Location"]) == (302, "/org/")
    assert signed_in.get("/org/").json() == {"organization_id": target}


def test_switch_needing_mfa_answers_json_callers_409(emu: Any, signed_in: Client) -> None:
    target = _other_org(emu, "ada@acme.test")
    emu.control.fault("/user_management/authenticate", status=403, body={
        "code": "mfa_enrollment", "message": "Enroll in MFA.",
        "pending_authentication_token": "p", "user": None})
    response = signed_in.post("/auth/switch-organization/", {"organization_id": target},
                              HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "reauthentication_required" and body["reason"] == "mfa_enrollment"
    assert query(body["authorizationUrl"])["organization_id"] == [target]


def test_switch_to_a_non_member_organization_is_still_403(emu: Any, signed_in: Client) -> None:
    seeded = emu.control.seed({"organizations": [{"name": "Elsewhere"}]})
    response = signed_in.post("/auth/switch-organization/",
                              {"organization_id": seeded["organizations"][0]["id"]},
                              HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and response.json()["error"] == "organization_not_allowed"


def test_switch_reauthentication_returns_to_the_referring_page(
    emu: Any, signed_in: Client
) -> None:
    target = _other_org(emu, "ada@acme.test")
    emu.control.fault("/user_management/authenticate", status=400, body={
        "error": "sso_required", "error_description": "SSO required."})
    response = signed_in.post("/auth/switch-organization/", {"organization_id": target},
                              HTTP_REFERER="http://testserver/org/?tab=1")
    done = follow_workos(emu, signed_in, response["Location"], email="ada@acme.test",
                         organization_id=target)
    assert done["Location"] == "/org/?tab=1"
