"""The ORM mirror of WorkOS: user links, organizations, memberships, and sessions.

WorkOS stays the source of truth; these rows make users, organizations and roles
queryable from Django and keep tokens server-side (never in cookies).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkOSUser(models.Model):
    """Links a Django user to exactly one WorkOS user, by WorkOS's immutable id."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="workos",
        verbose_name=_("user"),
    )
    workos_id = models.CharField(_("WorkOS user id"), max_length=64, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    email_verified = models.BooleanField(_("e-mail verified"), default=False)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    profile_picture_url = models.URLField(_("profile picture URL"), max_length=1000, blank=True)
    last_sign_in_at = models.DateTimeField(_("last sign-in at"), null=True, blank=True)
    workos_updated_at = models.DateTimeField(
        _("WorkOS updated at"),
        null=True,
        blank=True,
        help_text=_("WorkOS's updated_at of the data last applied."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("WorkOS user link")
        verbose_name_plural = _("WorkOS user links")
        permissions = [("send_password_reset", "Can send WorkOS password reset e-mails")]

    def __str__(self) -> str:
        return f"{self.workos_id} ({self.email})"


class Organization(models.Model):
    """A WorkOS organization, mirrored when one of its members signs in."""

    workos_id = models.CharField(_("WorkOS organization id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    external_id = models.CharField(_("external id"), max_length=255, blank=True, default="")
    domains = models.JSONField(_("domains"), default=list, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    idle_timeout = models.PositiveIntegerField(
        _("idle timeout"),
        null=True,
        blank=True,
        help_text=_("Seconds; overrides AUTHKIT['IDLE_TIMEOUT'] for members."),
    )
    session_max_age = models.PositiveIntegerField(
        _("session max age"),
        null=True,
        blank=True,
        help_text=_("Seconds; overrides AUTHKIT['SESSION_MAX_AGE']."),
    )
    warning_time = models.PositiveIntegerField(
        _("warning time"),
        null=True,
        blank=True,
        help_text=_("Seconds before an idle timeout to warn the user."),
    )
    workos_updated_at = models.DateTimeField(_("WorkOS updated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name or self.workos_id


class Membership(models.Model):
    """A user's role in an organization, as WorkOS last reported it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="authkit_memberships",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organization"),
    )
    workos_id = models.CharField(
        _("WorkOS membership id"), max_length=64, blank=True, null=True, unique=True
    )
    role = models.CharField(_("role"), max_length=100, blank=True)
    roles = models.JSONField(_("roles"), default=list, blank=True)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, default="active")
    workos_updated_at = models.DateTimeField(_("WorkOS updated at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="authkit_unique_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"


class AuthKitSession(models.Model):
    """One WorkOS session (``sid``) and its tokens, encrypted at rest.

    Rows are the coordination point for refreshes across processes: a refresh
    locks the row, so exactly one worker spends the single-use refresh token.
    """

    session_id = models.CharField(_("WorkOS session id"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="authkit_sessions",
        verbose_name=_("user"),
    )
    organization_id = models.CharField(_("organization id"), max_length=64, blank=True)
    access_token = models.TextField(_("access token"), help_text=_("Encrypted."))
    refresh_token = models.TextField(_("refresh token"), help_text=_("Encrypted."))
    access_token_expires_at = models.DateTimeField(_("access token expires at"))
    authentication_method = models.CharField(_("authentication method"), max_length=64, blank=True)
    impersonator = models.JSONField(_("impersonator"), null=True, blank=True)
    django_session_key = models.CharField(
        _("Django session key"),
        max_length=64,
        blank=True,
        help_text=_("Deleted on revocation so the browser is signed out."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("AuthKit session")
        verbose_name_plural = _("AuthKit sessions")
        permissions = [("revoke_sessions", "Can revoke sessions (here and at WorkOS)")]
        indexes = [models.Index(fields=["user", "ended_at"], name="authkit_session_user_idx")]

    def __str__(self) -> str:
        return self.session_id

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class WebhookEvent(models.Model):
    """A WorkOS event seen once, by id: duplicates and replays are ignored."""

    event_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=100, db_index=True)
    source = models.CharField(max_length=16, default="webhook")  # webhook | events_api
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class EventCursor(models.Model):
    """Where ``authkit_sync --events`` stopped reading the Events API."""

    name = models.CharField(max_length=64, unique=True, default="default")
    after = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.after or '(start)'}"
