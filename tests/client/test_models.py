"""Models: tolerant parsing, timestamps, secrets kept out of repr."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from django_authkit.client import (
    AuthenticationResponse,
    Organization,
    OrganizationMembership,
    User,
    WorkOSError,
)
from django_authkit.client._parsing import parse_datetime
from django_authkit.client.pagination import ListPage

USER = {
    "object": "user",
    "id": "user_01",
    "email": "ada@acme.test",
    "email_verified": True,
    "first_name": "Ada",
    "last_name": None,
    "profile_picture_url": None,
    "external_id": None,
    "last_sign_in_at": "2026-01-15T12:00:00.000Z",
    "created_at": "2026-01-15T12:00:00Z",
    "updated_at": "2026-01-15T12:00:00.123456+00:00",
    "metadata": {"tz": "UTC"},
    "brand_new_field": {"x": 1},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-15T12:00:00.000Z", datetime(2026, 1, 15, 12, tzinfo=timezone.utc)),
        ("2026-01-15T12:00:00Z", datetime(2026, 1, 15, 12, tzinfo=timezone.utc)),
        ("2026-01-15T12:00:00.1Z", datetime(2026, 1, 15, 12, 0, 0, 100000, tzinfo=timezone.utc)),
        (
            "2026-01-15T12:00:00.123456789Z",
            datetime(2026, 1, 15, 12, 0, 0, 123456, tzinfo=timezone.utc),
        ),
        ("2026-01-15T12:00:00", datetime(2026, 1, 15, 12, tzinfo=timezone.utc)),
        ("2026-01-15T14:00:00+02:00", datetime(2026, 1, 15, 12, tzinfo=timezone.utc)),
        ("garbage", None),
        ("", None),
        (12, None),
    ],
)
def test_parse_datetime(text: object, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected


def test_user_from_dict() -> None:
    user = User.from_dict(USER)
    assert (user.id, user.email, user.email_verified, user.first_name) == (
        "user_01",
        "ada@acme.test",
        True,
        "Ada",
    )
    assert user.last_name is None and user.metadata == {"tz": "UTC"}
    assert user.created_at == datetime(2026, 1, 15, 12, tzinfo=timezone.utc)
    assert user.updated_at is not None and user.updated_at.microsecond == 123456
    assert user.raw["brand_new_field"] == {"x": 1}


def test_nulls_and_wrong_types_in_optional_fields_fall_back_to_defaults() -> None:
    user = User.from_dict({**USER, "metadata": None, "email_verified": "yes", "created_at": "bad"})
    assert user.metadata == {} and user.email_verified is False and user.created_at is None


@pytest.mark.parametrize("missing", ["id", "email"])
def test_missing_required_field_raises(missing: str) -> None:
    data = {k: v for k, v in USER.items() if k != missing}
    with pytest.raises(WorkOSError, match=missing):
        User.from_dict(data)


def test_non_object_raises() -> None:
    with pytest.raises(WorkOSError):
        User.from_dict(["x"])  # type: ignore[arg-type]


def test_authentication_response_keeps_tokens_out_of_repr() -> None:
    auth = AuthenticationResponse.from_dict(
        {
            "user": USER,
            "access_token": "eyJ.secret.access",
            "refresh_token": "refresh_secret",
            "organization_id": "org_1",
            "authentication_method": "GoogleOAuth",
            "impersonator": {"email": "admin@acme.test", "reason": None},
            "oauth_tokens": {
                "provider": "GoogleOAuth",
                "access_token": "ya29.secret",
                "refresh_token": "1//secret",
                "expires_at": 1735141800,
                "scopes": ["profile", "email"],
            },
            "authkit_authorization_code": "ignored",
        }
    )
    assert auth.user.id == "user_01" and auth.organization_id == "org_1"
    assert auth.impersonator is not None and auth.impersonator.email == "admin@acme.test"
    assert auth.oauth_tokens is not None and auth.oauth_tokens.scopes == ["profile", "email"]
    assert auth.oauth_tokens.expires_at == 1735141800
    text = repr(auth)
    for secret in ("eyJ.secret.access", "refresh_secret", "ya29.secret", "1//secret"):
        assert secret not in text


def test_authentication_response_minimal() -> None:
    auth = AuthenticationResponse.from_dict(
        {"user": USER, "access_token": "a", "refresh_token": "r"}
    )
    assert auth.organization_id is None and auth.impersonator is None and auth.oauth_tokens is None
    with pytest.raises(WorkOSError):
        AuthenticationResponse.from_dict({"user": USER, "access_token": "a"})


def test_organization_with_domains() -> None:
    org = Organization.from_dict(
        {
            "id": "org_1",
            "name": "Acme",
            "domains": [
                {
                    "id": "org_domain_1",
                    "domain": "acme.com",
                    "state": "verified",
                    "organization_id": "org_1",
                },
                "legacy-string-is-skipped",
            ],
            "external_id": None,
            "metadata": {},
            "created_at": "2026-01-15T12:00:00.000Z",
            "updated_at": "2026-01-15T12:00:00.000Z",
        }
    )
    assert [(d.id, d.domain, d.state) for d in org.domains] == [
        ("org_domain_1", "acme.com", "verified")
    ]


def test_membership_role_slugs_are_flattened() -> None:
    m = OrganizationMembership.from_dict(
        {
            "id": "om_1",
            "user_id": "user_01",
            "organization_id": "org_1",
            "status": "active",
            "role": {"slug": "admin"},
            "roles": [{"slug": "admin"}, {"slug": "billing"}],
            "directory_managed": False,
            "user": USER,
        }
    )
    assert (m.role, m.roles, m.status) == ("admin", ["admin", "billing"], "active")
    assert m.user is not None and m.user.email == "ada@acme.test"
    assert m.raw["role"] == {"slug": "admin"}
    single = OrganizationMembership.from_dict(
        {"id": "om_2", "user_id": "u", "organization_id": "o", "role": {"slug": "member"}}
    )
    assert single.roles == ["member"]


def test_list_page_parsing_and_paging() -> None:
    pages = {
        None: {"data": [USER], "list_metadata": {"before": None, "after": "user_01"}},
        "user_01": {"data": [{**USER, "id": "user_02"}], "list_metadata": {"after": None}},
    }

    def fetch(after: str) -> ListPage[User]:
        return ListPage.from_response(pages[after], User, fetch)

    page = ListPage.from_response(pages[None], User, fetch)
    assert page.has_more() and page.after == "user_01" and page.before is None and len(page) == 1
    assert [u.id for u in page] == ["user_01"]
    assert [u.id for u in page.auto_paging_iter()] == ["user_01", "user_02"]
    with pytest.raises(WorkOSError):
        ListPage.from_response({"object": "list"}, User)


def test_auto_paging_stops_on_a_repeated_cursor() -> None:
    body = {"data": [USER], "list_metadata": {"after": "user_01"}}

    def fetch(after: str) -> ListPage[User]:
        return ListPage.from_response(body, User, fetch)

    assert len(list(ListPage.from_response(body, User, fetch).auto_paging_iter())) == 2
