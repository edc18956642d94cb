"""Admin screens for the WorkOS mirror; ``admin.site`` registrations live in ``mirror``."""

from django_authkit.admin import mirror  # noqa: F401  (registers the ModelAdmins)
