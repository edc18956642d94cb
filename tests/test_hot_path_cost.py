"""What the hot path carries and asks for, counted (never timed).

The session every request decodes holds only what the hot path reads; a bearer
request makes one query that loads one model.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def test_signed_in_session_holds_no_empty_leftovers(emu: Any, authkit_sign_in: Any) -> None:
    client = Client()
    authkit_sign_in(client, email="ada@example.test")
    data = SessionStore(client.cookies["sessionid"].value).load()
    assert "_authkit_pending" not in data  # the one pending sign-in was used up
    assert "policy" not in data["_authkit"]  # no organization policy: nothing stored
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/whoami/").status_code == 200
    assert len(ctx.captured_queries) == 2  # the session, the user: as plain Django


def test_bearer_request_is_one_query_for_one_model(emu: Any, authkit_sign_in: Any) -> None:
    from tests.test_bearer import _token

    token = _token(emu, email="ada@acme.test", organization_name="Acme", role="admin")
    from django_authkit.sessions import bearer

    bearer.clear_cache()
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    for _ in range(2):  # first-seen, then repeated
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/whoami/").status_code == 200
        assert len(ctx.captured_queries) == 1
        select_list = ctx.captured_queries[0]["sql"].split(" FROM ")[0]
        assert "workosuser" not in select_list.lower()  # the link is joined, not loaded
