"""The ORM mirror of WorkOS: user links, organizations, memberships, and sessions.

WorkOS stays the source of truth; these rows make users, organizations and roles
queryable from Django and keep tokens server-side (never in cookies).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class WorkOSUser(models.Model):
    """Links a Django user to exactly one WorkOS user, by WorkOS's immutable id."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workos"
    )
    workos_id = models.CharField("WorkOS user id", max_length=64, unique=True)
    email = models.EmailField(blank=True)
    email_verified = models.BooleanField(default=False)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    profile_picture_url = models.URLField(max_length=1000, blank=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    workos_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="WorkOS's updated_at of the data last applied."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "WorkOS user link"
        permissions = [("send_password_reset", "Can send WorkOS password reset e-mails")]

    def __str__(self) -> str:
        return f"{self.workos_id} ({self.email})"


class Organization(models.Model):
    """A WorkOS organization, mirrored when one of its members signs in."""

    workos_id = models.CharField("WorkOS organization id", max_length=64, unique=True)
    name = models.CharField(max_length=255, blank=True)
    external_id = models.CharField(max_length=255, blank=True, default="")
    domains = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    idle_timeout = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds; overrides AUTHKIT['IDLE_TIMEOUT'] for members."
    )
    session_max_age = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds; overrides AUTHKIT['SESSION_MAX_AGE']."
    )
    warning_time = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds before an idle timeout to warn the user."
    )
    workos_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name or self.workos_id


class Membership(models.Model):
    """A user's role in an organization, as WorkOS last reported it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="authkit_memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    workos_id = models.CharField(max_length=64, blank=True, null=True, unique=True)
    role = models.CharField(max_length=100, blank=True)
    roles = models.JSONField(default=list, blank=True)
    permissions = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, default="active")
    workos_updated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
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

    session_id = models.CharField("WorkOS session id", max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="authkit_sessions"
    )
    organization_id = models.CharField(max_length=64, blank=True)
    access_token = models.TextField(help_text="Encrypted.")
    refresh_token = models.TextField(help_text="Encrypted.")
    access_token_expires_at = models.DateTimeField()
    authentication_method = models.CharField(max_length=64, blank=True)
    impersonator = models.JSONField(null=True, blank=True)
    django_session_key = models.CharField(
        max_length=64, blank=True, help_text="Deleted on revocation so the browser is signed out."
    )
    created_at = models.DateTimeField(default=timezone.now)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = "AuthKit session"
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
