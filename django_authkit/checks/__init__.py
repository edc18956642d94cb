"""System checks and ``authkit_doctor``: misconfiguration found before a sign-in fails.

* :mod:`.setup`: what is missing (credentials, middleware order, backends, caches).
* :mod:`.settings`: settings present but wrong (types, typos, dotted paths, URLs, proxies).
* :mod:`.doctor`: ``manage.py authkit_doctor``, which talks to WorkOS to check the rest.

Importing the package registers the checks (``AuthKitConfig.ready``).
"""

from __future__ import annotations

from django_authkit.checks import settings, setup  # noqa: F401  (registers the checks)
