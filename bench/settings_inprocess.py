"""The in-process benchmarks: the test project with persistent database connections.

A connection kept open keeps the per-request baseline as small as it gets, so no
reconnect cost dilutes AuthKit's share of a request.
"""

from tests.settings import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = None  # noqa: F405
# The benchmarks sign in hundreds of times from one address: no throttling of the bench itself.
AUTHKIT = {**AUTHKIT, "RATE_LIMITS": None}  # noqa: F405
ROOT_URLCONF = "bench.urls"  # the test project's URLs and the plain sign-in baseline
