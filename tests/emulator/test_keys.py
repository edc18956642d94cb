"""Key rotation, JWKS faults and lost responses, driven through the control API."""

from __future__ import annotations

import threading

import jwt
import pytest
import requests

from django_authkit.emulator import EmulatorError
from tests.emulator.conftest import CLIENT_ID, Api, exchange, get_code, refresh, sign_in

JWKS = f"/sso/jwks/{CLIENT_ID}"


def kids(api: Api) -> list[str]:
    return [k["kid"] for k in api.get(JWKS).json()["keys"]]


def token_kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def test_rotation_serves_old_and_new_then_retires_old(emu, api) -> None:
    old = sign_in(emu, api, email="k@x.co")
    old_kid = token_kid(old["access_token"])
    assert kids(api) == [old_kid]
    rotated = emu.control.rotate_keys()
    assert rotated["current"] != old_kid and rotated["published"] == [rotated["current"], old_kid]
    assert kids(api) == [rotated["current"], old_kid]
    new = refresh(api, old["refresh_token"]).json()
    assert token_kid(new["access_token"]) == rotated["current"]
    assert emu.control.retire_keys() == [old_kid]
    assert kids(api) == [rotated["current"]]
    emu.control.reset()
    assert kids(api) == [old_kid]  # the process-wide key is back


def test_hard_rotation_drops_the_old_key_at_once(emu, api) -> None:
    rotated = emu.control.rotate_keys(retire_old=True)
    assert kids(api) == [rotated["current"]]


@pytest.mark.parametrize(
    ("kind", "status"),
    [("rate_limited", 429), ("unavailable", 503), ("malformed_document", 200),
     ("not_a_key_set", 200), ("empty", 200), ("malformed_key", 200)],
)
def test_jwks_faults(emu, api, kind: str, status: int) -> None:
    emu.control.jwks_fault(kind, retry_after=7 if kind == "rate_limited" else None)
    r = api.get(JWKS)
    assert r.status_code == status
    if kind == "rate_limited":
        assert r.headers["Retry-After"] == "7"
    if kind == "malformed_document":
        with pytest.raises(ValueError):
            r.json()
    if kind == "malformed_key":
        assert r.json()["keys"][0]["kid"] == emu.emulator.key.kid
        assert r.json()["keys"][0]["n"].startswith("!!")
    assert api.get(JWKS).status_code == 200 and api.get(JWKS).json()["keys"][0]["n"][0] != "!"


def test_jwks_hang_answers_after_the_delay(emu, api) -> None:
    emu.control.jwks_fault("hang", delay=2)
    with pytest.raises(requests.Timeout):
        api.get(JWKS, timeout=0.5)
    emu.control.clear_faults()


def test_unknown_jwks_fault_is_refused(emu) -> None:
    with pytest.raises(EmulatorError):
        emu.control.jwks_fault("sometimes")


def test_dropped_refresh_response_still_rotated_the_token(emu, api) -> None:
    first = sign_in(emu, api, email="k@x.co")
    emu.control.configure(refresh_grace_seconds=0)
    emu.control.drop_response("/user_management/authenticate",
                              match={"grant_type": "refresh_token"})
    with pytest.raises(requests.ConnectionError):
        refresh(api, first["refresh_token"])
    again = refresh(api, first["refresh_token"])  # strict mode: already exchanged
    assert again.json()["error"] == "invalid_grant"
    logged = emu.control.grants("refresh_token")
    assert [c["dropped"] for c in logged] == [True, False]


def test_next_access_token_is_answered_verbatim(emu, api) -> None:
    emu.control.next_access_token("crafted.token.value", grant_type="authorization_code")
    answer = exchange(api, get_code(emu, email="k@x.co")).json()
    assert answer["access_token"] == "crafted.token.value" and answer["refresh_token"]
    later = exchange(api, get_code(emu, email="k@x.co")).json()
    assert later["access_token"] != "crafted.token.value"


def test_hold_before_answer_rotates_then_waits_until_released(emu, api) -> None:
    """The kill point a crash test needs: WorkOS has rotated the token, the caller waits."""
    first = sign_in(emu, api, email="h@x.co")
    emu.control.hold("/user_management/authenticate", "before_answer",
                     match={"grant_type": "refresh_token"})
    answers: list[requests.Response] = []
    caller = threading.Thread(target=lambda: answers.append(refresh(api, first["refresh_token"])))
    caller.start()
    held = emu.control.wait_for_hold("before_answer", timeout=10)
    assert held is not None and held["state"] == "held" and held["peer"].startswith("127.0.0.1:")
    assert answers == []  # nothing answered yet, though the token has rotated
    assert emu.control.release_holds() == [held["id"]]
    caller.join(10)
    assert answers[0].status_code == 200
    assert emu.control.holds("before_answer")[0]["state"] == "released"


def test_hold_after_answer_is_reported_once_sent(emu, api) -> None:
    first = sign_in(emu, api, email="h2@x.co")
    emu.control.hold("/user_management/authenticate", "after_answer",
                     match={"grant_type": "refresh_token"})
    assert refresh(api, first["refresh_token"]).status_code == 200
    held = emu.control.wait_for_hold("after_answer", timeout=10)
    assert held is not None and held["state"] == "answered"
    assert emu.control.wait_for_hold(after=held["id"], timeout=0) is None


def test_unknown_hold_point_is_refused(emu) -> None:
    with pytest.raises(EmulatorError):
        emu.control.hold("/user_management/authenticate", "mid_answer")
