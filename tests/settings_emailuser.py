"""The test project with a custom user model: e-mail as ``USERNAME_FIELD``, no username."""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.emailuser"]
AUTH_USER_MODEL = "emailuser.User"
