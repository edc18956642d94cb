"""``client.user_management``: users, plus the sign-in, membership and e-mail flow mixins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django_authkit.client._resource import compact
from django_authkit.client.authentication import AuthenticationMixin
from django_authkit.client.memberships import MembershipsMixin
from django_authkit.client.models import User, UserIdentity
from django_authkit.client.pagination import ListPage
from django_authkit.client.transport import build_path
from django_authkit.client.user_flows import UserFlowsMixin

_USERS = ("user_management", "users")


class UserManagement(AuthenticationMixin, MembershipsMixin, UserFlowsMixin):
    """The AuthKit user-management API."""

    def get_user(self, user_id: str) -> User:
        """One user by WorkOS id."""
        return self._get(User, *_USERS, user_id)

    def get_user_by_external_id(self, external_id: str) -> User:
        """One user by the id your system gave it."""
        return self._get(User, *_USERS, "external_id", external_id)

    def list_users(
        self,
        *,
        email: str | None = None,
        organization_id: str | None = None,
        limit: int | None = None,
        before: str | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> ListPage[User]:
        """Users, newest first unless ``order`` says otherwise."""
        params = {
            "email": email,
            "organization_id": organization_id,
            "limit": limit,
            "before": before,
            "after": after,
            "order": order,
        }
        return self._list(User, *_USERS, params=params)

    def create_user(
        self,
        *,
        email: str,
        password: str | None = None,
        password_hash: str | None = None,
        password_hash_type: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        email_verified: bool | None = None,
        external_id: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> User:
        """Create a user; a duplicate e-mail raises ``ConflictError``. Never retried."""
        if password is not None and password_hash is not None:
            raise ValueError("Pass password or password_hash, not both")
        body = compact(
            email=email,
            password=password,
            password_hash=password_hash,
            password_hash_type=password_hash_type,
            first_name=first_name,
            last_name=last_name,
            email_verified=email_verified,
            external_id=external_id,
            metadata=dict(metadata) if metadata is not None else None,
        )
        return self._send("POST", User, *_USERS, body=body)

    def update_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        email_verified: bool | None = None,
        password: str | None = None,
        password_hash: str | None = None,
        password_hash_type: str | None = None,
        external_id: str | None = None,
        metadata: Mapping[str, str | None] | None = None,
        locale: str | None = None,
    ) -> User:
        """Change the given fields; the ones left as ``None`` are not sent."""
        body: dict[str, Any] = compact(
            email=email,
            first_name=first_name,
            last_name=last_name,
            email_verified=email_verified,
            password=password,
            password_hash=password_hash,
            password_hash_type=password_hash_type,
            external_id=external_id,
            metadata=dict(metadata) if metadata is not None else None,
            locale=locale,
        )
        return self._send("PUT", User, *_USERS, user_id, body=body)

    def delete_user(self, user_id: str) -> None:
        """Delete a user and end their sessions."""
        self._delete(*_USERS, user_id)

    def get_user_identities(self, user_id: str) -> list[UserIdentity]:
        """The OAuth identities linked to a user (a bare JSON array on the wire)."""
        body = self._transport.request("GET", build_path(*_USERS, user_id, "identities"))
        items = body if isinstance(body, list) else []
        return [UserIdentity.from_dict(i) for i in items if isinstance(i, Mapping)]
