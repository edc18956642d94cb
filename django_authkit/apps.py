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
        from django_authkit import (  # noqa: F401
            audit,
            checks,
            config_checks,
            refresh_sync,
        )
