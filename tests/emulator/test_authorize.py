"""The authorize endpoint, the hosted page and its form post."""

from __future__ import annotations

import requests

from tests.emulator.conftest import REDIRECT, Api, authorize_url, get_code, query_of


def test_page_lists_users_and_forms(emu, api: Api) -> None:
    emu.control.seed(
        {
            "organizations": [{"name": "Acme"}],
            "users": [{"email": "ann@acme.com", "first_name": "Ann", "last_name": "Lee"}],
            "memberships": [{"user": "ann@acme.com", "organization": "Acme", "role": "admin"}],
        }
    )
    page = api.get(authorize_url(emu, login_hint="bob@x.com")[len(emu.url) :])
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["X-Request-ID"]
    html = page.text
    assert "WorkOS emulator" in html
    assert "Ann Lee" in html and "ann@acme.com" in html and "Acme" in html
    assert 'value="bob@x.com"' in html
    for label in ("Continue with Google", "Continue with Microsoft", "Continue with GitHub"):
        assert label in html
    assert "Admin: impersonate" in html
    assert 'value="deny"' in html
    assert '<option value="admin"' in html and '<option value="member"' in html
    assert '<html lang="en">' in html and '<label for="email">' in html


def test_screen_hint_sign_up_puts_form_first(emu, api: Api) -> None:
    html = api.get(authorize_url(emu, screen_hint="sign-up")[len(emu.url) :]).text
    assert html.index("Create an account") < html.index("Sign in as")
    html = api.get(authorize_url(emu)[len(emu.url) :]).text
    assert html.index("Sign in as") < html.index("Use an e-mail")


def test_provider_preselected(emu, api: Api) -> None:
    html = api.get(authorize_url(emu, provider="GitHubOAuth")[len(emu.url) :]).text
    assert 'value="GitHubOAuth" class="preferred"' in html


def test_unknown_client_is_an_error_page(emu, api: Api) -> None:
    r = api.get(authorize_url(emu, client_id="client_other")[len(emu.url) :])
    assert r.status_code == 400 and "Location" not in r.headers
    assert "Invalid client" in r.text


def test_bad_redirect_uri_is_an_error_page(emu, api: Api) -> None:
    for uri in ("https://evil.example/cb", "javascript:alert(1)", "ftp://localhost/x", None):
        r = api.get(authorize_url(emu, redirect_uri=uri)[len(emu.url) :])
        assert r.status_code == 400, uri
        assert "Location" not in r.headers
        assert "Invalid redirect URI" in r.text


def test_configured_redirect_uris_are_allowed(emu, api: Api) -> None:
    emu.control.configure(redirect_uris=["https://app.example/cb", "http://testserver/*"])
    for uri in ("https://app.example/cb", "http://testserver/auth/callback/"):
        assert api.get(authorize_url(emu, redirect_uri=uri)[len(emu.url) :]).status_code == 200
    assert (
        api.get(
            authorize_url(emu, redirect_uri="https://app.example/x")[len(emu.url) :]
        ).status_code
        == 400
    )
    for uri in ("http://127.0.0.1:5000/cb", "http://[::1]:9/cb", "https://localhost/cb"):
        assert api.get(authorize_url(emu, redirect_uri=uri)[len(emu.url) :]).status_code == 200


def _redirect_error(api: Api, emu, **params) -> dict[str, str]:
    r = api.get(authorize_url(emu, **params)[len(emu.url) :])
    assert r.status_code == 302
    assert r.headers["Location"].startswith(REDIRECT + "?")
    return query_of(r.headers["Location"])


def test_error_redirects(emu, api: Api) -> None:
    q = _redirect_error(api, emu, response_type="token")
    assert q["error"] == "unsupported_response_type" and q["state"] == "st-123"
    q = _redirect_error(api, emu, code_challenge="abc", code_challenge_method="plain")
    assert q["error"] == "invalid_request"
    q = _redirect_error(api, emu, code_challenge="abc")
    assert q["error"] == "invalid_request"
    q = _redirect_error(api, emu, provider=None)
    assert q["error"] == "invalid_request" and q["error_description"]
    q = _redirect_error(api, emu, provider="nope")  # any well-formed <Name>OAuth is taken
    assert q["error"] == "invalid_request"
    q = _redirect_error(api, emu, provider=None, organization_id="org_missing")
    assert q["error"] == "organization_invalid"
    q = _redirect_error(api, emu, response_type="token", state=None)
    assert "state" not in q


def test_complete_creates_user_and_redirects_with_code(emu) -> None:
    location = emu.control.complete_sign_in(
        authorize_url(emu), email="  New@Example.COM ", first_name="New", last_name="Person"
    )
    q = query_of(location)
    assert location.startswith(REDIRECT + "?")
    assert q["state"] == "st-123" and len(q["code"]) > 20
    users = emu.control.state()["users"]
    assert [(u["email"], u["first_name"]) for u in users] == [("new@example.com", "New")]


