"""App config: registers the system checks and the signal receivers."""

from __future__ import annotations

from django.apps import AppConfig


class AuthKitConfig(AppConfig):
    name = "django_authkit"
    label = "authkit"
    verbose_name = "WorkOS AuthKit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: they use models, which exist only once the
        # app registry is ready. Importing registers the system checks and connects
        # the receivers (audit logs, the membership mirror after a refresh).
        import django_authkit.checks
        import django_authkit.events  # noqa: F401
