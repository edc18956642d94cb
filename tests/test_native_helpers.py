"""Fixtures and helpers shared by the native-forms tests (and a check of the helpers)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import struct
import time
from typing import Any

from django.test import Client
from django.urls import reverse

from django_authkit.core import crypto
from django_authkit.native import pending

PASSWORD = "correct-horse-battery"


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits) for a base32 ``secret``: what an authenticator shows."""
    secret = secret.replace(" ", "").upper()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(time.time() if at is None else at) // 30
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def test_totp_matches_rfc_6238_vectors() -> None:
    # RFC 6238 appendix B, SHA-1 seed "12345678901234567890" (8 digits there; last 6 here).
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp(secret, 59) == "287082"
    assert totp(secret, 1111111109) == "081804"
    assert totp(secret, 2000000000) == "279037"


def url(name: str) -> str:
    return reverse(f"authkit:{name}")


def seed_user(
    emu: Any,
    email: str = "ada@acme.test",
    *,
    password: str = PASSWORD,
    verified: bool = True,
    orgs: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A WorkOS user with a password (and memberships); returns the seeded user."""
    data: dict[str, Any] = {
        "users": [
            {
                "email": email,
                "first_name": "Ada",
                "last_name": "Lovelace",
                "password": password,
                "email_verified": verified,
            }
        ],
    }
    if orgs:
        data["organizations"] = [{"name": name} for name in orgs]
        data["memberships"] = [
            {"user": email, "organization": name, "role": "member"} for name in orgs
        ]
    result = emu.control.seed(data)
    return dict(result["users"][0])


def enroll_factor(emu: Any, user_id: str) -> str:
    """Give a user a TOTP factor through the API; returns its secret."""
    from django_authkit.workos import get_workos

    enrollment = get_workos().user_management.enroll_auth_factor(user_id, type="totp")
    return str((enrollment.authentication_factor.totp or {})["secret"])


def sign_in_post(client: Client, email: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(url("native-sign-in"), {"email": email, "password": password, **extra})


def open_step(client: Client) -> dict[str, Any] | None:
    """The browser's open step, as the server keeps it (encrypted in the session)."""
    stored = client.session.get(pending.SESSION_KEY)
    if stored is None:
        return None
    assert isinstance(stored, str) and "token" not in stored  # opaque, even to the browser
    return dict(json.loads(crypto.decrypt(stored) or "null"))


def change_step(client: Client, **changes: Any) -> None:
    session = client.session
    step = {**(open_step(client) or {}), **changes}
    session[pending.SESSION_KEY] = crypto.encrypt(json.dumps(step))
    session.save()


def secret_on_page(html: str) -> str:
    match = re.search(r'data-testid="totp-secret"[^>]*>([^<]+)<', html)
    assert match, "the enrolment page shows no setup key"
    return match.group(1).replace(" ", "")


def signed_in_email(client: Client) -> str | None:
    response = client.get("/whoami/")
    return str(response.json()["email"]) if response.status_code == 200 else None
