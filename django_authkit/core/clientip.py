"""The client's IP address and user agent, decided once for every use.

Rate limits, the ``ip_address``/``user_agent`` sent with every WorkOS
``authenticate`` grant (WorkOS shows them on the session and feeds them to
Radar) and audit-log events all ask here, so they never disagree about who the
client is.

``AUTHKIT["TRUSTED_PROXY_COUNT"]`` says how many proxies in front of the site
append to ``AUTHKIT["CLIENT_IP_HEADER"]`` (``X-Forwarded-For`` by default).
With ``0`` the header is ignored and ``REMOTE_ADDR`` is the client. With ``N``
the client is the ``N``-th entry from the right: the one the outermost trusted
proxy appended. Entries to the left of it come from the client itself and can
say anything, so they are never read.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest

from django_authkit.conf import authkit_settings

__all__ = ["client_info", "client_ip", "header_key", "parse_ip", "user_agent"]

#: WorkOS keeps at most this much of a user agent; longer values are cut, not refused.
USER_AGENT_LIMIT = 512


def parse_ip(value: object) -> str | None:
    """``value`` as a normalized IP address, or ``None`` when it is not one.

    Accepts what proxies write: ``203.0.113.7``, ``203.0.113.7:51234``,
    ``2001:db8::1``, ``[2001:db8::1]:443``, quoted values; an IPv4-mapped IPv6
    address is given as the IPv4 address it carries.
    """
    if not isinstance(value, str):
        return None
    text = value.strip().strip('"').strip()
    if text.startswith("["):  # [v6] or [v6]:port
        end = text.find("]")
        if end == -1:
            return None
        text = text[1:end]
    elif text.count(":") == 1:  # v4:port (a bare v6 address has several colons)
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def header_key(name: str) -> str:
    """The ``request.META`` key of an HTTP header name (``X-Forwarded-For`` → ``HTTP_X_…``).

    A name already in ``META`` form (``HTTP_X_FORWARDED_FOR``, as Django's own
    ``SECURE_PROXY_SSL_HEADER`` is written) is taken as it is.
    """
    key = name.strip().upper().replace("-", "_")
    return key if key.startswith("HTTP_") else f"HTTP_{key}"


def _trusted_proxies() -> int:
    """The configured count; a wrong value (the system check reports it) trusts no proxy."""
    count = authkit_settings.TRUSTED_PROXY_COUNT
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        return 0
    return count


def client_ip(request: HttpRequest) -> str:
    """The client's IP address; ``""`` when the request carries none that is valid."""
    remote = parse_ip(request.META.get("REMOTE_ADDR")) or ""
    count = _trusted_proxies()
    header = authkit_settings.CLIENT_IP_HEADER
    if count == 0 or not isinstance(header, str) or not header.strip():
        return remote
    raw = request.META.get(header_key(header))
    if not isinstance(raw, str):
        return remote
    entries = [entry.strip() for entry in raw.split(",")]
    if len(entries) < count:  # fewer hops than proxies: the header was not written by them
        return remote
    return parse_ip(entries[-count]) or remote


def user_agent(request: HttpRequest) -> str | None:
    """The client's ``User-Agent``, cut to what WorkOS keeps; ``None`` when absent."""
    return request.headers.get("User-Agent", "")[:USER_AGENT_LIMIT] or None


def client_info(request: HttpRequest | None) -> dict[str, str | None]:
    """``ip_address`` and ``user_agent`` for a WorkOS grant; both ``None`` without a request."""
    if request is None:
        return {"ip_address": None, "user_agent": None}
    return {"ip_address": client_ip(request) or None, "user_agent": user_agent(request)}
