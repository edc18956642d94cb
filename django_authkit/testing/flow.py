"""Drive the real sign-in flow with a Django test client against the emulator."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.urls import reverse


def sign_in_through_emulator(
    client: Any, emulator: Any, *, next: str | None = None, sign_up: bool = False, **choice: Any
) -> Any:
    """Sign ``client`` in as the user described by ``choice``; return the callback response.

    ``choice`` is passed to the emulator's hosted page: ``email``, ``first_name``,
    ``last_name``, ``organization_name``, ``organization_id``, ``role``,
    ``user_id``, ``provider``, ``impersonator_email``.
    """
    url = reverse("authkit:sign-up" if sign_up else "authkit:sign-in")
    start = client.get(url, {"next": next} if next else {})
    if start.status_code != 302:
        raise AssertionError(f"sign-in answered {start.status_code}, not a redirect")
    location = emulator.control.complete_sign_in(start["Location"], **choice)
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}")
