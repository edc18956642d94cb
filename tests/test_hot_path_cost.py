"""What the hot path carries and asks for, counted (never timed).

The session every request decodes holds only what the hot path reads; a bearer
request makes one query that loads one model.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from django_authkit.sessions.data import pack_hot, unpack_hot


def test_signed_in_session_holds_no_empty_leftovers(emu: Any, authkit_sign_in: Any) -> None:
    client = Client()
    authkit_sign_in(client, email="ada@example.test")
    data = SessionStore(client.cookies["sessionid"].value).load()
    assert "_authkit_pending" not in data  # the one pending sign-in was used up
    assert "policy" not in unpack_hot(data["_authkit"])  # no organization policy: nothing stored
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


# -- the packed claims (issue 24, item 1: Django decodes the session on every request) ----
def test_the_claims_are_stored_packed_and_the_session_stays_small(
    emu: Any, authkit_sign_in: Any
) -> None:
    """A nested object of named claims made Django's per-request decode a third dearer."""
    client = Client()
    authkit_sign_in(client, email="ada@example.test")
    key = client.cookies["sessionid"].value
    data = SessionStore(key).load()
    stored = data["_authkit"]
    assert isinstance(stored, list) and len(stored) == 6, stored
    raw = Session.objects.get(session_key=key).session_data
    as_object = SessionStore().encode({**data, "_authkit": unpack_hot(stored)})
    assert len(raw) < len(as_object) - 20, (raw, as_object)  # about 35 characters fewer
    assert client.get("/whoami/").status_code == 200


@pytest.mark.parametrize("hot", [
    {"sub": "user_1", "sid": "session_1", "exp": 2, "started": 1, "key": "k"},
    {"sub": "user_1", "sid": "session_1", "exp": 2, "started": 1, "key": "", "auth_time": 0,
     "org_id": "org_1", "roles": ["admin", "a|b"], "policy": {"idle": 60}, "seen": 3,
     "impersonator": {"email": "x@example.test", "reason": None}},
])
def test_packing_keeps_every_claim(hot: dict[str, Any]) -> None:
    packed = pack_hot(hot)
    assert isinstance(packed, list)
    assert unpack_hot(json.loads(json.dumps(packed))) == hot  # as the session stores it


@pytest.mark.parametrize("odd", [
    {"sub": 1, "sid": "s", "exp": 2, "started": 1, "key": "k"},  # not an id
    {"sub": "user_1", "sid": "s", "exp": 2.5, "started": 1, "key": "k"},  # not an integer
    {"sub": "user_1", "sid": "s", "exp": 2, "key": "k"},  # no start time
    {"sub": "user_1", "sid": "s", "exp": True, "started": 1, "key": "k"},
])
def test_what_the_string_cannot_hold_keeps_the_object_form(odd: dict[str, Any]) -> None:
    assert pack_hot(odd) == odd and unpack_hot(pack_hot(odd)) == odd


@pytest.mark.parametrize("stored", [
    "", "u|s|2|1|k|", 7, ["u"], ["u", "s", 2, 1, "k", None, [1]],
    ["u", "s", 2, 1, "k", None, {}, {}],
])
def test_a_value_that_is_not_packed_claims_is_refused(stored: Any) -> None:
    with pytest.raises(ValueError):
        unpack_hot(stored)


def test_a_session_stored_as_an_object_still_signs_in(emu: Any, authkit_sign_in: Any) -> None:
    """Sessions written before the packed form are read as they are."""
    client = Client()
    authkit_sign_in(client, email="old@example.test")
    session = client.session
    session["_authkit"] = unpack_hot(session["_authkit"])
    session.save()
    assert client.get("/whoami/").status_code == 200
    assert client.session["_authkit"] == session["_authkit"]  # not rewritten for nothing


def test_unreadable_claims_sign_out_without_a_500(emu: Any, authkit_sign_in: Any) -> None:
    client = Client()
    authkit_sign_in(client, email="odd@example.test")
    session = client.session
    session["_authkit"] = ["not", "packed"]
    session.save()
    response = client.get("/private/")
    assert response.status_code == 302 and "sign-in" in response["Location"]
    assert "_authkit" not in client.session


# -- Cache-Control on signed-in responses, written without has_header's KeyError ----------
def test_django_keeps_response_headers_as_the_middleware_reads_them() -> None:
    """The middleware peeks at ResponseHeaders' store; if Django changes it, this fails
    (and the middleware falls back to the public API, so responses stay private)."""
    from django.http import HttpResponse

    response = HttpResponse(headers={"Cache-Control": "max-age=5"})
    store = response.headers._store
    assert type(store) is dict and store["cache-control"] == ("Cache-Control", "max-age=5")


@pytest.mark.parametrize(("view_sets", "expected"), [
    (None, "private"),
    ("max-age=60", "max-age=60, private"),
    ("public, max-age=60", "public, max-age=60"),  # the view said so: left alone
    ("no-store", "no-store"),
])
def test_signed_in_responses_are_private_unless_the_view_decided(
    emu: Any, authkit_sign_in: Any, view_sets: str | None, expected: str
) -> None:
    client = Client()
    authkit_sign_in(client, email="cc@example.test")
    query = f"?cc={view_sets}" if view_sets else ""
    response = client.get(f"/cache-control/{query}")
    assert response.status_code == 200
    assert response["Cache-Control"] == expected
    raw = [v for k, v in response.items() if k.lower() == "cache-control"]
    assert raw == [expected]  # one header, under its usual name
