"""Example site settings.

With no WorkOS credentials in the environment it talks to the local emulator
(``make demo`` starts one on 127.0.0.1:8765); set ``WORKOS_API_KEY`` and
``WORKOS_CLIENT_ID`` (and ``WORKOS_REDIRECT_URI``) to use real WorkOS.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-insecure-key-change-me-0123456789")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_authkit",
    "example",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # pages in the visitor's language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_authkit.middleware.AuthKitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "django_authkit.backends.AuthKitBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "example.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Overrides of django-authkit's templates (the emulator's outbox on code pages).
        "DIRS": [BASE_DIR / "example" / "overrides"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "example.context.example",
            ]
        },
    }
]
WSGI_APPLICATION = "example.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EXAMPLE_DB", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"
LOGIN_URL = "authkit:sign-in"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

EMULATOR_URL = os.environ.get("AUTHKIT_EMULATOR_URL", "http://127.0.0.1:8765")
USING_EMULATOR = not (os.environ.get("WORKOS_API_KEY") and os.environ.get("WORKOS_CLIENT_ID"))

#: The WorkOS organization of whoever runs this site (the emulator seed's "Acme Corp").
OPERATOR_ORGANIZATION = "org_01EXAMPLEACMECORPOPERATOR"

if USING_EMULATOR:
    AUTHKIT = {
        "CLIENT_ID": "client_emulator",
        "API_KEY": "sk_test_emulator",
        "API_BASE_URL": EMULATOR_URL,
        "REDIRECT_URI": os.environ.get(
            "WORKOS_REDIRECT_URI", "http://127.0.0.1:8000/auth/callback/"
        ),
        # Acme Corp runs this site (its id is fixed in emulator-seed.json): an "admin" of
        # Acme Corp administers it. Globex is a customer: its admins are not staff here.
        "STAFF_ORGANIZATIONS": [OPERATOR_ORGANIZATION],
        "STAFF_ROLES": ["admin"],
        "SUPERUSER_ROLES": ["admin"],
        "ADMIN_LOGIN_VIA_AUTHKIT": True,
        # The site's own sign-in pages (password, codes, MFA) next to the hosted page.
        "NATIVE_FORMS": True,
    }
else:
    AUTHKIT = {}  # everything from the WORKOS_* environment variables

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_authkit": {"handlers": ["console"], "level": "INFO"}},
}
