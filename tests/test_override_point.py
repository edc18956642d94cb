"""One override point that reaches every path (issue 25 item 3).

A site's adapter (``AUTHKIT["ADAPTER"]``), or an ``AuthKitBackend`` subclass that
overrides a backend hook, decides the same way at sign-in (the real flow against the
emulator), on a ``user.*`` webhook, through the Events API, in ``authkit_sync`` and
in the admin's "Sync selected users from WorkOS" action.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

import django_authkit
from django_authkit.adapter import DefaultAdapter
from django_authkit.backends import AuthKitBackend
from django_authkit.events.sync import poll_events
from django_authkit.identity.rules import IdentityRefused
from django_authkit.models import WorkOSUser
from tests.test_webhooks import SECRET, deliver

BLOCKED = "@blocked.test"


def _shout(user: Any) -> Any:
    """The site's rule: last names in capitals (a field WorkOS does not send that way)."""
    if user.last_name != user.last_name.upper():
        user.last_name = user.last_name.upper()
        user.save(update_fields=["last_name"])
    return user


def _refuse(workos_user: Any) -> None:
    if workos_user.email.endswith(BLOCKED):
        raise IdentityRefused("domain_blocked", "This domain cannot have an account here.", 403)


class ShoutingAdapter(DefaultAdapter):
    def update_user(self, user: Any, workos_user: Any) -> Any:
        return _shout(super().update_user(user, workos_user))

    def create_user(self, workos_user: Any) -> Any:
        _refuse(workos_user)
        return super().create_user(workos_user)


class ShoutingBackend(AuthKitBackend):
    def update_user(self, user: Any, workos_user: Any) -> Any:
        return _shout(super().update_user(user, workos_user))

    def create_user(self, workos_user: Any) -> Any:
        _refuse(workos_user)
        return super().create_user(workos_user)


@pytest.fixture(params=["adapter", "backend"])
def site(request: Any, emu: Any, settings: Any) -> str:
    """The site's override, as an adapter or as a backend subclass (listed first)."""
    settings.AUTHKIT = {**settings.AUTHKIT, "WEBHOOK_SECRET": SECRET}
    if request.param == "adapter":
        settings.AUTHKIT = {**settings.AUTHKIT, "ADAPTER": f"{__name__}.ShoutingAdapter"}
    else:
        settings.AUTHENTICATION_BACKENDS = [
            f"{__name__}.ShoutingBackend", *settings.AUTHENTICATION_BACKENDS
        ]
    return str(request.param)


# -- the paths ----------------------------------------------------------------------------

_event_ids = itertools.count()


def _remote_user(emu: Any, workos_id: str) -> dict[str, Any]:
    response = requests.get(
        f"{emu.url}/user_management/users/{workos_id}",
        headers={"Authorization": f"Bearer {emu.api_key}"}, timeout=10,
    )
    response.raise_for_status()
    return dict(response.json())


def _webhook(emu: Any, workos_id: str, name: str) -> None:
    body = {
        "id": f"event_01OVERRIDE{next(_event_ids):04d}",
        "event": name,
        "data": _remote_user(emu, workos_id),
        "created_at": "2026-01-01T00:00:00.000Z",
    }
    assert deliver(Client(), body).status_code == 200


def _sign_in(emu: Any, sign_in: Any, workos_id: str) -> None:
    sign_in(Client(), user_id=workos_id)


def _events_api(emu: Any, sign_in: Any, workos_id: str) -> None:
    assert poll_events().counts["failed"] == 0


def _authkit_sync(emu: Any, sign_in: Any, workos_id: str) -> None:
    call_command("authkit_sync", stdout=StringIO())


def _admin_sync(emu: Any, sign_in: Any, workos_id: str) -> None:
    root = get_user_model().objects.create_superuser("root", "root@example.test", "pw-12345!")
    staff = Client()
    staff.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    user = WorkOSUser.objects.get(workos_id=workos_id).user
    response = staff.post(
        "/admin/auth/user/", {"action": "sync_from_workos", "_selected_action": [user.pk]},
        follow=True,
    )
    assert "Sync from WorkOS: 1 synced" in response.content.decode()


UPDATES: dict[str, Callable[[Any, Any, str], None]] = {
    "sign-in": _sign_in,
    "webhook": lambda emu, sign_in, workos_id: _webhook(emu, workos_id, "user.updated"),
    "events-api": _events_api,
    "authkit_sync": _authkit_sync,
    "admin-sync": _admin_sync,
}


