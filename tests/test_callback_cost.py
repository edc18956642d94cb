"""What a sign-in callback asks of the database, statement by statement (counted, never timed).

docs/performance.rst explains each statement. Transaction control (BEGIN, COMMIT,
SAVEPOINT, RELEASE) is left out: it differs between SQLite and PostgreSQL and with
the test's own transaction, the statements that read and write rows do not.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from django_authkit.models import AuthKitSession, WorkOSUser

TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|SAVEPOINT|RELEASE|ROLLBACK)\b", re.I)

# Plain Django's share of signing a user in. The pending sign-in is in its own cookie,
# not in a session row, so a browser without a session has none to load or delete:
# a new key (exists check, insert), then ``last_login``; the signed-in session is
# saved at the response.
DJANGO_LOGIN = [
    ("SELECT", "django_session"), ("INSERT", "django_session"),
    ("UPDATE", "auth_user"),
]
RESPONSE = [("UPDATE", "django_session")]
#: Plain Django signing a user in from an anonymous session (bench/urls.py), every
#: statement counted (transaction control too): the issue's baseline.
PLAIN_DJANGO_STATEMENTS = 12


def _shape(sql: str) -> tuple[str, str]:
    verb = sql.split(None, 1)[0].upper()
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.I)
    return verb, table.group(1) if table else "?"


def _callback_statements(
    emu: Any, limit: int | None = None, **choice: Any
) -> list[tuple[str, str]]:
    client = Client()
    start = client.get("/auth/sign-in/")
    parts = urlsplit(emu.control.complete_sign_in(start["Location"], **choice))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 302, response.content[:300]
    everything = [q["sql"] for q in ctx.captured_queries]
    assert limit is None or len(everything) <= limit, everything
    return [_shape(sql) for sql in everything if not TRANSACTION.match(sql)]


@pytest.mark.django_db(transaction=True)
def test_a_returning_users_callback(emu: Any) -> None:
    _callback_statements(emu, email="back@example.test")  # first sign-in creates the user
    statements = _callback_statements(emu, PLAIN_DJANGO_STATEMENTS, email="back@example.test")
    expected = [
        ("SELECT", "authkit_workosuser"),  # the link, with its user joined
        ("UPDATE", "authkit_workosuser"),  # last_sign_in_at (and only what changed)
        *DJANGO_LOGIN,
        ("INSERT", "authkit_authkitsession"),  # one INSERT: no read, no savepoint
        *RESPONSE,
    ]
    assert statements == expected, statements
    assert AuthKitSession.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_new_users_callback(emu: Any) -> None:
    statements = _callback_statements(emu, email="new@example.test")
    expected = [
        ("SELECT", "authkit_workosuser"),  # no link yet
        ("SELECT", "auth_user"),  # is the address used by another account? (asked once)
        ("SELECT", "auth_user"),  # is the username free?
        ("INSERT", "auth_user"),
        ("INSERT", "authkit_workosuser"),  # written once, with WorkOS's profile on it
        *DJANGO_LOGIN,
        ("INSERT", "authkit_authkitsession"),
        *RESPONSE,
    ]
    assert statements == expected, statements
    link = WorkOSUser.objects.get()
    assert link.email == "new@example.test" and link.last_sign_in_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_same_workos_session_signing_in_again_replaces_its_row(emu: Any) -> None:
    """A repeated ``sid`` (the INSERT refused) updates the row instead of failing."""
    from django_authkit.core import crypto

    client = Client()
    start = client.get("/auth/sign-in/")
    parts = urlsplit(emu.control.complete_sign_in(start["Location"], email="again@example.test"))
    assert client.get(f"{parts.path}?{parts.query}").status_code == 302
    row = AuthKitSession.objects.get()
    AuthKitSession.objects.filter(pk=row.pk).update(access_token=crypto.encrypt("stale"))
    from django_authkit.sessions.lifecycle import _insert_or_replace

    replaced = _insert_or_replace(row.session_id, {
        "user": row.user, "organization_id": "", "access_token": crypto.encrypt("fresh"),
        "refresh_token": row.refresh_token, "access_token_expires_at": row.access_token_expires_at,
        "authentication_method": "", "impersonator": None, "django_session_key": "",
        "ended_at": None, "end_reason": "",
    })
    assert replaced.pk == row.pk and crypto.decrypt(replaced.access_token) == "fresh"
    assert AuthKitSession.objects.count() == 1
