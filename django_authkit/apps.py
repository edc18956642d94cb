"""App config: registers the system checks and the signal receivers."""

from __future__ import annotations

from django.apps import AppConfig


class AuthKitConfig(AppConfig):
    name = "django_authkit"
    label = "authkit"
    verbose_name = "WorkOS AuthKit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Importing registers the system checks and connects the audit-log and
        # refresh (membership mirror) receivers.
        from django_authkit.checks import settings as config_checks  # noqa: F401
        from django_authkit.checks import setup as checks  # noqa: F401
        from django_authkit.events import audit  # noqa: F401
        from django_authkit.events import refresh as refresh_sync  # noqa: F401
