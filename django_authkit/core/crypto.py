"""Encryption of tokens at rest, keyed from ``SECRET_KEY``.

Keys are derived per purpose with HKDF, and ``SECRET_KEY_FALLBACKS`` are tried
for decryption, so rotating ``SECRET_KEY`` the Django way keeps sessions alive.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_PURPOSE = b"django-authkit token encryption v1"


@lru_cache(maxsize=8)
def _fernet_for(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _cipher() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(str(s)) for s in secrets])


def encrypt(value: str) -> str:
    return _cipher().encrypt(value.encode()).decode()


def decrypt(value: str) -> str | None:
    """Return the plaintext, or ``None`` when no current or fallback key opens it."""
    try:
        return _cipher().decrypt(value.encode()).decode()
    except (InvalidToken, ValueError):
        return None
