"""The test settings with a user model whose primary key is a UUID."""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.uuid_user"]
AUTH_USER_MODEL = "uuid_user.UUIDUser"
