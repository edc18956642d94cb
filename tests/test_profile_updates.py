"""What WorkOS sends about a person is cleaned, bounded, and follows the e-mail rule."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit import signals
from django_authkit.events.sync import pull_user
from django_authkit.identity import rules as identity
from django_authkit.models import Organization, WorkOSUser


def _api(emu: Any, method: str, path: str, **body: Any) -> Any:
    response = requests.request(
        method, emu.url + path, json=body or None, timeout=10,
        headers={"Authorization": f"Bearer {emu.api_key}"},
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@pytest.fixture
def refused() -> Iterator[list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        seen.append(kwargs)

    signals.email_update_refused.connect(receiver, weak=False)
    yield seen
    signals.email_update_refused.disconnect(receiver)


def _local(username: str, email: str) -> Any:
    """A local user on any user model (``USERNAME_FIELD`` may be the e-mail)."""
    model = get_user_model()
    fields = {model.get_email_field_name(): email}
    if not identity.username_is_email(model):
        fields[model.USERNAME_FIELD] = username
    return model._default_manager.create_user(**fields, password="pw-12345!")


def _first_sign_in(emu: Any, authkit_sign_in: Any, email: str = "ada@acme.test") -> Any:
    emu.control.seed({"users": [{"email": email, "email_verified": True}]})
    assert authkit_sign_in(Client(), email=email).status_code == 302
    return WorkOSUser.objects.select_related("user").get()


def _sign_in_again(emu: Any, authkit_sign_in: Any, link: Any) -> Any:
    response = authkit_sign_in(Client(), user_id=link.workos_id)
    assert response.status_code == 302, response.content[:300]
    link.user.refresh_from_db()
    return link.user


def test_an_unverified_new_email_is_not_copied(
    emu: Any, authkit_sign_in: Any, refused: list[dict[str, Any]]
) -> None:
    link = _first_sign_in(emu, authkit_sign_in)
    _api(emu, "PUT", f"/user_management/users/{link.workos_id}",
         email="ada.new@acme.test", email_verified=False)
    user = _sign_in_again(emu, authkit_sign_in, link)
    assert user.email == "ada@acme.test"
    assert [(r["reason"], r["email"]) for r in refused] == [("unverified", "ada.new@acme.test")]
    assert refused[0]["user"].pk == user.pk


def test_an_email_another_account_has_is_not_copied(
    emu: Any, authkit_sign_in: Any, refused: list[dict[str, Any]]
) -> None:
    other = _local("boss", "Boss@Acme.test")
    link = _first_sign_in(emu, authkit_sign_in)
    _api(emu, "PUT", f"/user_management/users/{link.workos_id}",
         email="boss@acme.test", email_verified=True)
    user = _sign_in_again(emu, authkit_sign_in, link)
    assert user.email == "ada@acme.test"
    assert [r["reason"] for r in refused] == ["in_use"]
    other.refresh_from_db()
    assert other.email == "Boss@acme.test"


def test_a_verified_free_email_replaces_the_local_one(
    emu: Any, authkit_sign_in: Any, refused: list[dict[str, Any]]
) -> None:
    link = _first_sign_in(emu, authkit_sign_in)
    _api(emu, "PUT", f"/user_management/users/{link.workos_id}",
         email="ada.lovelace@acme.test", email_verified=True)
    assert _sign_in_again(emu, authkit_sign_in, link).email == "ada.lovelace@acme.test"
    assert refused == []


def test_sync_follows_the_same_rule(
    emu: Any, authkit_sign_in: Any, refused: list[dict[str, Any]]
) -> None:
    link = _first_sign_in(emu, authkit_sign_in)
    _api(emu, "PUT", f"/user_management/users/{link.workos_id}",
         email="elsewhere@evil.test", email_verified=False)
    assert pull_user(link.user) == "synced"
    link.user.refresh_from_db()
    assert link.user.email == "ada@acme.test"
    assert [r["reason"] for r in refused] == ["unverified"]


@pytest.mark.skipif(
    "identity.username_is_email(get_user_model())", reason="refused instead: tests/custom_users"
)
def test_a_new_account_never_takes_an_address_in_use(
    emu: Any, authkit_sign_in: Any, refused: list[dict[str, Any]], settings: Any
) -> None:
    """A separate account (the adapter's opt-in; the default refuses, see
    tests/test_email_conflict.py) never gets the other's address."""
    settings.AUTHKIT = {**settings.AUTHKIT,
                        "ADAPTER": "tests.test_email_conflict.SeparateAccountAdapter"}
    local = _local("ada", "ada@acme.test")
    link = _first_sign_in(emu, authkit_sign_in, "ADA@acme.test")
    assert link.user_id != local.pk
    assert link.user.email == ""
    assert link.email == "ada@acme.test"  # WorkOS's view stays on the link row
    assert [r["reason"] for r in refused] == ["in_use"]


