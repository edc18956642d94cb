"""Settings for the test suite: SQLite by default, PostgreSQL with AUTHKIT_TEST_DB=postgres."""

from __future__ import annotations

import json
import os
from typing import Any

import django

SECRET_KEY = "tests-only-secret-key-not-for-production-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
USE_TZ = True
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_authkit",
    "tests.testapp",
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
]

AUTHENTICATION_BACKENDS = [
    "django_authkit.backends.AuthKitBackend",
    "django.contrib.auth.backends.ModelBackend",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES: dict[str, dict[str, Any]]
if os.environ.get("AUTHKIT_TEST_DB") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("PGDATABASE", "authkit"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "54329"),
            # Persistent connections for the gunicorn processes of the multi-process tests
            # and benchmarks (as production runs); not in pytest's own process, whose
            # live-server thread must not reuse connections the test harness closes.
            "CONN_MAX_AGE": 60 if os.environ.get("AUTHKIT_TEST_EMULATOR") else 0,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("AUTHKIT_TEST_SQLITE", ":memory:"),
            "OPTIONS": {"timeout": 30},
        }
    }
    if django.VERSION >= (5, 1):  # several processes on one SQLite file: take write locks up front
        DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    if os.environ.get("AUTHKIT_TEST_SQLITE_DEFAULTS"):  # as `startproject` ships it
        DATABASES["default"]["OPTIONS"] = {}

# The multi-process tests run this project under gunicorn with a Redis cache.
if os.environ.get("AUTHKIT_TEST_CACHE"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["AUTHKIT_TEST_CACHE"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STATIC_URL = "/static/"
SILENCED_SYSTEM_CHECKS = ["authkit.W003"]  # the test project builds its redirect URI per request
LOGIN_URL = "authkit:sign-in"
LOGIN_REDIRECT_URL = "/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Filled per test by the emulator fixture; these keep checks quiet at import.
# Server processes started by the multi-process tests get the emulator's URL by env.
AUTHKIT = {
    "CLIENT_ID": "client_emulator",
    "API_KEY": "sk_test_emulator",
    "API_BASE_URL": os.environ.get("AUTHKIT_TEST_EMULATOR", "http://127.0.0.1:9"),
    "MAX_RETRIES": 0,
}

if os.environ.get("AUTHKIT_TEST_EMULATOR"):
    # Multi-process tests sign in dozens of cookie-less browsers from one address.
    AUTHKIT["RATE_LIMITS"] = {"sign-in": None}
    # ...and may tune the server processes' AUTHKIT (JSON object), e.g. short JWKS timers.
    AUTHKIT.update(json.loads(os.environ.get("AUTHKIT_TEST_SETTINGS") or "{}"))

if os.environ.get("AUTHKIT_TEST_REFRESH_WAIT"):  # sized from the machine by tests/cluster.py
    AUTHKIT["REFRESH_WAIT"] = float(os.environ["AUTHKIT_TEST_REFRESH_WAIT"])

if os.environ.get("AUTHKIT_TEST_EMULATOR"):  # server processes: errors to the gunicorn log
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"console": {"class": "logging.StreamHandler"}},
        "loggers": {
            "django.request": {"handlers": ["console"], "level": "ERROR"},
            "django_authkit": {"handlers": ["console"], "level": "WARNING"},
            # The cluster tests read how refresh waiters were woken (DEBUG lines).
            "django_authkit.refreshing": {
                "handlers": ["console"], "propagate": False,
                "level": os.environ.get("AUTHKIT_TEST_REFRESH_LOG", "WARNING"),
            },
        },
    }
