"""Admin screens for the WorkOS mirror, with "Revoke sessions" and "Open Admin Portal"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from django_authkit.admin.portal import AdminPortalMixin
from django_authkit.admin.users import REVOKE_SESSIONS, integrate_user_admin, route_admin_login
from django_authkit.models import AuthKitSession, Membership, Organization, WorkOSUser
from django_authkit.sessions.revocation import end_session

if TYPE_CHECKING:
    SessionAdminBase = admin.ModelAdmin[AuthKitSession]
    OrganizationAdminBase = admin.ModelAdmin[Organization]
    MembershipAdminBase = admin.ModelAdmin[Membership]
    WorkOSUserAdminBase = admin.ModelAdmin[WorkOSUser]
else:
    SessionAdminBase = OrganizationAdminBase = admin.ModelAdmin
    MembershipAdminBase = WorkOSUserAdminBase = admin.ModelAdmin


@admin.register(AuthKitSession)
class AuthKitSessionAdmin(SessionAdminBase):
    list_display = ("session_id", "user", "organization_id", "authentication_method",
                    "created_at", "refreshed_at", "ended_at", "end_reason")
    list_filter = ("authentication_method", "end_reason")
    search_fields = ("session_id", "user__email", "organization_id")
    readonly_fields = ("session_id", "user", "organization_id", "access_token_expires_at",
                       "authentication_method", "impersonator", "created_at", "refreshed_at",
                       "ended_at", "end_reason")
    exclude = ("access_token", "refresh_token", "django_session_key")
    actions = ["revoke_sessions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_revoke_sessions_permission(self, request: HttpRequest) -> bool:
        """``authkit.revoke_sessions``: the view permission only shows sessions."""
        return bool(request.user.has_perm(REVOKE_SESSIONS))

    @admin.action(description=_("Revoke selected sessions (here and at WorkOS)"),
                  permissions=["revoke_sessions"])
    def revoke_sessions(self, request: HttpRequest, queryset: QuerySet[AuthKitSession]) -> None:
        rows = list(queryset.filter(ended_at__isnull=True))
        failed = [row for row in rows if not end_session(row, "admin_revoked", at_workos=True)]
        self.message_user(
            request, _("Revoked %(count)d session(s).") % {"count": len(rows)}, messages.SUCCESS
        )
        if failed:
            self.message_user(
                request,
                _("%(count)d could not be revoked at WorkOS (ended here; their refresh "
                  "tokens will be refused at next use).") % {"count": len(failed)},
                messages.WARNING,
            )


class MirrorAdmin:
    """A mirror of data WorkOS owns: sign-in, webhooks and ``authkit_sync`` refresh it, so
    the admin neither adds nor deletes rows and shows WorkOS's fields read-only (change
    them at WorkOS). Only ``local_fields`` (the site's own settings) are editable."""

    local_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        model = self.model  # type: ignore[attr-defined]
        return [f.name for f in model._meta.fields if f.name not in self.local_fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not self.local_fields:
            return False  # view-only pages
        return bool(super().has_change_permission(request, obj))  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(AdminPortalMixin, MirrorAdmin, OrganizationAdminBase):
    list_display = ("name", "workos_id", "external_id", "updated_at")
    search_fields = ("name", "workos_id", "external_id")
    local_fields = ("idle_timeout", "session_max_age", "warning_time")  # the site's policy


@admin.register(Membership)
class MembershipAdmin(MirrorAdmin, MembershipAdminBase):
    list_display = ("user", "organization", "role", "status", "updated_at")
    list_filter = ("status", "role")
    search_fields = ("user__email", "organization__name", "organization__workos_id")


@admin.register(WorkOSUser)
class WorkOSUserAdmin(MirrorAdmin, WorkOSUserAdminBase):
    """Which Django user is which WorkOS user. The WorkOS id is the site's own link and
    stays editable: re-linking an account to the new WorkOS user of the same person (an
    e-mail conflict's page and log name that id) is the operator's way out of a refusal."""

    list_display = ("workos_id", "email", "email_verified", "last_sign_in_at")
    search_fields = ("workos_id", "email")
    local_fields = ("workos_id",)  # re-link; everything else is WorkOS's
    add_fields = ("user", "workos_id")  # link an account that has no WorkOS user yet

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(admin.ModelAdmin.has_add_permission(self, request))  # not the mirror's no

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.add_fields if obj is None else super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else super().get_readonly_fields(request, obj)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "workos_id" and field is not None:
            field.help_text = _(
                "The WorkOS user who signs in as this account. To re-link the account after "
                "an e-mail conflict, enter the WorkOS user id the conflict page and the log "
                "name; the previous WorkOS user no longer signs in to it."
            )
        return field


integrate_user_admin()
route_admin_login()
