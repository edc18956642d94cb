"""``client.directory_sync``: directories, directory users and groups (all read-only)."""

from __future__ import annotations

from django_authkit.client._resource import Resource
from django_authkit.client.models import Directory, DirectoryGroup, DirectoryUser
from django_authkit.client.pagination import ListPage


class DirectorySync(Resource):
    """SCIM / HRIS directories synced by WorkOS."""

    def list_directories(
        self,
        *,
        organization_id: str | None = None,
        search: str | None = None,
        limit: int | None = None,
        before: str | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> ListPage[Directory]:
        """Directories, optionally of one organization."""
        params = {
            "organization_id": organization_id,
            "search": search,
            "limit": limit,
            "before": before,
            "after": after,
            "order": order,
        }
        return self._list(Directory, "directories", params=params)

    def get_directory(self, directory_id: str) -> Directory:
        """One directory by id."""
        return self._get(Directory, "directories", directory_id)

    def delete_directory(self, directory_id: str) -> None:
        """Delete a directory."""
        self._delete("directories", directory_id)

    def list_users(
        self,
        *,
        directory_id: str | None = None,
        group_id: str | None = None,
        limit: int | None = None,
        before: str | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> ListPage[DirectoryUser]:
        """Users of a directory or of a group (one of the two is required)."""
        if not (directory_id or group_id):
            raise ValueError("Pass directory_id or group_id")
        params = {
            "directory": directory_id,
            "group": group_id,
            "limit": limit,
            "before": before,
            "after": after,
            "order": order,
        }
        return self._list(DirectoryUser, "directory_users", params=params)

    def get_user(self, directory_user_id: str) -> DirectoryUser:
        """One directory user by id."""
        return self._get(DirectoryUser, "directory_users", directory_user_id)

    def list_groups(
        self,
        *,
        directory_id: str | None = None,
        user_id: str | None = None,
        limit: int | None = None,
        before: str | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> ListPage[DirectoryGroup]:
        """Groups of a directory or of a directory user (one of the two is required)."""
        if not (directory_id or user_id):
            raise ValueError("Pass directory_id or user_id")
        params = {
            "directory": directory_id,
            "user": user_id,
            "limit": limit,
            "before": before,
            "after": after,
            "order": order,
        }
        return self._list(DirectoryGroup, "directory_groups", params=params)

    def get_group(self, directory_group_id: str) -> DirectoryGroup:
        """One directory group by id."""
        return self._get(DirectoryGroup, "directory_groups", directory_group_id)
