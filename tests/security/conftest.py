"""Fixtures of the security suite."""

from tests.security.keyserver import keyserver  # noqa: F401  (a fixture)
