"""REST endpoints: users, organizations, memberships; auth, 404s, filters, pagination."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import Api

USERS = "/user_management/users"
ORGS = "/organizations"
MEMBERSHIPS = "/user_management/organization_memberships"


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", USERS),
        ("POST", USERS),
        ("GET", f"{USERS}/user_x"),
        ("GET", ORGS),
        ("GET", MEMBERSHIPS),
        ("POST", "/user_management/sessions/revoke"),
        ("GET", "/events"),
    ],
)
def test_api_requires_bearer(emu, method: str, path: str) -> None:
    for key in (None, "sk_wrong"):
        r = Api(emu.url, key=key)(method, path, json={})
        assert r.status_code == 401
        assert r.json() == {"message": "Unauthorized", "code": "unauthorized"}


def test_unknown_route_and_method(emu, api: Api) -> None:
    assert api.get("/nope").status_code == 404
    assert api.put(USERS).status_code == 405


def test_ids_and_timestamps(emu, api: Api) -> None:
    user = api.post(USERS, json={"email": "a@b.co"}).json()
    prefix, ulid = user["id"].split("_", 1)
    assert (
        prefix == "user"
        and len(ulid) == 26
        and set(ulid) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    )
    assert user["created_at"].endswith("Z") and len(user["created_at"]) == len(
        "2026-01-15T12:00:00.000Z"
    )


def test_user_crud(emu, api: Api) -> None:
    r = api.post(
        USERS, json={"email": " Ann@X.co ", "first_name": "Ann", "external_id": "e1", "extra": 1}
    )
    assert r.status_code == 201
    user = r.json()
    assert user["email"] == "ann@x.co" and user["email_verified"] is False
    assert user["last_sign_in_at"] is None and user["metadata"] == {}
    assert api.post(USERS, json={"email": "ann@x.co"}).status_code == 409
    assert api.post(USERS, json={}).status_code == 422
    assert api.get(f"{USERS}/{user['id']}").json()["id"] == user["id"]
    assert api.get(f"{USERS}/external_id/e1").json()["id"] == user["id"]
    r = api.put(
        f"{USERS}/{user['id']}",
        json={"last_name": "Lee", "email_verified": True, "metadata": {"k": "v"}},
    )
    assert (
        r.json()["last_name"] == "Lee"
        and r.json()["email_verified"]
        and r.json()["metadata"] == {"k": "v"}
    )
    assert api.delete(f"{USERS}/{user['id']}").status_code == 204
    r = api.get(f"{USERS}/{user['id']}")
    assert r.status_code == 404
    assert r.json() == {"message": f"User not found: '{user['id']}'", "code": "entity_not_found"}
    assert api.get(f"{USERS}/external_id/e1").status_code == 404
    assert api.delete(f"{USERS}/{user['id']}").status_code == 404


def test_user_filters(emu, api: Api) -> None:
    seeded = emu.control.seed(
        {
            "organizations": [{"name": "Acme"}],
            "users": [{"email": "a@x.co"}, {"email": "b@x.co"}],
            "memberships": [{"user": "b@x.co", "organization": "Acme"}],
        }
    )
    org_id = seeded["organizations"][0]["id"]
    assert [u["email"] for u in api.get(USERS, params={"email": "A@x.co"}).json()["data"]] == [
        "a@x.co"
    ]
    assert [
        u["email"] for u in api.get(USERS, params={"organization_id": org_id}).json()["data"]
    ] == ["b@x.co"]


def test_emails_fold_ascii_case_only(emu, api: Api) -> None:
    """As the app's identity rule: ``A-Z`` fold; a look-alike (KELVIN SIGN, U+212A) stays."""
    plain = api.post("/user_management/users", json={"email": "Kim@Acme.test"})
    assert plain.status_code == 201 and plain.json()["email"] == "kim@acme.test"
    kelvin = api.post("/user_management/users", json={"email": "\u212aim@acme.test"})
    assert kelvin.status_code == 201, kelvin.text
    assert kelvin.json()["email"] == "\u212aim@acme.test"
    found = api.get("/user_management/users", params={"email": "\u212aIM@ACME.test"}).json()
    assert [u["id"] for u in found["data"]] == [kelvin.json()["id"]]