def test_state_omitted_when_absent(emu) -> None:
    location = emu.control.complete_sign_in(authorize_url(emu, state=None), email="a@b.co")
    assert "state" not in query_of(location)


def test_deny(emu) -> None:
    q = query_of(emu.control.complete_sign_in(authorize_url(emu), deny=True))
    assert q["error"] == "access_denied" and q["state"] == "st-123" and "code" not in q


def test_unknown_request_id(emu, api: Api) -> None:
    r = api.post(
        "/user_management/authorize/complete", data={"request_id": "nope", "email": "a@b.co"}
    )
    assert r.status_code == 400 and "expired" in r.text


def test_request_expires(emu) -> None:
    http = requests.Session()
    http.trust_env = False
    page = http.get(authorize_url(emu))
    request_id = page.text.split('name="request_id" value="')[1].split('"')[0]
    emu.control.set_clock(advance=601)
    r = http.post(
        f"{emu.url}/user_management/authorize/complete",
        data={"request_id": request_id, "email": "a@b.co"},
        allow_redirects=False,
    )
    assert r.status_code == 400


def test_missing_choice_rerenders_with_error(emu) -> None:
    http = requests.Session()
    http.trust_env = False
    page = http.get(authorize_url(emu))
    request_id = page.text.split('name="request_id" value="')[1].split('"')[0]
    r = http.post(
        f"{emu.url}/user_management/authorize/complete",
        data={"request_id": request_id},
        allow_redirects=False,
    )
    assert r.status_code == 400 and 'role="alert"' in r.text and request_id in r.text


def test_organization_name_and_role_create_membership(emu) -> None:
    get_code(emu, email="a@b.co", organization_name="Globex", role="admin")
    state = emu.control.state()
    assert [o["name"] for o in state["organizations"]] == ["Globex"]
    (m,) = state["memberships"]
    assert m["role"] == {"slug": "admin"} and m["status"] == "active"
    # Signing in again finds the same organization (case-insensitively) and membership.
    get_code(emu, email="a@b.co", organization_name="globex")
    state = emu.control.state()
    assert len(state["organizations"]) == 1 and len(state["memberships"]) == 1


def test_organization_chooser(emu, api: Api) -> None:
    seeded = emu.control.seed(
        {
            "organizations": [{"name": "One"}, {"name": "Two"}],
            "users": [{"email": "multi@x.com"}],
            "memberships": [
                {"user": "multi@x.com", "organization": "One"},
                {"user": "multi@x.com", "organization": "Two", "role": "admin"},
            ],
        }
    )
    two = seeded["organizations"][1]["id"]
    # Without an organization the page asks; the control client reports that.
    http = requests.Session()
    http.trust_env = False
    page = http.get(authorize_url(emu))
    request_id = page.text.split('name="request_id" value="')[1].split('"')[0]
    chooser = http.post(
        f"{emu.url}/user_management/authorize/complete",
        data={"request_id": request_id, "user_id": seeded["users"][0]["id"]},
        allow_redirects=False,
    )
    assert chooser.status_code == 200
    assert 'id="organization-form"' in chooser.text and "One" in chooser.text
    done = http.post(
        f"{emu.url}/user_management/authorize/complete",
        data={"request_id": request_id, "organization_id": two},
        allow_redirects=False,
    )
    assert done.status_code == 302 and "code=" in done.headers["Location"]
    # The control client submits organization_id directly.
    location = emu.control.complete_sign_in(
        authorize_url(emu), email="multi@x.com", organization_id=two
    )
    assert "code=" in location


def test_organization_scope_makes_member(emu, api: Api) -> None:
    seeded = emu.control.seed({"organizations": [{"name": "Scoped"}]})
    org_id = seeded["organizations"][0]["id"]
    code = get_code(emu, email="x@y.co", params={"provider": None, "organization_id": org_id})
    (m,) = emu.control.state()["memberships"]
    assert m["organization_id"] == org_id
    from tests.emulator.conftest import exchange

    assert exchange(api, code).json()["organization_id"] == org_id


def test_authorize_is_public_and_html_escapes(emu, api: Api) -> None:
    emu.control.seed({"users": [{"email": "e@x.co", "first_name": "<script>x</script>"}]})
    r = Api(emu.url, key=None).get(authorize_url(emu)[len(emu.url) :])
    assert r.status_code == 200
    assert "<script>x</script>" not in r.text and "&lt;script&gt;" in r.text


def test_any_well_formed_oauth_provider_is_taken(emu, api: Api) -> None:
    """WorkOS adds providers; the emulator, like the SDK, passes a new ``<Name>OAuth`` through."""
    page = api.get(authorize_url(emu, provider="SomeFutureOAuth")[len(emu.url) :])
    assert page.status_code == 200
    assert 'value="SomeFutureOAuth"' in page.text  # offered on the hosted page
