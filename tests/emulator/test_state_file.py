"""Stable ids from the seed, and ``--state FILE`` keeping state across restarts."""

from __future__ import annotations

import json

from django_authkit.emulator import EmulatorServer
from tests.emulator.conftest import API_KEY, CLIENT_ID, Api, exchange, get_code, refresh

SEED = {
    "organizations": [{"name": "Acme Corp", "domains": ["acme.test"]}],
    "users": [{"email": "ada@acme.test", "first_name": "Ada", "password": "analytical"}],
    "memberships": [{"user": "ada@acme.test", "organization": "Acme Corp", "role": "admin"}],
}


def _ids(server: EmulatorServer) -> dict[str, list[str]]:
    state = server.control.state()
    return {k: sorted(x["id"] for x in state[k]) for k in ("users", "organizations", "memberships")}


def test_seeded_ids_are_the_same_on_every_start() -> None:
    with EmulatorServer(seed=SEED) as one:
        first = _ids(one)
    with EmulatorServer(seed=SEED) as two:
        assert _ids(two) == first
        two.control.reset()
        assert _ids(two) == first
    assert all(v for v in first.values())


def test_state_file_keeps_users_memberships_and_sessions(tmp_path) -> None:
    path = tmp_path / "state.json"
    with EmulatorServer(seed=SEED, state_file=path, client_id=CLIENT_ID, api_key=API_KEY) as one:
        api = Api(one.url)
        made = api.post(
            "/user_management/users", json={"email": "new@x.co", "password": "pw-123456"}
        )
        assert made.status_code == 201
        org_id = api.get("/organizations").json()["data"][0]["id"]
        api.post(
            "/user_management/organization_memberships",
            json={"user_id": made.json()["id"], "organization_id": org_id},
        )
        auth = exchange(api, get_code(one, email="ada@acme.test")).json()
        before = _ids(one)
    assert json.loads(path.read_text())["version"] == 1
    with EmulatorServer(seed=SEED, state_file=path, client_id=CLIENT_ID, api_key=API_KEY) as two:
        api = Api(two.url)
        assert _ids(two) == before
        # The session survives: its refresh token still works, and the password still signs in.
        again = refresh(api, auth["refresh_token"])
        assert again.status_code == 200, again.text
        body = {
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "client_secret": API_KEY,
            "email": "new@x.co",
            "password": "pw-123456",
        }
        assert api.post("/user_management/authenticate", json=body).status_code == 200


def test_a_broken_state_file_is_refused(tmp_path) -> None:
    import pytest

    path = tmp_path / "state.json"
    path.write_text('{"version": 99}')
    with pytest.raises(ValueError):
        EmulatorServer(seed=SEED, state_file=path)


def test_state_file_keeps_a_rotated_key_set(tmp_path) -> None:
    import jwt

    path = tmp_path / "state.json"
    opts = {"seed": SEED, "state_file": path, "client_id": CLIENT_ID, "api_key": API_KEY}
    with EmulatorServer(**opts) as one:
        one.control.rotate_keys()
        keys = one.control.keys()
        auth = exchange(Api(one.url), get_code(one, email="ada@acme.test")).json()
    kid = jwt.get_unverified_header(auth["access_token"])["kid"]
    assert kid == keys["current"] and len(keys["published"]) == 2
    with EmulatorServer(**opts) as two:
        api = Api(two.url)
        assert two.control.keys() == keys  # the rotated key still signs; the old is still served
        jwks = api.get(f"/sso/jwks/{CLIENT_ID}").json()
        assert [k["kid"] for k in jwks["keys"]] == keys["published"]
        public = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key
        claims = jwt.decode(
            auth["access_token"], public, algorithms=["RS256"], options={"verify_aud": False}
        )
        assert claims["sid"]
        again = refresh(api, auth["refresh_token"]).json()
        assert jwt.get_unverified_header(again["access_token"])["kid"] == kid
