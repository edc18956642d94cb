"""Native sign-in forms (headless AuthKit): the site's own pages, WorkOS's API behind them.

Enabled by ``AUTHKIT["NATIVE_FORMS"]``; the URLs are part of ``django_authkit.urls``.
See ``docs/native.rst``.
"""