def test_pagination(emu, api: Api) -> None:
    ids = [api.post(USERS, json={"email": f"u{i}@x.co"}).json()["id"] for i in range(7)]
    newest_first = list(reversed(ids))
    page = api.get(USERS, params={"limit": 3}).json()
    assert page["object"] == "list"
    assert [u["id"] for u in page["data"]] == newest_first[:3]
    assert page["list_metadata"] == {"before": None, "after": newest_first[2]}
    page2 = api.get(USERS, params={"limit": 3, "after": page["list_metadata"]["after"]}).json()
    assert [u["id"] for u in page2["data"]] == newest_first[3:6]
    assert page2["list_metadata"] == {"before": newest_first[3], "after": newest_first[5]}
    page3 = api.get(USERS, params={"limit": 3, "after": newest_first[5]}).json()
    assert [u["id"] for u in page3["data"]] == newest_first[6:]
    assert page3["list_metadata"]["after"] is None
    back = api.get(USERS, params={"limit": 3, "before": newest_first[3]}).json()
    assert [u["id"] for u in back["data"]] == newest_first[:3]
    assert back["list_metadata"]["before"] is None
    asc = api.get(USERS, params={"limit": 2, "order": "asc"}).json()
    assert [u["id"] for u in asc["data"]] == ids[:2]
    assert len(api.get(USERS, params={"limit": 500}).json()["data"]) == 7
    assert len(api.get(USERS).json()["data"]) == 7  # default limit 10


def test_organization_crud_and_filters(emu, api: Api) -> None:
    a = api.post(
        ORGS, json={"name": "Acme", "domains": ["acme.com", "ACME.io"], "external_id": "x1"}
    )
    assert a.status_code == 201
    acme = a.json()
    assert {d["domain"] for d in acme["domains"]} == {"acme.com", "acme.io"}
    assert acme["domains"][0]["id"].startswith("org_domain_")
    assert acme["metadata"] == {} and acme["external_id"] == "x1"
    b = api.post(
        ORGS, json={"name": "Beta", "domain_data": [{"domain": "beta.com", "state": "pending"}]}
    ).json()
    assert b["domains"][0]["state"] == "pending"
    c = api.post(ORGS, json={"name": "Gamma"}).json()
    assert api.post(ORGS, json={"name": "Dup", "external_id": "x1"}).status_code == 400
    assert api.post(ORGS, json={}).status_code == 422

    def names(**params):
        return [o["name"] for o in api.get(ORGS, params=params).json()["data"]]

    assert names(domains="acme.com,beta.com") == ["Beta", "Acme"]
    assert names(domains=["acme.io", "beta.com"]) == ["Beta", "Acme"]
    assert [o["name"] for o in api.get(f"{ORGS}?domains[]=beta.com").json()["data"]] == ["Beta"]
    assert names(search="amm") == ["Gamma"]
    assert api.get(f"{ORGS}/external_id/x1").json()["id"] == acme["id"]
    updated = api.put(
        f"{ORGS}/{c['id']}",
        json={"name": "Gamma 2", "domains": ["g.com"], "metadata": {"tier": "gold"}},
    ).json()
    assert updated["name"] == "Gamma 2" and updated["domains"][0]["domain"] == "g.com"
    assert updated["metadata"] == {"tier": "gold"}
    assert api.delete(f"{ORGS}/{c['id']}").status_code == 204
    r = api.get(f"{ORGS}/{c['id']}")
    assert r.status_code == 404 and r.json()["code"] == "entity_not_found"
    assert r.json()["message"] == f"Organization not found: '{c['id']}'"


