"""The e-mail identity rule: look-alikes never link, and no sign-in makes two accounts share
an address. Runs on SQLite and PostgreSQL (``AUTHKIT_TEST_DB``), and, through
``tests/test_custom_user_models.py``, with a user model that signs in by e-mail.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit.identity import rules as identity
from django_authkit.models import WorkOSUser

LOCAL = "Kira@Acme.test"

#: WorkOS addresses (verified) against the local ``Kira@Acme.test``; ``True``: the same identity.
VARIANTS = [
    ("KIRA@ACME.TEST", True),  # ASCII case variants: the same mailbox
    ("kira@acme.test", True),
    ("k\u0131ra@acme.test", False),  # dotless i: PostgreSQL's UPPER() makes it KIRA
    ("k\u0130ra@acme.test", False),  # capital I with dot above
    ("kira@acme.t\u0435st", False),  # Cyrillic ie in the domain
    ("kira@\uff41cme.test", False),  # fullwidth a: NFKC folds it to "acme"
    ("\uff4b\uff49\uff52\uff41@acme.test", False),  # fullwidth "kira"
    ("kira@acme.test\u200b", False),  # zero-width space
    ("ki\u0307ra@acme.test", False),  # combining dot above
    ("kira+x@acme.test", False),
]


def _make_local(address: str) -> Any:
    model = get_user_model()
    fields = {model.get_email_field_name(): address}
    if not identity.username_is_email(model):
        fields[model.USERNAME_FIELD] = "kira-local"
    return model._default_manager.create_user(**fields, password="pw-12345!")


def _keys_shared() -> list[str]:
    """Addresses (under the rule) that more than one local account has."""
    model = get_user_model()
    field = model.get_email_field_name()
    keys = [identity.email_key(v) for v in model._default_manager.values_list(field, flat=True)]
    return sorted({k for k in keys if k and keys.count(k) > 1})


@pytest.mark.parametrize("linking", [False, True], ids=["linking-off", "linking-on"])
@pytest.mark.parametrize(("workos_email", "same"), VARIANTS)
def test_email_variant_matrix(
    emu: Any, authkit_sign_in: Any, settings: Any, workos_email: str, same: bool, linking: bool
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "LINK_BY_EMAIL": linking}
    local = _make_local(LOCAL)
    before = getattr(local, local.get_email_field_name())
    emu.control.seed({"users": [{"email": workos_email, "email_verified": True}]})
    response = authkit_sign_in(Client(), email=workos_email)
    assert response.status_code < 500, response.content[:500]
    link = WorkOSUser.objects.filter().first()
    linked_to_local = link is not None and link.user_id == local.pk
    assert linked_to_local is (linking and same), (workos_email, response.status_code)
    assert _keys_shared() == []  # no two local accounts share an address
    local.refresh_from_db()
    now = getattr(local, local.get_email_field_name())
    assert now == before or (linked_to_local and identity.same_email(now, before))
    if link is not None and not linked_to_local:
        new = link.user
        value = getattr(new, new.get_email_field_name())
        assert value == "" or "@" in value  # never a WorkOS id in an e-mail field
        assert not identity.same_email(value, LOCAL)
    if same and not linking:  # the same address, not linked: the e-mail conflict page
        assert response.status_code == 409, response.content[:300]
        assert link is None and b"email_in_use" in response.content
    elif response.status_code != 302:  # refused: only an e-mail user model, with a reason
        assert identity.username_is_email(get_user_model())
        assert b"email_" in response.content


def test_unverified_email_never_links_nor_lands_on_an_account(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "LINK_BY_EMAIL": True}
    local = _make_local(LOCAL)
    emu.control.seed({"users": [{"email": "kira@acme.test", "email_verified": False}]})
    response = authkit_sign_in(Client(), email="kira@acme.test")
    assert response.status_code < 500
    assert not WorkOSUser.objects.filter(user=local).exists()
    assert _keys_shared() == []


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("ada@acme.test", "ADA@ACME.TEST", True),
        (" ada@acme.test ", "ada@acme.test", True),
        ("ad\u0131@acme.test", "adi@acme.test", False),
        ("\u212aim@acme.test", "kim@acme.test", False),  # Kelvin sign: lower() and NFC make it k
        ("\u017fam@acme.test", "sam@acme.test", False),  # long s: upper() makes it S
        ("stra\u00dfe@acme.test", "strasse@acme.test", False),  # casefold() makes it ss
        ("\ufb01@acme.test", "fi@acme.test", False),  # ligature: NFKC makes it fi
        ("\u00c9@acme.test", "\u00e9@acme.test", False),  # non-ASCII case is not folded
        ("", "", False),
    ],
)
def test_same_email_folds_ascii_case_only(a: str, b: str, same: bool) -> None:
    assert identity.same_email(a, b) is same


def test_lookalike_is_not_linked_even_where_the_database_folds_it(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    """The takeover of the issue: PostgreSQL's ``UPPER()`` folded a dotless i into ``I``."""
    settings.AUTHKIT = {**settings.AUTHKIT, "LINK_BY_EMAIL": True}
    local = _make_local("admin@acme.test")
    emu.control.seed({"users": [{"email": "adm\u0131n@acme.test", "email_verified": True}]})
    response = authkit_sign_in(Client(), email="adm\u0131n@acme.test")
    assert response.status_code < 500
    assert not WorkOSUser.objects.filter(user=local).exists()
