"""``client.sso``: standalone SSO (``/sso/authorize``, ``/sso/token``) and connections."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django_authkit.client._resource import Resource, compact
from django_authkit.client.errors import WorkOSError
from django_authkit.client.models import Connection, Profile, ProfileAndToken
from django_authkit.client.pagination import ListPage
from django_authkit.client.transport import build_url


class SSO(Resource):
    """Enterprise SSO without an AuthKit session, and connection management."""

    def get_authorization_url(
        self,
        *,
        redirect_uri: str,
        state: str | None = None,
        connection: str | None = None,
        organization: str | None = None,
        provider: str | None = None,
        domain_hint: str | None = None,
        login_hint: str | None = None,
        nonce: str | None = None,
        prompt: str | None = None,
        provider_scopes: Sequence[str] | None = None,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
    ) -> str:
        """The ``/sso/authorize`` URL; redeem its code with ``get_profile_and_token``.

        Pass a PKCE ``code_challenge`` (S256) and give its verifier to
        ``get_profile_and_token``.
        """
        if not redirect_uri:
            raise ValueError("redirect_uri is required")
        params: dict[str, Any] = {
            "client_id": self._client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "state": state,
            "connection": connection,
            "organization": organization,
            "provider": provider,
            "domain_hint": domain_hint,
            "login_hint": login_hint,
            "nonce": nonce,
            "prompt": prompt,
            "provider_scopes": list(provider_scopes) if provider_scopes else None,
            "code_challenge": code_challenge,
            "code_challenge_method": code_challenge_method or ("S256" if code_challenge else None),
        }
        return build_url(self.base_url, "/sso/authorize", params)

    def get_profile_and_token(
        self, *, code: str, code_verifier: str | None = None
    ) -> ProfileAndToken:
        """Exchange an SSO code for the profile. Single-use, so never retried."""
        body = compact(
            grant_type="authorization_code",
            client_id=self._client_id,
            client_secret=self._transport.api_key,
            code=code,
            code_verifier=code_verifier,
        )
        answer = self._transport.request("POST", "/sso/token", body=body, retry=False)
        if not isinstance(answer, Mapping):
            raise WorkOSError("Unexpected WorkOS response: /sso/token did not return an object")
        return ProfileAndToken.from_dict(answer)

    def get_profile(self, *, access_token: str) -> Profile:
        """The profile behind an SSO access token (authenticated by that token, not the key)."""
        answer = self._transport.request("GET", "/sso/profile", bearer=access_token)
        if not isinstance(answer, Mapping):
            raise WorkOSError("Unexpected WorkOS response: /sso/profile did not return an object")
        return Profile.from_dict(answer)

    def list_connections(
        self,
        *,
        organization_id: str | None = None,
        connection_type: str | None = None,
        domain: str | None = None,
        search: str | None = None,
        limit: int | None = None,
        before: str | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> ListPage[Connection]:
        """SSO connections, filtered by organization, type, domain or name."""
        params = {
            "organization_id": organization_id,
            "connection_type": connection_type,
            "domain": domain,
            "search": search,
            "limit": limit,
            "before": before,
            "after": after,
            "order": order,
        }
        return self._list(Connection, "connections", params=params)

    def get_connection(self, connection_id: str) -> Connection:
        """One connection by id."""
        return self._get(Connection, "connections", connection_id)

    def delete_connection(self, connection_id: str) -> None:
        """Delete a connection."""
        self._delete("connections", connection_id)