def test_memberships(emu, api: Api) -> None:
    user = api.post(USERS, json={"email": "m@x.co"}).json()
    org = api.post(ORGS, json={"name": "Acme"}).json()
    org2 = api.post(ORGS, json={"name": "Beta"}).json()
    r = api.post(
        MEMBERSHIPS,
        json={"user_id": user["id"], "organization_id": org["id"], "role_slug": "admin"},
    )
    assert r.status_code == 201
    m = r.json()
    assert (
        m["id"].startswith("om_")
        and m["role"] == {"slug": "admin"}
        and m["roles"] == [{"slug": "admin"}]
    )
    assert (
        m["user"]["id"] == user["id"]
        and m["directory_managed"] is False
        and m["status"] == "active"
    )
    assert (
        api.post(
            MEMBERSHIPS, json={"user_id": user["id"], "organization_id": org["id"]}
        ).status_code
        == 409
    )
    assert (
        api.post(MEMBERSHIPS, json={"user_id": "user_x", "organization_id": org["id"]}).status_code
        == 404
    )
    assert (
        api.post(
            MEMBERSHIPS,
            json={"user_id": user["id"], "organization_id": org2["id"], "role_slug": "boss"},
        ).status_code
        == 422
    )
    m2 = api.post(
        MEMBERSHIPS,
        json={
            "user_id": user["id"],
            "organization_id": org2["id"],
            "role_slugs": ["member", "admin"],
        },
    ).json()
    assert m2["role"] == {"slug": "member"} and len(m2["roles"]) == 2
    assert api.put(f"{MEMBERSHIPS}/{m['id']}", json={"role_slug": "member"}).json()["role"] == {
        "slug": "member"
    }
    assert api.put(f"{MEMBERSHIPS}/{m['id']}/deactivate").json()["status"] == "inactive"

    def ids(**params):
        return [x["id"] for x in api.get(MEMBERSHIPS, params=params).json()["data"]]

    assert set(ids(user_id=user["id"])) == {m["id"], m2["id"]}
    assert ids(organization_id=org["id"]) == [m["id"]]
    assert ids(user_id=user["id"], statuses="inactive") == [m["id"]]
    assert set(ids(user_id=user["id"], statuses="active,inactive")) == {m["id"], m2["id"]}
    assert api.put(f"{MEMBERSHIPS}/{m['id']}/reactivate").json()["status"] == "active"
    assert api.get(f"{MEMBERSHIPS}/{m['id']}").json()["organization_id"] == org["id"]
    assert api.delete(f"{MEMBERSHIPS}/{m['id']}").status_code == 204
    r = api.get(f"{MEMBERSHIPS}/{m['id']}")
    assert r.status_code == 404 and r.json()["code"] == "entity_not_found"


def test_inactive_membership_drops_org_claims(emu, api: Api) -> None:
    import jwt

    from tests.emulator.conftest import refresh, sign_in

    data = sign_in(emu, api, email="a@b.co", organization_name="Acme")
    (m,) = emu.control.state()["memberships"]
    api.put(f"{MEMBERSHIPS}/{m['id']}/deactivate")
    new = refresh(api, data["refresh_token"]).json()
    assert "org_id" not in jwt.decode(new["access_token"], options={"verify_signature": False})


def test_deleting_user_ends_sessions_and_memberships(emu, api: Api) -> None:
    from tests.emulator.conftest import refresh, sign_in

    data = sign_in(emu, api, email="a@b.co", organization_name="Acme")
    api.delete(f"{USERS}/{data['user']['id']}")
    assert emu.control.state()["memberships"] == []
    assert refresh(api, data["refresh_token"]).json()["error"] == "invalid_grant"


def test_sessions_list_unknown_user(emu, api: Api) -> None:
    assert api.get(f"{USERS}/user_nope/sessions").status_code == 404
