"""Issue 22: every issuer shape WorkOS mints signs in, refreshes and signs out.

The emulator mints each shape (legacy bare origin, per-client, ``/sso/<client_id>``,
a custom authentication domain); the site accepts the hosted shapes by default and
anything else only when ``AUTHKIT['ISSUER']`` (or ``WORKOS_ISSUER``) names it.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from django_authkit.conf import authkit_settings, default_issuers, split_issuers
from django_authkit.core import crypto
from django_authkit.emulator.__main__ import build_parser
from django_authkit.emulator.control import EmulatorError
from django_authkit.models import AuthKitSession

ADA = {"email": "ada@acme.test", "organization_name": "Acme", "role": "admin"}
CUSTOM = "https://auth.example.test"


def _iss(token: str) -> str:
    payload = token.split(".")[1]
    iss: str = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["iss"]
    return iss


def _stored_iss() -> str:
    return _iss(crypto.decrypt(AuthKitSession.objects.get().access_token) or "")


def _whole_flow(emu: Any, client: Client, authkit_sign_in: Any, issuer: str) -> None:
    """Sign in through the hosted page, refresh once, sign out at WorkOS."""
    emu.control.set_clock(offset=-290)  # the token expires in 10 s: inside REFRESH_AHEAD
    response = authkit_sign_in(client, next="/private/", **ADA)
    emu.control.set_clock(offset=0)
    assert response.status_code == 302 and response["Location"] == "/private/", (
        response.status_code, response.content[:300])
    assert _stored_iss() == issuer
    emu.control.clear_calls()
    first = AuthKitSession.objects.get().access_token_expires_at

    assert client.get("/private/").status_code == 200  # refreshes, verifying the new token
    assert len(emu.control.grants("refresh_token")) == 1
    row = AuthKitSession.objects.get()
    assert row.access_token_expires_at > first and row.ended_at is None
    assert _stored_iss() == issuer

    out = client.post("/auth/sign-out/")
    assert out.status_code == 302
    assert urlsplit(out["Location"]).path == "/user_management/sessions/logout"
    assert client.get("/").json()["authenticated"] is False
    assert requests.get(out["Location"], allow_redirects=False, timeout=5).status_code in (
        200, 302)
    row.refresh_from_db()
    assert row.ended_at is not None


@pytest.mark.parametrize("shape", ["legacy", "per-client"])
def test_the_hosted_shapes_sign_in_refresh_and_sign_out_by_default(
    emu: Any, client: Client, authkit_sign_in: Any, authkit_issuer_shape: Any, shape: str
) -> None:
    issuer = authkit_issuer_shape(shape)
    expected = emu.url if shape == "legacy" else f"{emu.url}/user_management/{emu.client_id}"
    assert issuer == expected
    _whole_flow(emu, client, authkit_sign_in, issuer)


def test_a_custom_domain_issuer_set_in_both_places_signs_in_refreshes_and_signs_out(
    emu: Any, client: Client, authkit_sign_in: Any, authkit_issuer_shape: Any
) -> None:
    issuer = authkit_issuer_shape(CUSTOM, accept=True)
    assert issuer == CUSTOM and authkit_settings.issuers == {CUSTOM}
    _whole_flow(emu, client, authkit_sign_in, CUSTOM)


def test_the_sso_shape_signs_in_when_issuer_names_it(
    emu: Any, client: Client, authkit_sign_in: Any, authkit_issuer_shape: Any
) -> None:
    issuer = authkit_issuer_shape("sso", accept=True)
    assert issuer == f"{emu.url}/sso/{emu.client_id}"
    _whole_flow(emu, client, authkit_sign_in, issuer)


@pytest.mark.parametrize("shape", ["sso", CUSTOM, "https://api.workos.com"])
def test_an_issuer_the_site_does_not_accept_never_signs_in(
    emu: Any, client: Client, authkit_sign_in: Any, authkit_issuer_shape: Any, shape: str
) -> None:
    authkit_issuer_shape(shape)
    response = authkit_sign_in(client, next="/private/", **ADA)
    # The site's configuration or WorkOS at fault, never the visitor: the 5xx-class page.
    assert response.status_code == 502 and b"<code>invalid_token</code>" in response.content
    assert not AuthKitSession.objects.exists()
    assert client.get("/").json()["authenticated"] is False


def test_a_custom_domain_configured_only_at_workos_never_signs_in(
    emu: Any, client: Client, authkit_sign_in: Any, authkit_issuer_shape: Any, settings: Any
) -> None:
    """The site names another custom domain: the emulator's tokens are refused."""
    authkit_issuer_shape(CUSTOM)
    settings.AUTHKIT = {**settings.AUTHKIT, "ISSUER": "https://login.example.test"}
    assert authkit_sign_in(client, **ADA).status_code == 502
    assert not AuthKitSession.objects.exists()


