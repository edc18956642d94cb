"""The baseline: the test project with plain Django session auth and no AuthKit middleware."""

from tests.settings import *  # noqa: F403

MIDDLEWARE = [m for m in MIDDLEWARE if "django_authkit" not in m]  # noqa: F405
