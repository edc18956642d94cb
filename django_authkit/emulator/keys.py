"""The emulator's RSA signing key: generated once per process so the JWKS never changes.

``PyJWKClient`` caches key sets per URL for the life of a process, so the key and
``kid`` must survive ``reset()`` and be shared by every server in the process.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from django_authkit.emulator.ids import ulid


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SigningKey:
    """An RSA key pair with its ``kid`` and a self-signed certificate for ``x5c``."""

    private_key: rsa.RSAPrivateKey
    kid: str

    @cached_property
    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @cached_property
    def certificate_der(self) -> bytes:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "WorkOS emulator")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.private_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(self.private_key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.DER)

    def jwk(self) -> dict[str, Any]:
        """The public JWK, with ``x5c``/``x5t#S256`` that the SDK's ``get_jwks()`` requires."""
        numbers = self.private_key.public_key().public_numbers()
        der = self.certificate_der
        thumb = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
        return {
            "alg": "RS256",
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
            "x5c": [base64.b64encode(der).decode()],
            "x5t#S256": thumb,
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk()]}


_lock = threading.Lock()
_key: list[SigningKey] = []


def signing_key() -> SigningKey:
    """The process-wide signing key (created on first use)."""
    with _lock:
        if not _key:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            _key.append(SigningKey(private, f"sso_oidc_key_pair_{ulid()}"))
        return _key[0]


def new_signing_key() -> SigningKey:
    """A fresh key pair with a new ``kid`` (for rotations)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return SigningKey(private, f"sso_oidc_key_pair_{ulid()}")


def saved_key(key: SigningKey) -> dict[str, str]:
    """A key as ``--state`` writes it: ``kid`` and private PEM."""
    return {"kid": key.kid, "pem": key.private_pem.decode()}


def loaded_key(saved: dict[str, Any]) -> SigningKey:
    """The key :func:`saved_key` wrote (ValueError when it is not an RSA key)."""
    private = serialization.load_pem_private_key(str(saved["pem"]).encode(), password=None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise ValueError("the state file's signing key is not an RSA key")
    return SigningKey(private, str(saved["kid"]))


class KeyRing:
    """The keys one emulator signs with and publishes: rotate, then retire the old.

    ``current`` signs new tokens; ``published`` (newest first) is what the JWKS
    serves. After :meth:`rotate` both old and new keys are published, as WorkOS
    does during a rotation; :meth:`retire` then drops every key but ``current``.
    :meth:`reset` goes back to the process-wide key.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current = signing_key()
        self.published: list[SigningKey] = [self.current]

    def rotate(self, *, retire_old: bool = False) -> SigningKey:
        key = new_signing_key()
        with self._lock:
            self.current = key
            self.published = [key] if retire_old else [key, *self.published]
        return key

    def retire(self) -> list[str]:
        """Stop publishing every key but the current one; the ``kid``\\ s retired."""
        with self._lock:
            gone = [k.kid for k in self.published if k is not self.current]
            self.published = [self.current]
        return gone

    def reset(self) -> None:
        with self._lock:
            self.current = signing_key()
            self.published = [self.current]

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            keys = list(self.published)
        return {"keys": [k.jwk() for k in keys]}

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"current": self.current.kid, "published": [k.kid for k in self.published]}

    def saved(self) -> dict[str, Any]:
        """The signing key and every published one (newest first), for ``--state``."""
        with self._lock:
            published = [saved_key(k) for k in self.published]
            return {"current": self.current.kid, "published": published}

    def load(self, saved: dict[str, Any]) -> None:
        """Sign and publish as :meth:`saved` recorded (a rotation survives a restart)."""
        published = [loaded_key(k) for k in saved["published"]]
        current = next((k for k in published if k.kid == saved["current"]), None)
        if current is None:
            raise ValueError("the state file's signing key is not among its published keys")
        with self._lock:
            self.current, self.published = current, published
