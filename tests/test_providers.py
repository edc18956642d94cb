"""Every provider WorkOS accepts reaches WorkOS; a site shows only the ones it configures.

The official SDK's ``UserManagementAuthenticationProvider`` is the list WorkOS
documents, and the SDK passes values it does not know through. So sign-in takes
``authkit``, every value the SDK lists (parametrized from the SDK itself, so a new
SDK release is covered without editing this file) and any well-formed
``<Name>OAuth``; anything else is refused before it reaches the authorization URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.test import Client, RequestFactory

from django_authkit.signin.providers import configured_providers

sdk = pytest.importorskip("workos.user_management.models.user_management_authentication_provider")

SDK_PROVIDERS = sorted(p.value for p in sdk.UserManagementAuthenticationProvider)
SDK_OAUTH = [p for p in SDK_PROVIDERS if p != "authkit"]
MALFORMED = [
    "gitlab",  # NextAuth's id, not WorkOS's
    "GitLabOauth",  # wrong case
    "OAuth",
    "gitLabOAuth",
    "GitLab OAuth",
    "GitLabOAuth&connection_id=conn_1",  # a parameter smuggled into the URL
    "GitLabOAuth\n",
    "X" * 42 + "OAuth",  # longer than any provider name
    "Authkit",
]


def _authorize_query(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 302, response.content[:300]
    return parse_qs(urlsplit(response["Location"]).query)


def test_the_sdk_lists_oauth_providers() -> None:
    """Guards the parametrization below against an empty or renamed enum."""
    assert "authkit" in SDK_PROVIDERS and "GoogleOAuth" in SDK_OAUTH and len(SDK_OAUTH) >= 10


@pytest.mark.parametrize("provider", SDK_OAUTH)
def test_every_sdk_provider_reaches_the_authorize_url(
    emu: Any, client: Client, provider: str
) -> None:
    response = client.get("/auth/sign-in/", {"provider": provider})
    assert _authorize_query(response)["provider"] == [provider]
    # WorkOS (the emulator) takes it: the hosted page, not an error back to the site.
    page = emu.control.http.get(response["Location"], allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.text[:300]


@pytest.mark.parametrize("provider", ["GitLabOAuth", "SomeFutureOAuth"])
def test_a_sign_in_with_a_newer_provider_completes(
    emu: Any, client: Client, provider: str
) -> None:
    start = client.post("/auth/sign-in/", {"provider": provider, "next": "/private/"})
    back = emu.control.complete_sign_in(
        start["Location"], email="ada@acme.test", provider=provider
    )
    assert "error=" not in back
    parts = urlsplit(back)
    done = client.get(f"{parts.path}?{parts.query}")
    assert done.status_code == 302 and done["Location"] == "/private/"
    assert client.get("/private/").status_code == 200


def test_a_well_formed_unknown_provider_is_passed_on(emu: Any, client: Client) -> None:
    response = client.get("/auth/sign-in/", {"provider": "SomeFutureOAuth"})
    assert _authorize_query(response)["provider"] == ["SomeFutureOAuth"]


@pytest.mark.parametrize("provider", MALFORMED)
def test_a_malformed_provider_is_400(emu: Any, client: Client, provider: str) -> None:
    response = client.get("/auth/sign-in/", {"provider": provider})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unknown provider" in html
    assert "GoogleOAuth" in html  # says what a provider looks like


def test_accepts() -> None:
    from django_authkit.signin.providers import accepts

    assert all(accepts(p) for p in SDK_PROVIDERS)
    assert not any(accepts(p) for p in MALFORMED)
    assert not accepts(None) and not accepts("")


def test_display_names() -> None:
    from django_authkit.signin.providers import display_name

    assert display_name("GitLabOAuth") == "GitLab"
    assert display_name("LinkedInOAuth") == "LinkedIn"
    assert display_name("VercelMarketplaceOAuth") == "Vercel Marketplace"
    assert display_name("SomeFutureOAuth") == "SomeFuture"  # derived
    assert all(display_name(p) and not display_name(p).endswith("OAuth") for p in SDK_PROVIDERS)


# -- what a site shows: only what it configures -------------------------------------------------

CONFIGURED = [
    "authkit",
    "GitLabOAuth",
    {"id": "AcmeOAuth", "name": "Acme ID"},
    "SomeFutureOAuth",
]


def test_providers_json_lists_only_the_configured(emu: Any, client: Client, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "PROVIDERS": CONFIGURED}
    providers = client.get("/auth/providers/").json()["providers"]
    assert [(p["id"], p["name"], p["type"]) for p in providers] == [
        ("authkit", "Email or single sign-on", "authkit"),
        ("GitLabOAuth", "GitLab", "oauth"),
        ("AcmeOAuth", "Acme ID", "oauth"),
        ("SomeFutureOAuth", "SomeFuture", "oauth"),
    ]
    assert providers[1]["signInUrl"] == "http://testserver/auth/sign-in/?provider=GitLabOAuth"


def test_sign_in_page_and_tag_list_only_the_configured(
    emu: Any, client: Client, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "PROVIDERS": ["GitLabOAuth", "SlackOAuth"]}
    html = client.get("/auth/sign-in/page/").content.decode()
    assert 'value="GitLabOAuth"' in html and "Continue with GitLab" in html
    assert 'value="SlackOAuth"' in html and "Continue with Slack" in html
    assert "GoogleOAuth" not in html and 'value="authkit"' not in html

    request = RequestFactory().get("/page/")
    rendered = Template(
        "{% load authkit %}{% authkit_providers as ps %}{% for p in ps %}[{{ p.id }}|{{ p.name }}]"
        "{% endfor %}"
    ).render(Context({"request": request}))
    assert rendered == "[GitLabOAuth|GitLab][SlackOAuth|Slack]"


def test_a_malformed_configured_provider_is_a_configuration_error(settings: Any) -> None:
    settings.AUTHKIT = {**getattr(settings, "AUTHKIT", {}), "PROVIDERS": ["gitlab"]}
    with pytest.raises(ImproperlyConfigured, match="GoogleOAuth"):
        configured_providers()


def _e104(settings: Any, **authkit: Any) -> list[str]:
    settings.AUTHKIT = {**getattr(settings, "AUTHKIT", {}), **authkit}
    return [m.msg for m in run_checks() if m.id == "authkit.E104"]


def test_the_check_takes_any_well_formed_provider(settings: Any) -> None:
    assert _e104(settings, PROVIDERS=CONFIGURED, DEFAULT_PROVIDER="GitLabOAuth") == []
    assert _e104(settings, PROVIDERS=["authkit", "gitlab"], DEFAULT_PROVIDER=None)
