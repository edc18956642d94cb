"""Invitations, password reset, e-mail verification, magic auth and MFA factors.

None of these POSTs is retried: each one sends an e-mail, spends a one-time token
or creates a factor, and a repeat would do it twice.
"""

from __future__ import annotations

from django_authkit.client._resource import Resource, compact
from django_authkit.client.models import (
    AuthenticationChallenge,
    AuthenticationFactor,
    AuthenticationFactorEnrollment,
    EmailVerification,
    Invitation,
    MagicAuth,
    PasswordReset,
    User,
)
from django_authkit.client.pagination import ListPage

_UM = "user_management"


class UserFlowsMixin(Resource):
    """The e-mail and MFA flows of ``client.user_management``."""

    # -- invitations -------------------------------------------------------------------

    def send_invitation(
        self,
        *,
        email: str,
        organization_id: str | None = None,
        role_slug: str | None = None,
        expires_in_days: int | None = None,
        inviter_user_id: str | None = None,
        locale: str | None = None,
    ) -> Invitation:
        """Invite someone by e-mail, optionally into an organization with a role."""
        body = compact(
            email=email,
            organization_id=organization_id,
            role_slug=role_slug,
            expires_in_days=expires_in_days,
            inviter_user_id=inviter_user_id,
            locale=locale,
        )
        return self._send("POST", Invitation, _UM, "invitations", body=body)

    def list_invitations(
        self,
        *,
        email: str | None = None,
        organization_id: str | None = None,
        limit: int | None = None,
        before: str | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> ListPage[Invitation]:
        """Invitations, filtered by e-mail or organization."""
        params = {
            "email": email,
            "organization_id": organization_id,
            "limit": limit,
            "before": before,
            "after": after,
            "order": order,
        }
        return self._list(Invitation, _UM, "invitations", params=params)

    def get_invitation(self, invitation_id: str) -> Invitation:
        """One invitation by id."""
        return self._get(Invitation, _UM, "invitations", invitation_id)

    def find_invitation_by_token(self, token: str) -> Invitation:
        """The invitation a sign-up link carries (the token is kept out of logs)."""
        return self._get(Invitation, _UM, "invitations", "by_token", token)

    def revoke_invitation(self, invitation_id: str) -> Invitation:
        """Cancel a pending invitation."""
        return self._send("POST", Invitation, _UM, "invitations", invitation_id, "revoke")

    def resend_invitation(self, invitation_id: str, *, locale: str | None = None) -> Invitation:
        """Send the invitation e-mail again."""
        body = compact(locale=locale)
        return self._send(
            "POST", Invitation, _UM, "invitations", invitation_id, "resend", body=body or None
        )

    def accept_invitation(self, invitation_id: str) -> Invitation:
        """Mark an invitation accepted (normally done by a sign-in with its token)."""
        return self._send("POST", Invitation, _UM, "invitations", invitation_id, "accept")

    # -- password reset ----------------------------------------------------------------

    def create_password_reset(self, *, email: str) -> PasswordReset:
        """Start a password reset; WorkOS e-mails the link unless you send it yourself."""
        return self._send("POST", PasswordReset, _UM, "password_reset", body={"email": email})

    def get_password_reset(self, password_reset_id: str) -> PasswordReset:
        """One password reset by id."""
        return self._get(PasswordReset, _UM, "password_reset", password_reset_id)

    def confirm_password_reset(self, *, token: str, new_password: str) -> User:
        """Set a new password with the reset token; returns the user."""
        body = {"token": token, "new_password": new_password}
        return self._send("POST", User, _UM, "password_reset", "confirm", body=body, key="user")

    # -- e-mail verification -----------------------------------------------------------

    def send_verification_email(self, user_id: str) -> User:
        """E-mail the user a verification code."""
        return self._send(
            "POST", User, _UM, "users", user_id, "email_verification", "send", key="user"
        )

    def verify_email(self, user_id: str, *, code: str) -> User:
        """Confirm the user's e-mail with the code they received."""
        return self._send(
            "POST",
            User,
            _UM,
            "users",
            user_id,
            "email_verification",
            "confirm",
            body={"code": code},
            key="user",
        )

    def get_email_verification(self, email_verification_id: str) -> EmailVerification:
        """One e-mail verification by id."""
        return self._get(EmailVerification, _UM, "email_verification", email_verification_id)

    # -- magic auth --------------------------------------------------------------------

    def create_magic_auth(
        self,
        *,
        email: str,
        invitation_token: str | None = None,
        ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> MagicAuth:
        """E-mail a one-time sign-in code (creating the user if needed)."""
        body = compact(
            email=email,
            invitation_token=invitation_token,
            ip_address=ip_address,
            user_agent=user_agent,
        )
        return self._send("POST", MagicAuth, _UM, "magic_auth", body=body)

    def get_magic_auth(self, magic_auth_id: str) -> MagicAuth:
        """One magic-auth code record by id."""
        return self._get(MagicAuth, _UM, "magic_auth", magic_auth_id)

    # -- MFA factors -------------------------------------------------------------------

    def enroll_auth_factor(
        self,
        user_id: str,
        *,
        type: str = "totp",
        totp_issuer: str | None = None,
        totp_user: str | None = None,
        totp_secret: str | None = None,
    ) -> AuthenticationFactorEnrollment:
        """Enroll a TOTP factor for a user; the answer carries a first challenge."""
        body = compact(
            type=type, totp_issuer=totp_issuer, totp_user=totp_user, totp_secret=totp_secret
        )
        return self._send(
            "POST", AuthenticationFactorEnrollment, _UM, "users", user_id, "auth_factors", body=body
        )

    def list_auth_factors(
        self,
        user_id: str,
        *,
        limit: int | None = None,
        before: str | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> ListPage[AuthenticationFactor]:
        """The user's enrolled MFA factors."""
        params = {"limit": limit, "before": before, "after": after, "order": order}
        return self._list(
            AuthenticationFactor, _UM, "users", user_id, "auth_factors", params=params
        )

    def challenge_auth_factor(self, authentication_factor_id: str) -> AuthenticationChallenge:
        """Open a challenge on a factor, for the ``mfa-totp`` grant."""
        return self._send(
            "POST",
            AuthenticationChallenge,
            "auth",
            "factors",
            authentication_factor_id,
            "challenge",
        )