@pytest.mark.parametrize("path", sorted(UPDATES))
def test_the_sites_update_user_applies_on_every_path(
    site: str, path: str, emu: Any, authkit_sign_in: Any
) -> None:
    response = authkit_sign_in(Client(), email="ada@acme.test", first_name="Ada",
                               last_name="Lovelace")
    assert response.status_code == 302, response.content[:300]
    link = WorkOSUser.objects.select_related("user").get()
    assert link.user.last_name == "LOVELACE"  # a first sign-in: create_user, then update_user
    requests.put(
        f"{emu.url}/user_management/users/{link.workos_id}", json={"last_name": "King"},
        headers={"Authorization": f"Bearer {emu.api_key}"}, timeout=10,
    ).raise_for_status()

    UPDATES[path](emu, authkit_sign_in, link.workos_id)

    link.refresh_from_db()
    link.user.refresh_from_db()
    assert link.last_name == "King"  # the mirror row shows what WorkOS says
    assert link.user.last_name == "KING"  # the Django user follows the site's rule


def _create_by_sign_in(emu: Any, sign_in: Any, workos_ids: list[str]) -> None:
    for workos_id in workos_ids:
        response = sign_in(Client(), user_id=workos_id)
        expected = 403 if "blocked" in _remote_user(emu, workos_id)["email"] else 302
        assert response.status_code == expected, response.content[:300]
        if expected == 403:
            assert b"domain_blocked" in response.content or b"This domain" in response.content


CREATES: dict[str, Callable[[Any, Any, list[str]], None]] = {
    "sign-in": _create_by_sign_in,
    "webhook": lambda emu, sign_in, ids: [_webhook(emu, i, "user.created") for i in ids] and None,
    "events-api": lambda emu, sign_in, ids: _events_api(emu, sign_in, ""),
    "authkit_sync": lambda emu, sign_in, ids: _authkit_sync(emu, sign_in, ""),
}


@pytest.mark.parametrize("path", sorted(CREATES))
def test_the_sites_refusal_applies_on_every_path(
    site: str, path: str, emu: Any, authkit_sign_in: Any
) -> None:
    seeded = emu.control.seed({"users": [
        {"email": "ada@acme.test", "email_verified": True},
        {"email": f"eve{BLOCKED}", "email_verified": True},
    ]})
    workos_ids = [u["id"] for u in seeded["users"]]

    CREATES[path](emu, authkit_sign_in, workos_ids)

    assert sorted(WorkOSUser.objects.values_list("email", flat=True)) == ["ada@acme.test"]
    assert get_user_model().objects.filter(email__endswith=BLOCKED).count() == 0


def test_backend_hooks_still_answer_and_default_to_the_adapter(emu: Any, settings: Any) -> None:
    """The old hooks stay on the backend, and by default they are the adapter's decision."""
    settings.AUTHKIT = {**settings.AUTHKIT, "ADAPTER": f"{__name__}.ShoutingAdapter"}
    user = get_user_model().objects.create_user("grace", "grace@example.test", None)
    remote = type("Remote", (), {"first_name": "Grace", "last_name": "Hopper",
                                 "email": "grace@example.test", "email_verified": True,
                                 "id": "user_01GRACE"})()
    assert AuthKitBackend().update_user(user, remote).last_name == "HOPPER"


# -- identity sits below sessions and everything that signs in -------------------------

PACKAGE = Path(django_authkit.__file__).resolve().parent
ABOVE_IDENTITY = ("sessions", "signin", "events", "web", "api", "native", "admin", "views",
                  "middleware", "decorators", "webhooks", "urls", "management")


def _imported(path: Path) -> set[str]:
    """Every ``django_authkit`` module a file imports, inside functions too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "django_authkit":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("django_authkit."):
                found.add(node.module.removeprefix("django_authkit."))
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("django_authkit.") for a in node.names
                         if a.name.startswith("django_authkit."))
    return found


@pytest.mark.parametrize("module", sorted(
    [f"identity/{p.name}" for p in (PACKAGE / "identity").glob("*.py")]
    + ["backends.py", "adapter.py"]
))
def test_identity_imports_nothing_above_it(module: str) -> None:
    wrong = sorted(name for name in _imported(PACKAGE / module)
                   if name.split(".")[0] in ABOVE_IDENTITY)
    assert wrong == []


# -- the backend that answered is the one logged in ---------------------------------------


def test_a_site_listing_only_its_backend_subclass_stays_signed_in(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    """``login()`` uses the backend that authenticated, not a hard-coded AuthKitBackend
    (which, absent from AUTHENTICATION_BACKENDS, signed the user out on the next request)."""
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.ShoutingBackend"]
    browser = Client()
    response = authkit_sign_in(browser, email="solo@override.test", last_name="Solo")
    assert response.status_code == 302
    assert browser.session["_auth_user_backend"] == f"{__name__}.ShoutingBackend"
    assert get_user_model().objects.get(email="solo@override.test").last_name == "SOLO"
    assert browser.get("/private/").status_code == 200


def test_a_backend_subclass_alone_satisfies_the_backend_check(settings: Any) -> None:
    from django_authkit.checks.setup import check_middleware_and_backend

    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.ShoutingBackend"]
    assert "authkit.E006" not in {m.id for m in check_middleware_and_backend()}
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    assert "authkit.E006" in {m.id for m in check_middleware_and_backend()}
