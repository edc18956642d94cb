"""The test settings with a user model that signs in by e-mail (no ``username``)."""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.email_user"]
AUTH_USER_MODEL = "email_user.EmailUser"
