"""Smoke test of an installed wheel: sign in through the emulator, outside the source tree.

Run by scripts/package_smoke.sh in a fresh virtualenv; fails if the wheel lacks
a module, a template, a migration or the emulator.
"""

from __future__ import annotations

import sys

import django
from django.conf import settings
from django.urls import include, path

urlpatterns: list[object] = []  # filled once settings exist


def main() -> None:
    settings.configure(
        SECRET_KEY="package-smoke-test-secret-key-0123456789-abcdefghijklmnop",
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["testserver"],
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                        "django.contrib.sessions", "django.contrib.admin",
                        "django.contrib.messages", "django_authkit"],
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                    "django.contrib.auth.middleware.AuthenticationMiddleware",
                    "django_authkit.middleware.AuthKitMiddleware"],
        AUTHENTICATION_BACKENDS=["django_authkit.backends.AuthKitBackend"],
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                    "APP_DIRS": True, "OPTIONS": {"context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages"]}}],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
        AUTHKIT={},
    )
    django.setup()
    urlpatterns.append(path("auth/", include("django_authkit.urls")))
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    import django_authkit
    from django_authkit.emulator import EmulatorServer
    from django_authkit.testing.flow import sign_in_through_emulator

    assert "site-packages" in (django_authkit.__file__ or ""), django_authkit.__file__
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("makemigrations", "authkit", "--check", "--dry-run", verbosity=0)
    emu = EmulatorServer(port=0).start()
    try:
        settings.AUTHKIT.update(CLIENT_ID=emu.client_id, API_KEY=emu.api_key,
                                API_BASE_URL=emu.url)
        emu.control.configure(redirect_uris=["http://testserver/auth/callback/"])
        client = Client()
        response = sign_in_through_emulator(client, emu, email="smoke@example.test")
        assert response.status_code == 302, response.content[:300]
        assert get_user_model().objects.filter(email="smoke@example.test").exists()
        assert client.get("/auth/sign-out/").status_code == 200  # a packaged template
    finally:
        emu.stop()
    print(f"package smoke: signed in with django-authkit {django_authkit.__version__} "
          f"from {django_authkit.__file__}")


if __name__ == "__main__":
    sys.exit(main())
