"""Account linking: by WorkOS id always, by e-mail only when a site opts in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit.models import WorkOSUser


def _local(email: str) -> Any:
    return get_user_model().objects.create_user(username=email, email=email, password="pw-12345!")


def test_existing_local_account_is_not_taken_over_by_default(
    emu: Any, authkit_sign_in: Any
) -> None:
    """Refused with the e-mail conflict page (tests/test_email_conflict.py): no takeover,
    and no second account either."""
    local = _local("ada@acme.test")
    assert authkit_sign_in(Client(), email="ada@acme.test").status_code == 409
    assert not WorkOSUser.objects.exists()
    assert list(get_user_model().objects.all()) == [local]


def test_a_separate_account_takes_the_workos_id_as_username(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    """The adapter's ``SEPARATE_ACCOUNT`` (opt-in): the e-mail username is taken."""
    settings.AUTHKIT = {**settings.AUTHKIT,
                        "ADAPTER": "tests.test_email_conflict.SeparateAccountAdapter"}
    local = _local("ada@acme.test")
    assert authkit_sign_in(Client(), email="ada@acme.test").status_code == 302
    link = WorkOSUser.objects.get()
    assert link.user_id != local.pk
    assert link.user.get_username() == link.workos_id  # the e-mail username was taken
    assert WorkOSUser.objects.filter(user=local).count() == 0


def test_opted_in_linking_uses_verified_email(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "LINK_BY_EMAIL": True}
    local = _local("Grace@Globex.test")
    emu.control.seed({"users": [{"email": "grace@globex.test", "email_verified": True}]})
    assert authkit_sign_in(Client(), email="grace@globex.test").status_code == 302
    assert WorkOSUser.objects.get().user_id == local.pk
    assert get_user_model().objects.count() == 1


def test_opted_in_linking_ignores_unverified_email(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "LINK_BY_EMAIL": True}
    local = _local("mallory@example.test")
    emu.control.seed({"users": [{"email": "mallory@example.test", "email_verified": False}]})
    assert authkit_sign_in(Client(), email="mallory@example.test").status_code == 409
    assert not WorkOSUser.objects.filter(user=local).exists()
    assert get_user_model().objects.count() == 1