def test_workos_issuer_env_with_two_issuers_signs_in_with_either(
    emu: Any, client: Client, authkit_sign_in: Any, authkit_issuer_shape: Any,
    settings: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``WORKOS_ISSUER=a,b``, the value a Next.js front end shares, is a list."""
    monkeypatch.setenv("WORKOS_ISSUER", f" https://login.example.test ,{CUSTOM},")
    settings.AUTHKIT = {k: v for k, v in settings.AUTHKIT.items() if k != "ISSUER"}
    assert authkit_settings.issuer_list == ("https://login.example.test", CUSTOM)
    authkit_issuer_shape(CUSTOM)
    _whole_flow(emu, client, authkit_sign_in, CUSTOM)


def test_issuer_setting_forms() -> None:
    assert split_issuers(None) == split_issuers("") == split_issuers(" , ,") == ()
    assert split_issuers("https://a") == ("https://a",)
    assert split_issuers("https://a, https://b,https://a") == ("https://a", "https://b")
    assert split_issuers(["https://a", "https://b, https://c"]) == (
        "https://a", "https://b", "https://c")
    assert default_issuers("https://api.workos.com/", "client_1") == (
        "https://api.workos.com/user_management/client_1", "https://api.workos.com",
        "https://api.workos.com/")


def test_an_empty_issuer_setting_keeps_the_defaults(emu: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ISSUER": []}
    assert authkit_settings.issuers == set(default_issuers(emu.url, emu.client_id))


def test_accepted_issuers_are_computed_once_until_settings_change(
    emu: Any, settings: Any
) -> None:
    first = authkit_settings.issuers
    assert authkit_settings.issuers is first  # the hot path reads a cached frozenset
    settings.AUTHKIT = {**settings.AUTHKIT, "ISSUER": CUSTOM}
    assert authkit_settings.issuers == {CUSTOM}


def test_a_bearer_token_verified_under_other_issuers_is_checked_again(
    emu: Any, signed_in: Client, settings: Any
) -> None:
    """The bearer cache is keyed by the accepted set: narrowing it takes effect at once."""
    token = crypto.decrypt(AuthKitSession.objects.get().access_token) or ""
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": "application/json"}
    assert Client().get("/private/", **bearer).status_code == 200
    settings.AUTHKIT = {**settings.AUTHKIT, "ISSUER": CUSTOM}
    assert Client().get("/private/", **bearer).status_code == 401


# -- the emulator mints each shape: start flag, control API, discovery --------------------


def test_the_start_flag_takes_a_shape_or_a_url() -> None:
    parser = build_parser()
    assert parser.parse_args(["--issuer-shape", "legacy"]).issuer == "legacy"
    assert parser.parse_args(["--issuer", CUSTOM]).issuer == CUSTOM
    assert parser.parse_args([]).issuer is None


def test_the_start_flag_refuses_what_is_neither(capsys: pytest.CaptureFixture[str]) -> None:
    from django_authkit.emulator.__main__ import main

    with pytest.raises(SystemExit):
        main(["--port", "0", "--issuer-shape", "legazy"])
    assert "per-client, legacy, sso" in capsys.readouterr().err


def test_an_emulator_started_with_a_shape_mints_it() -> None:
    from django_authkit.emulator import EmulatorServer

    with EmulatorServer(port=0, issuer="legacy") as server:
        assert server.issuer == server.url
        server.control.set_issuer("sso")
        assert server.issuer == f"{server.url}/sso/{server.client_id}"
        server.control.reset()  # back to the shape it started with
        assert server.control.state()["issuer"] == server.url


def test_the_control_api_switches_the_shape_at_run_time(emu: Any) -> None:
    assert emu.control.set_issuer("legacy") == emu.url
    assert emu.control.set_issuer("sso") == f"{emu.url}/sso/{emu.client_id}"
    assert emu.control.set_issuer(CUSTOM) == CUSTOM
    assert emu.control.set_issuer(None) == f"{emu.url}/user_management/{emu.client_id}"
    with pytest.raises(EmulatorError, match="422"):
        emu.control.configure(issuer="not a url")


def test_the_emulator_advertises_its_issuer_in_a_discovery_document(emu: Any) -> None:
    emu.control.set_issuer("legacy")
    url = f"{emu.url}/user_management/{emu.client_id}/.well-known/openid-configuration"
    doc = requests.get(url, timeout=5).json()
    assert doc["issuer"] == emu.url
    assert doc["jwks_uri"] == f"{emu.url}/sso/jwks/{emu.client_id}"
    other = requests.get(url.replace(emu.client_id, "client_other"), timeout=5)
    assert other.status_code == 404


def test_tokens_of_every_grant_carry_the_configured_shape(
    emu: Any, client: Client, authkit_sign_in: Any, authkit_issuer_shape: Any
) -> None:
    issuer = authkit_issuer_shape("legacy")
    assert authkit_sign_in(client, **ADA).status_code == 302
    row = AuthKitSession.objects.get()
    answer = requests.post(
        f"{emu.url}/user_management/authenticate",
        json={"grant_type": "refresh_token", "client_id": emu.client_id,
              "client_secret": emu.api_key, "refresh_token": crypto.decrypt(row.refresh_token)},
        timeout=5,
    ).json()
    assert _iss(answer["access_token"]) == issuer
    assert int(time.time()) < json.loads(base64.urlsafe_b64decode(
        answer["access_token"].split(".")[1] + "==="))["exp"]
