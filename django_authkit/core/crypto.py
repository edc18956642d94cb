"""Encryption of tokens at rest, keyed from ``SECRET_KEY``.

Keys are derived per purpose with HKDF, and ``SECRET_KEY_FALLBACKS`` are tried
for decryption, so rotating ``SECRET_KEY`` the Django way keeps sessions alive.
A value sealed for one purpose (a pending sign-in's cookie, say) never opens as
another (a stored token): each purpose has its own key.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_PURPOSE = b"django-authkit token encryption v1"  # tokens at rest (the default purpose)


@lru_cache(maxsize=16)
def _fernet_for(secret: str, purpose: bytes = _PURPOSE) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _cipher(purpose: bytes) -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(str(s), purpose) for s in secrets])


def encrypt(value: str, purpose: bytes = _PURPOSE) -> str:
    return _cipher(purpose).encrypt(value.encode()).decode()


def decrypt(value: str, purpose: bytes = _PURPOSE, max_age: int | None = None) -> str | None:
    """Return the plaintext, or ``None`` when no current or fallback key opens it (or,
    with ``max_age``, when it was sealed more than ``max_age`` seconds ago)."""
    try:
        return _cipher(purpose).decrypt(value.encode(), ttl=max_age).decode()
    except (InvalidToken, ValueError):
        return None
