"""WorkOS in the User admin: link, memberships and sessions inline, and user actions.

The project's registered admin class for ``get_user_model()`` is extended (not
replaced), so custom user models and custom user admins keep their own
behaviour. List ``django_authkit`` after the app that registers your user
admin, or call :func:`integrate_user_admin` yourself.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from django_authkit.models import AuthKitSession, Membership, WorkOSUser

WORKOS_OWNED = ("email", "first_name", "last_name")
#: The permissions the user actions need, besides ``change`` for the sync (see models).
REVOKE_SESSIONS = "authkit.revoke_sessions"
SEND_PASSWORD_RESET = "authkit.send_password_reset"
#: What ``pull_user`` reports, counted in the sync action's message.
SYNC_RESULTS = {
    "synced": _("%(count)d synced"),
    "deactivated": _("%(count)d deactivated"),
    "not_linked": _("%(count)d not linked"),
}


class WorkOSUserInline(admin.StackedInline):  # type: ignore[type-arg]
    model = WorkOSUser
    can_delete = False
    extra = 0
    max_num = 0
    verbose_name_plural = _("WorkOS")
    readonly_fields = ("workos_id", "email", "email_verified", "first_name", "last_name",
                       "profile_picture_url", "last_sign_in_at", "workos_updated_at")
    fields = readonly_fields


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    fk_name = "user"
    extra = 0
    max_num = 0
    can_delete = False
    readonly_fields = ("organization", "role", "roles", "permissions", "status", "updated_at")
    fields = readonly_fields


class AuthKitSessionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AuthKitSession
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("AuthKit sessions")
    template = "admin/authkit/edit_inline/tabular_scroll.html"  # stays inside its box
    readonly_fields = ("session_id", "organization_id", "authentication_method", "created_at",
                       "refreshed_at", "ended_at", "end_reason")
    fields = readonly_fields
    ordering = ("-created_at",)


@admin.action(description=_("Sync selected users from WorkOS"), permissions=["change"])
def sync_from_workos(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    from django_authkit.client.errors import WorkOSError
    from django_authkit.events.sync import pull_user

    counts: dict[str, int] = {}
    for user in queryset:
        try:
            result = pull_user(user)
        except WorkOSError as exc:
            modeladmin.message_user(
                request,
                _("WorkOS did not answer: %(error)s.") % {"error": type(exc).__name__},
                messages.ERROR,
            )
            return
        counts[result] = counts.get(result, 0) + 1
    summary = ", ".join(
        str(SYNC_RESULTS.get(what, "%(count)d " + what.replace("_", " "))) % {"count": n}
        for what, n in sorted(counts.items())
    )
    modeladmin.message_user(
        request, _("Sync from WorkOS: %(summary)s.") % {"summary": summary}, messages.SUCCESS
    )


@admin.action(description=_("Revoke all sessions of selected users"),
              permissions=["revoke_sessions"])
def revoke_sessions(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    from django_authkit.sessions.revocation import revoke_user_sessions

    total = sum(revoke_user_sessions(user, reason="admin_revoked") for user in queryset)
    modeladmin.message_user(
        request, _("Revoked %(count)d session(s).") % {"count": total}, messages.SUCCESS
    )


@admin.action(description=_("Send a WorkOS password reset e-mail"),
              permissions=["send_password_reset"])
def send_password_reset(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    from django_authkit.client.errors import WorkOSError
    from django_authkit.workos import get_workos

    sent = 0
    for link in WorkOSUser.objects.filter(user__in=queryset):
        try:
            get_workos().user_management.create_password_reset(email=link.email)
        except WorkOSError as exc:
            modeladmin.message_user(
                request,
                _("No password reset for %(email)s: WorkOS answered %(error)s.")
                % {"email": link.email, "error": type(exc).__name__},
                messages.ERROR,
            )
        else:
            sent += 1
    modeladmin.message_user(
        request, _("Password reset sent to %(count)d user(s).") % {"count": sent}, messages.SUCCESS
    )


def integrate_user_admin(site: admin.AdminSite = admin.site) -> bool:
    """Extend the registered user admin with the WorkOS inlines and actions (once)."""
    user_model = get_user_model()
    existing = site._registry.get(user_model)
    if existing is None or getattr(existing, "authkit_integrated", False):
        return False
    base: Any = type(existing)

    class AuthKitUserAdmin(base):  # type: ignore[misc]
        authkit_integrated = True
        inlines = [*base.inlines, WorkOSUserInline, MembershipInline, AuthKitSessionInline]
        actions = [*(base.actions or []), sync_from_workos, revoke_sessions, send_password_reset]

        def has_revoke_sessions_permission(self, request: HttpRequest) -> bool:
            """``authkit.revoke_sessions``: ends sessions here and at WorkOS."""
            return bool(request.user.has_perm(REVOKE_SESSIONS))

        def has_send_password_reset_permission(self, request: HttpRequest) -> bool:
            """``authkit.send_password_reset``: WorkOS e-mails the user a reset link."""
            return bool(request.user.has_perm(SEND_PASSWORD_RESET))

        def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
            fields = list(super().get_readonly_fields(request, obj))
            if obj is not None and WorkOSUser.objects.filter(user=obj).exists():
                fields += [f for f in WORKOS_OWNED if hasattr(obj, f) and f not in fields]
            return fields

    AuthKitUserAdmin.__name__ = f"AuthKit{base.__name__}"
    site.unregister(user_model)
    site.register(user_model, AuthKitUserAdmin)
    return True


def route_admin_login(site: admin.AdminSite = admin.site) -> None:
    """With ``ADMIN_LOGIN_VIA_AUTHKIT``, ``/admin/login/`` goes through AuthKit, no password."""
    from urllib.parse import urlencode

    from django.http import HttpResponseRedirect
    from django.urls import reverse

    from django_authkit.conf import authkit_settings
    from django_authkit.signin.start import safe_next

    password_login = site.login

    def login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if not authkit_settings.ADMIN_LOGIN_VIA_AUTHKIT:
            return password_login(request, extra_context)
        if request.user.is_authenticated and not site.has_permission(request):
            return not_authorized(request)  # signed in, not staff: explain, never loop
        target = safe_next(request.GET.get("next"), request) or reverse(f"{site.name}:index")
        return HttpResponseRedirect(f"{reverse('authkit:sign-in')}?{urlencode({'next': target})}")

    site.login = login  # type: ignore[method-assign]


def not_authorized(request: HttpRequest) -> HttpResponse:
    """Django's admin explanation for a signed-in user who is not staff (403)."""
    from django.shortcuts import render
    from django.utils.translation import gettext

    message = gettext(
        "You are authenticated as %(username)s, but are not authorized to access this page. "
        "Would you like to login to a different account?"
    ) % {"username": request.user.get_username()}
    return render(request, "authkit/forbidden.html", {
        "title": gettext("Not authorized"), "message": message, "code": "not_staff",
        "offer_sign_out": True,
    }, status=403)
