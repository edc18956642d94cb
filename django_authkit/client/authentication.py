"""Sign-in: authorization and logout URLs, the ``authenticate`` grants, JWKS, sessions.

Every grant is a single-use credential exchange, so ``authenticate`` is sent with
``retry=False``: a retry after a lost answer would find the code or refresh token
already spent and turn a blip into a sign-out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django_authkit.client._resource import Resource, compact
from django_authkit.client.errors import WorkOSError
from django_authkit.client.models import AuthenticationResponse, UserSession
from django_authkit.client.pagination import ListPage
from django_authkit.client.transport import build_path, build_url

GRANT_AUTHORIZATION_CODE = "authorization_code"
GRANT_REFRESH_TOKEN = "refresh_token"
GRANT_PASSWORD = "password"
GRANT_MAGIC_AUTH = "urn:workos:oauth:grant-type:magic-auth:code"
GRANT_EMAIL_VERIFICATION = "urn:workos:oauth:grant-type:email-verification:code"
GRANT_TOTP = "urn:workos:oauth:grant-type:mfa-totp"
GRANT_ORGANIZATION_SELECTION = "urn:workos:oauth:grant-type:organization-selection"


class AuthenticationMixin(Resource):
    """The sign-in half of ``client.user_management``."""

    # -- URLs the browser visits (no HTTP here) --------------------------------------

    def get_authorization_url(
        self,
        *,
        redirect_uri: str,
        state: str | None = None,
        provider: str | None = None,
        connection_id: str | None = None,
        organization_id: str | None = None,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
        domain_hint: str | None = None,
        login_hint: str | None = None,
        screen_hint: str | None = None,
        prompt: str | None = None,
        max_age: int | None = None,
        invitation_token: str | None = None,
        provider_scopes: Sequence[str] | None = None,
        provider_query_params: Mapping[str, str] | None = None,
    ) -> str:
        """The ``/user_management/authorize`` URL that starts a sign-in."""
        if not redirect_uri:
            raise ValueError("redirect_uri is required")
        if code_challenge and code_challenge_method is None:
            code_challenge_method = "S256"
        if code_challenge_method is not None and code_challenge_method != "S256":
            raise ValueError("code_challenge_method must be 'S256'")
        if max_age is not None and (isinstance(max_age, bool) or max_age < 0):
            raise ValueError("max_age must be a non-negative integer")
        params: dict[str, Any] = {
            "client_id": self._client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "state": state,
            "provider": provider,
            "connection_id": connection_id,
            "organization_id": organization_id,
            "code_challenge": code_challenge,
            "code_challenge_method": code_challenge_method if code_challenge else None,
            "domain_hint": domain_hint,
            "login_hint": login_hint,
            "screen_hint": screen_hint,
            "prompt": prompt,
            "max_age": max_age,
            "invitation_token": invitation_token,
            "provider_scopes": list(provider_scopes) if provider_scopes else None,
        }
        for key, value in (provider_query_params or {}).items():
            params[f"provider_query_params[{key}]"] = value
        return build_url(self.base_url, "/user_management/authorize", params)

    def get_logout_url(self, *, session_id: str, return_to: str | None = None) -> str:
        """Where to send the browser to end the WorkOS session ``session_id``."""
        if not session_id:
            raise ValueError("session_id is required")
        params = {"session_id": session_id, "return_to": return_to}
        return build_url(self.base_url, "/user_management/sessions/logout", params)

    def get_jwks_url(self) -> str:
        """The public key set that signs this client's access tokens."""
        return self.base_url + build_path("sso", "jwks", self._client_id)

    def get_jwks(self) -> dict[str, Any]:
        """The JWKS document, as JSON; verification lives in ``django_authkit.tokens``."""
        body = self._transport.request("GET", build_path("sso", "jwks", self._client_id))
        if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
            raise WorkOSError("Unexpected WorkOS response: JWKS without 'keys'")
        return body

    # -- grants ------------------------------------------------------------------------

    def _authenticate(self, grant_type: str, **fields: Any) -> AuthenticationResponse:
        body = compact(
            grant_type=grant_type,
            client_id=self._client_id,
            client_secret=self._transport.api_key,
            **fields,
        )
        answer = self._transport.request(
            "POST", "/user_management/authenticate", body=body, retry=False
        )
        if not isinstance(answer, Mapping):
            raise WorkOSError("Unexpected WorkOS response: authenticate did not return an object")
        return AuthenticationResponse.from_dict(answer)

    def authenticate_with_code(
        self,
        *,
        code: str,
        code_verifier: str | None = None,
        invitation_token: str | None = None,
        ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> AuthenticationResponse:
        """Exchange an authorization code (with its PKCE verifier) for tokens."""
        return self._authenticate(
            GRANT_AUTHORIZATION_CODE,
            code=code,
            code_verifier=code_verifier,
            invitation_token=invitation_token,
            ip_address=ip_address,
            user_agent=user_agent,
        )

    def authenticate_with_refresh_token(
        self,
        *,
        refresh_token: str,
        organization_id: str | None = None,
        ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> AuthenticationResponse:
        """Rotate a refresh token; ``organization_id`` switches the session's organization."""
        return self._authenticate(
            GRANT_REFRESH_TOKEN,
            refresh_token=refresh_token,
            organization_id=organization_id,
            ip_address=ip_address,
            user_agent=user_agent,
        )

    def authenticate_with_password(
        self,
        *,
        email: str,
        password: str,
        invitation_token: str | None = None,
        ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> AuthenticationResponse:
        """Sign in with e-mail and password."""
        return self._authenticate(
            GRANT_PASSWORD,
            email=email,
            password=password,
            invitation_token=invitation_token,
            ip_address=ip_address,
            user_agent=user_agent,
        )

    def authenticate_with_magic_auth(
        self,
        *,
        code: str,
        email: str,
        invitation_token: str | None = None,
        ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> AuthenticationResponse:
        """Sign in with the one-time code from ``create_magic_auth``."""
        return self._authenticate(
            GRANT_MAGIC_AUTH,
            code=code,
            email=email,
            invitation_token=invitation_token,
            ip_address=ip_address,
            user_agent=user_agent,
        )

    def authenticate_with_email_verification(
        self,
        *,
        code: str,
        pending_authentication_token: str,
        ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> AuthenticationResponse:
        """Finish a sign-in that raised ``EmailVerificationRequiredError``."""
        return self._authenticate(
            GRANT_EMAIL_VERIFICATION,
            code=code,
            pending_authentication_token=pending_authentication_token,
            ip_address=ip_address,
            user_agent=user_agent,
        )

    def authenticate_with_totp(
        self,
        *,
        code: str,
        pending_authentication_token: str,
        authentication_challenge_id: str,
        ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> AuthenticationResponse:
        """Finish a sign-in that raised ``MfaChallengeError`` or ``MfaEnrollmentError``."""
        return self._authenticate(
            GRANT_TOTP,
            code=code,
            pending_authentication_token=pending_authentication_token,
            authentication_challenge_id=authentication_challenge_id,
            ip_address=ip_address,
            user_agent=user_agent,
        )

    def authenticate_with_organization_selection(
        self,
        *,
        pending_authentication_token: str,
        organization_id: str,
        ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> AuthenticationResponse:
        """Finish a sign-in that raised ``OrganizationSelectionRequiredError``."""
        return self._authenticate(
            GRANT_ORGANIZATION_SELECTION,
            pending_authentication_token=pending_authentication_token,
            organization_id=organization_id,
            ip_address=ip_address,
            user_agent=user_agent,
        )

    # -- sessions ----------------------------------------------------------------------

    def list_sessions(
        self,
        user_id: str,
        *,
        limit: int | None = None,
        before: str | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> ListPage[UserSession]:
        """The user's sessions (active, expired and revoked)."""
        params = {"limit": limit, "before": before, "after": after, "order": order}
        return self._list(
            UserSession, "user_management", "users", user_id, "sessions", params=params
        )

    def revoke_session(self, session_id: str) -> None:
        """End a session server-side; its refresh token stops working at once."""
        self._transport.request(
            "POST",
            "/user_management/sessions/revoke",
            body={"session_id": session_id},
            idempotency_key=True,  # revoking twice is harmless, so a repeat is safe
        )
