"""Foundations every other package may use; they know nothing of WorkOS or sign-in.

* :mod:`.crypto`: encryption of tokens at rest, keyed from ``SECRET_KEY``.
* :mod:`.clientip`: the client's IP and user agent, decided once (``TRUSTED_PROXY_COUNT``).
* :mod:`.ratelimit`: fixed-window counters in the Django cache (the responses are the web layer's).
* :mod:`.urlhelpers`: absolute URLs and the paths after sign-in and sign-out.
"""

from __future__ import annotations

from django_authkit.core.clientip import client_info, client_ip, user_agent
from django_authkit.core.crypto import decrypt, encrypt
from django_authkit.core.ratelimit import Rate, hit, rate_for, retry_after
from django_authkit.core.urlhelpers import (
    absolute,
    after_sign_in_path,
    after_sign_out_path,
    redirect_uri,
)

__all__ = [
    "Rate",
    "absolute",
    "after_sign_in_path",
    "after_sign_out_path",
    "client_info",
    "client_ip",
    "decrypt",
    "encrypt",
    "hit",
    "rate_for",
    "redirect_uri",
    "retry_after",
    "user_agent",
]
