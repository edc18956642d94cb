"""E-mail linking (opt-in) matches case variants only, never lookalikes or unverified e-mails.

A sign-in whose address is another local account's without linking is refused (409,
``email_in_use``): no link and no second account.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_authkit.models import WorkOSUser

LOCAL = "ada@acme.test"


@pytest.mark.parametrize(
    ("workos_email", "verified", "links"),  # links: True, False (a separate account), None
    [
        ("ada@acme.test", True, True),
        ("ADA@ACME.TEST", True, True),
        ("Ada@Acme.Test", True, True),
        ("ada@acme.test", False, None),  # unverified: the same address, refused
        ("\u0430da@acme.test", True, False),  # Cyrillic a
        ("ada@acme.tes\u0442", True, False),  # Cyrillic te
        ("ada@acme.test\u200b", True, False),  # zero-width space
        ("ada@acme.testx", True, False),
        ("ada+1@acme.test", True, False),
        ("\uff41da@acme.test", True, False),  # fullwidth a
    ],
)
def test_email_link_variants(
    emu: Any, authkit_sign_in: Any, settings: Any, workos_email: str, verified: bool, links: bool
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "LINK_BY_EMAIL": True}
    local = get_user_model().objects.create_user("ada", LOCAL, "pw-12345!")
    emu.control.seed({"users": [{"email": workos_email, "email_verified": verified}]})
    status = authkit_sign_in(Client(), email=workos_email).status_code
    if links is None:
        assert status == 409 and not WorkOSUser.objects.exists()
        return
    assert status == 302
    assert (WorkOSUser.objects.get().user_id == local.pk) is links


def test_no_linking_by_default_even_when_verified(emu: Any, authkit_sign_in: Any) -> None:
    local = get_user_model().objects.create_user("ada", LOCAL, "pw-12345!")
    emu.control.seed({"users": [{"email": LOCAL, "email_verified": True}]})
    assert authkit_sign_in(Client(), email=LOCAL).status_code == 409  # email_in_use
    assert not WorkOSUser.objects.exists()  # not linked, and no second account
    assert get_user_model().objects.count() == 1
    local.refresh_from_db()
    assert local.has_usable_password()  # the local account is untouched
