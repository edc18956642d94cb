"""Which ``iss`` the emulator mints (``api_users`` serves the discovery document).

WorkOS mints more than one issuer shape (see ``docs/security.rst``): the bare API
origin for legacy environments, ``<origin>/user_management/<client_id>`` for
environments created since mid-2025, a custom authentication domain's origin, and a
flag-gated ``<origin>/sso/<client_id>``. ``Config.issuer`` holds a shape name or a
literal URL, so a test (or ``--issuer-shape``) can reproduce any of them.
"""

from __future__ import annotations

#: Shape names; anything else given as an issuer is minted as written (a custom domain).
SHAPES = ("per-client", "legacy", "sso")
DEFAULT_SHAPE = "per-client"


def resolve(value: str | None, base_url: str, client_id: str) -> str:
    """The ``iss`` for a shape name (or a literal URL) on this emulator."""
    shape = value or DEFAULT_SHAPE
    if shape == "legacy":
        return base_url
    if shape == "sso":
        return f"{base_url}/sso/{client_id}"
    if shape == "per-client":
        return f"{base_url}/user_management/{client_id}"
    return shape


def check(value: object) -> str | None:
    """``value`` as a stored issuer setting (``None``: the default), or ``ValueError``."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("issuer must be a string")
    value = value.strip()
    if value in SHAPES or value.startswith(("http://", "https://")):
        return value
    raise ValueError(f"issuer must be one of {', '.join(SHAPES)} or an http(s) URL")
