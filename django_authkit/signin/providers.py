"""The providers a site offers (``AUTHKIT["PROVIDERS"]``): the sign-in page, tag and JSON."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from django_authkit.conf import authkit_settings
from django_authkit.core.urlhelpers import absolute, redirect_uri

#: Display names of the providers WorkOS documents: ``authkit`` and the values of the
#: official SDK's ``UserManagementAuthenticationProvider``. Others are accepted too.
NAMES: dict[str, Any] = {
    "authkit": gettext_lazy("Email or single sign-on"),
    "AppleOAuth": "Apple",
    "BitbucketOAuth": "Bitbucket",
    "GitHubOAuth": "GitHub",
    "GitLabOAuth": "GitLab",
    "GoogleOAuth": "Google",
    "IntuitOAuth": "Intuit",
    "LinkedInOAuth": "LinkedIn",
    "MicrosoftOAuth": "Microsoft",
    "SalesforceOAuth": "Salesforce",
    "SlackOAuth": "Slack",
    "VercelMarketplaceOAuth": "Vercel Marketplace",
    "VercelOAuth": "Vercel",
    "XeroOAuth": "Xero",
}
TYPES = {"authkit": "authkit"}
#: The providers known by name. Sign-in accepts more: see :func:`accepts`.
PROVIDERS = frozenset(NAMES)
#: Any ``<Name>OAuth`` WorkOS may add: sign-in passes it on, as the official SDK does.
OAUTH = re.compile(r"[A-Z][A-Za-z0-9]{0,40}OAuth")


def accepts(provider: str | None) -> bool:
    """Whether ``provider`` may be sent to WorkOS: ``authkit``, or a well-formed ``<Name>OAuth``.

    WorkOS adds OAuth providers over time and its SDK passes unknown values
    through; a closed list here would refuse them. The shape check keeps
    anything else (and any injection) out of the authorization URL.
    """
    return provider == "authkit" or (
        isinstance(provider, str) and OAUTH.fullmatch(provider) is not None
    )


def unknown_provider_message() -> str:
    """What a sign-in with a malformed ``provider`` answers (400), in the visitor's language."""
    return gettext(
        "Unknown provider: use 'authkit' or a WorkOS OAuth provider such as 'GoogleOAuth'."
    )


def display_name(provider: str) -> str:
    """The name shown on a button: a known provider's, else the ``<Name>`` of ``<Name>OAuth``."""
    known = NAMES.get(provider)
    if known is not None:
        return str(known)
    return provider[: -len("OAuth")] if provider.endswith("OAuth") else provider


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    type: str

    def sign_in_path(self, next_url: str | None = None) -> str:
        params = {"provider": self.id}
        if next_url:
            params["next"] = next_url
        return f"{reverse('authkit:sign-in')}?{urlencode(params)}"

    def as_json(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "signInUrl": absolute(request, self.sign_in_path()),
            "callbackUrl": redirect_uri(request),
        }


def configured_providers() -> list[Provider]:
    """``AUTHKIT["PROVIDERS"]`` as :class:`Provider` values, validated.

    Only these are shown (sign-in page, tag, ``providers`` JSON): a site lists what
    it enabled at WorkOS, not everything WorkOS could offer.
    """
    found: list[Provider] = []
    for entry in authkit_settings.PROVIDERS or []:
        spec = entry if isinstance(entry, dict) else {"id": entry}
        pid = str(spec.get("id", ""))
        if not accepts(pid):
            raise ImproperlyConfigured(
                f"AUTHKIT['PROVIDERS']: {pid!r} is not a WorkOS provider "
                "('authkit' or '<Name>OAuth', e.g. 'GoogleOAuth')."
            )
        name = str(spec.get("name") or display_name(pid))
        found.append(Provider(pid, name, TYPES.get(pid, "oauth")))
    return found
