"""URL builders: pure functions of the client's configuration, no HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from django_authkit.client import WorkOSClient


def make(base_url: str = "https://api.workos.com") -> WorkOSClient:
    return WorkOSClient(api_key="sk_test_x", client_id="client_123", base_url=base_url)


def query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def test_authorization_url_has_required_params_and_pkce() -> None:
    url = make().user_management.get_authorization_url(
        redirect_uri="http://localhost:8000/cb",
        state="st",
        provider="authkit",
        code_challenge="cc",
        code_challenge_method="S256",
        login_hint="a@b.c",
        screen_hint="sign-up",
        prompt="login",
        max_age=0,
        provider_scopes=["a", "b"],
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "api.workos.com",
        "/user_management/authorize",
    )
    assert query(url) == {
        "client_id": "client_123",
        "redirect_uri": "http://localhost:8000/cb",
        "response_type": "code",
        "state": "st",
        "provider": "authkit",
        "code_challenge": "cc",
        "code_challenge_method": "S256",
        "login_hint": "a@b.c",
        "screen_hint": "sign-up",
        "prompt": "login",
        "max_age": "0",
        "provider_scopes": "a,b",
    }


def test_authorization_url_omits_unset_params_and_defaults_the_pkce_method() -> None:
    um = make().user_management
    assert query(
        um.get_authorization_url(redirect_uri="https://x/cb", organization_id="org_1")
    ) == {
        "client_id": "client_123",
        "redirect_uri": "https://x/cb",
        "response_type": "code",
        "organization_id": "org_1",
    }
    q = query(um.get_authorization_url(redirect_uri="https://x/cb", code_challenge="cc"))
    assert q["code_challenge_method"] == "S256"


def test_authorization_url_other_selectors_and_provider_query_params() -> None:
    q = query(
        make().user_management.get_authorization_url(
            redirect_uri="https://x/cb",
            connection_id="conn_1",
            domain_hint="acme.com",
            invitation_token="inv_tok",
            provider_query_params={"hd": "acme.com"},
        )
    )
    assert q["connection_id"] == "conn_1"
    assert q["domain_hint"] == "acme.com"
    assert q["invitation_token"] == "inv_tok"
    assert q["provider_query_params[hd]"] == "acme.com"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"redirect_uri": ""},
        {"redirect_uri": "https://x/cb", "code_challenge": "c", "code_challenge_method": "plain"},
        {"redirect_uri": "https://x/cb", "max_age": -1},
    ],
)
def test_authorization_url_rejects_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make().user_management.get_authorization_url(**kwargs)  # type: ignore[arg-type]


def test_urls_keep_a_base_path_prefix_and_drop_a_trailing_slash() -> None:
    um = make("http://127.0.0.1:4100/wos/").user_management
    assert um.get_jwks_url() == "http://127.0.0.1:4100/wos/sso/jwks/client_123"
    url = um.get_authorization_url(redirect_uri="https://x/cb", provider="authkit")
    assert url.startswith("http://127.0.0.1:4100/wos/user_management/authorize?")


def test_logout_url() -> None:
    um = make().user_management
    url = um.get_logout_url(session_id="session_01", return_to="http://localhost:8000/")
    assert url == (
        "https://api.workos.com/user_management/sessions/logout"
        "?session_id=session_01&return_to=http%3A%2F%2Flocalhost%3A8000%2F"
    )
    assert um.get_logout_url(session_id="session_01").endswith("?session_id=session_01")
    with pytest.raises(ValueError):
        um.get_logout_url(session_id="")


def test_jwks_url_escapes_the_client_id() -> None:
    client = WorkOSClient(api_key="sk", client_id="client/../x", base_url="https://api.workos.com")
    assert (
        client.user_management.get_jwks_url() == "https://api.workos.com/sso/jwks/client%2F..%2Fx"
    )


def test_sso_authorization_url() -> None:
    url = make().sso.get_authorization_url(
        redirect_uri="https://x/cb", organization="org_1", state="s", provider_scopes=["openid"]
    )
    assert urlsplit(url).path == "/sso/authorize"
    assert query(url) == {
        "client_id": "client_123",
        "redirect_uri": "https://x/cb",
        "response_type": "code",
        "organization": "org_1",
        "state": "s",
        "provider_scopes": "openid",
    }


def test_sso_authorization_url_carries_pkce() -> None:
    from urllib.parse import parse_qs, urlsplit

    from django_authkit.client import WorkOSClient

    client = WorkOSClient(api_key="sk_test", client_id="client_x", base_url="https://api.test")
    url = client.sso.get_authorization_url(redirect_uri="https://app.test/cb",
                                           connection="conn_1", code_challenge="abc")
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge"] == ["abc"]
    assert query["code_challenge_method"] == ["S256"]