HOSTILE_NAMES = [
    ("A" * 10_000, "B" * 10_000),
    ("Ada\x00", "Love\x00lace"),
    ("\x1b[31mAda", "Lovelace\r\nX-Injected: 1"),
    ("\u202eadA", "\u2066Lovelace\u2069"),
]


@pytest.mark.parametrize(("first", "last"), HOSTILE_NAMES)
def test_names_are_cleaned_and_bounded(
    emu: Any, authkit_sign_in: Any, first: str, last: str
) -> None:
    emu.control.seed({"users": [{"email": "n@acme.test", "first_name": first, "last_name": last}]})
    response = authkit_sign_in(Client(), email="n@acme.test")
    assert response.status_code == 302, response.content[:300]
    link = WorkOSUser.objects.select_related("user").get()
    for row in (link, link.user):
        for name in ("first_name", "last_name"):
            value = getattr(row, name)
            assert len(value) <= type(row)._meta.get_field(name).max_length
            assert value and not any(ord(ch) < 32 or ch in "\u202e\u2066\u2069" for ch in value)


@pytest.mark.parametrize(
    "email", ["a" * 300 + "@acme.test", "x@" + "d" * 250 + ".test", "a" * 65 + "@acme.test"]
)
def test_an_oversized_email_is_never_stored(emu: Any, authkit_sign_in: Any, email: str) -> None:
    emu.control.seed({"users": [{"email": email, "email_verified": True}]})
    response = authkit_sign_in(Client(), email=email)
    assert response.status_code < 500, response.content[:300]
    for value in get_user_model().objects.values_list("email", flat=True):
        assert value == "" or identity.clean_email(value) == value
    for link in WorkOSUser.objects.all():
        assert len(link.email) <= 254


def test_an_oversized_picture_url_and_organization_name(
    emu: Any, authkit_sign_in: Any
) -> None:
    emu.control.seed({"users": [{"email": "p@acme.test"}]})
    user_id = emu.control.state()["users"][0]["id"]
    _api(emu, "PUT", f"/user_management/users/{user_id}",
         profile_picture_url="https://img.test/" + "p" * 5000)
    response = authkit_sign_in(
        Client(), email="p@acme.test", organization_name="Org " + "o" * 1000 + "\x00"
    )
    assert response.status_code == 302, response.content[:300]
    assert WorkOSUser.objects.get().profile_picture_url == ""
    for org in Organization.objects.all():
        assert len(org.name) <= 255 and "\x00" not in org.name


@pytest.mark.parametrize(
    ("value", "clean"),
    [("ada@acme.test", "ada@acme.test"), (" ada@acme.test\n", "ada@acme.test"),
     ("ada\x00@acme.test", ""), ("ada@acme.test\u200b", ""), ("user_01ABC", ""),
     ("a" * 250 + "@x.io", ""), ("ad a@acme.test", ""), ("", ""), (None, "")],
)
def test_clean_email(value: Any, clean: str) -> None:
    assert identity.clean_email(value) == clean
