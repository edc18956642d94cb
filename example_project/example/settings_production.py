"""Production settings for the example site: ``manage.py check --deploy`` is clean.

Everything secret or site-specific comes from the environment; real WorkOS is
used (``WORKOS_CLIENT_ID``, ``WORKOS_API_KEY``, ``WORKOS_REDIRECT_URI``).
"""

from __future__ import annotations

import os

from example.settings import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")

AUTHKIT = {
    # The WorkOS organization(s) that run the site, comma-separated: only their "admin"s
    # become staff and superusers; customer organizations' admins never do (authkit.E130).
    "STAFF_ORGANIZATIONS": os.environ["AUTHKIT_STAFF_ORGANIZATIONS"].split(","),
    "STAFF_ROLES": ["admin"],
    "SUPERUSER_ROLES": ["admin"],
    "ADMIN_LOGIN_VIA_AUTHKIT": True,  # no password back door into the admin
    "IDLE_TIMEOUT": 8 * 3600,
    # Behind one load balancer that appends to X-Forwarded-For (as SECURE_PROXY_SSL_HEADER
    # below assumes): the client IP for rate limits, WorkOS and audit logs (authkit.W120).
    "TRUSTED_PROXY_COUNT": int(os.environ.get("TRUSTED_PROXY_COUNT", "1")),
}

SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"  # the callback is a top-level GET from WorkOS: Lax, not Strict
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Several worker processes share refresh single-flight, signing keys, revocation marks
# and rate limits through the cache (authkit.W110 warns about a per-process one).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
}
