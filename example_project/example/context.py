"""Template context for every page of the example site (header, switcher, emulator notes)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from django_authkit import get_workos

log = logging.getLogger(__name__)
CACHE_KEY = "example:organizations"


def organizations(request: HttpRequest) -> list[dict[str, str]]:
    """The signed-in user's active organizations at WorkOS, for the switcher.

    Asked once per WorkOS session and kept in the Django session: the switcher should
    not cost an API call on every page. WorkOS unreachable: no switcher, no error.
    """
    authkit = getattr(request, "authkit", None)
    if not authkit or not request.user.is_authenticated:
        return []
    cached = request.session.get(CACHE_KEY)
    if cached and cached.get("sid") == authkit.session_id:
        return list(cached["orgs"])
    try:
        page = get_workos().user_management.list_organization_memberships(
            user_id=authkit.user_id, statuses=["active"], limit=100
        )
        orgs = [
            {"id": m.organization_id, "name": m.organization_name or m.organization_id}
            for m in page.data
        ]
    except Exception:  # the header must render whatever WorkOS does
        log.warning("could not list organizations for the switcher", exc_info=True)
        return []
    request.session[CACHE_KEY] = {"sid": authkit.session_id, "orgs": orgs}
    return orgs


def example(request: HttpRequest) -> dict[str, Any]:
    return {
        "using_emulator": settings.USING_EMULATOR,
        "emulator_url": settings.EMULATOR_URL,
        "outbox_url": f"{settings.EMULATOR_URL}/_emulator/outbox/page",
        "organizations": organizations(request),
    }
