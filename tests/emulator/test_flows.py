"""Phase 2: invitations, magic auth, e-mail verification and password reset (via the SDK)."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import API_KEY, CLIENT_ID, Api, exchange, get_code

workos = pytest.importorskip("workos")

from workos._errors import BadRequestError, EmailVerificationRequiredError  # noqa: E402


@pytest.fixture
def client(emu):
    return workos.WorkOSClient(
        api_key=API_KEY, client_id=CLIENT_ID, base_url=emu.url, max_retries=0
    )


def _org(emu) -> str:
    return emu.control.seed({"organizations": [{"name": "Acme"}]})["organizations"][0]["id"]


def test_invitation_lifecycle(emu, client) -> None:
    um = client.user_management
    org_id = _org(emu)
    inv = um.send_invitation(email="New@X.co", organization_id=org_id, role_slug="admin")
    assert inv.email == "new@x.co" and getattr(inv.state, "value", inv.state) == "pending"
    assert inv.token and inv.accept_invitation_url
    assert um.get_invitation(inv.id).id == inv.id
    assert um.find_invitation_by_token(inv.token).id == inv.id
    assert [i.id for i in um.list_invitations(organization_id=org_id).data] == [inv.id]
    assert um.resend_invitation(inv.id).id == inv.id
    accepted = um.accept_invitation(inv.id)
    assert (
        getattr(accepted.state, "value", accepted.state) == "accepted" and accepted.accepted_user_id
    )
    (m,) = emu.control.state()["memberships"]
    assert m["role"] == {"slug": "admin"} and m["user_id"] == accepted.accepted_user_id
    other = um.send_invitation(email="x@x.co")
    revoked = um.revoke_invitation(other.id)
    assert getattr(revoked.state, "value", revoked.state) == "revoked"
    with pytest.raises(BadRequestError):
        um.revoke_invitation(other.id)


def test_invitation_token_on_code_grant(emu, api: Api, client) -> None:
    org_id = _org(emu)
    inv = client.user_management.send_invitation(email="inv@x.co", organization_id=org_id)
    # The hosted page pre-fills the invited e-mail.
    page = api.get(
        f"/user_management/authorize?client_id={CLIENT_ID}&redirect_uri=http://localhost/cb"
        f"&response_type=code&provider=authkit&invitation_token={inv.token}"
    )
    assert 'value="inv@x.co"' in page.text
    code = get_code(emu, email="inv@x.co")
    data = exchange(api, code, invitation_token=inv.token).json()
    assert data["organization_id"] == org_id
    assert client.user_management.get_invitation(inv.id).accepted_user_id == data["user"]["id"]
    again = exchange(api, get_code(emu, email="inv@x.co"), invitation_token=inv.token)
    assert again.status_code == 400 and again.json()["error"] == "invitation_invalid"
    inv2 = client.user_management.send_invitation(email="someone@x.co", organization_id=org_id)
    wrong = exchange(api, get_code(emu, email="inv@x.co"), invitation_token=inv2.token)
    assert wrong.json()["error"] == "invitation_cannot_be_used_for_email"


def test_invitation_from_authorize_is_redeemed(emu, api: Api, client) -> None:
    org_id = _org(emu)
    inv = client.user_management.send_invitation(email="inv@x.co", organization_id=org_id)
    code = get_code(emu, email="inv@x.co", params={"invitation_token": inv.token})
    assert exchange(api, code).json()["organization_id"] == org_id


def test_invitation_expires_on_emulated_clock(emu, client) -> None:
    inv = client.user_management.send_invitation(email="late@x.co", expires_in_days=1)
    emu.control.set_clock(advance=2 * 86400)
    state = client.user_management.get_invitation(inv.id).state
    assert getattr(state, "value", state) == "expired"


def test_magic_auth(emu, client) -> None:
    um = client.user_management
    magic = um.create_magic_auth(email="magic@x.co")
    assert len(magic.code) == 6 and magic.id.startswith("magic_auth_")
    assert um.get_magic_auth(magic.id).code == magic.code
    with pytest.raises(BadRequestError) as info:
        um.authenticate_with_magic_auth(
            code="000000" if magic.code != "000000" else "111111", email="magic@x.co"
        )
    assert info.value.code == "invalid_one_time_code"
    auth = um.authenticate_with_magic_auth(code=magic.code, email="magic@x.co")
    assert getattr(auth.authentication_method, "value", auth.authentication_method) == "MagicAuth"
    assert auth.user.email_verified is True
    with pytest.raises(BadRequestError) as info:
        um.authenticate_with_magic_auth(code=magic.code, email="magic@x.co")
    assert info.value.code == "one_time_code_previously_used"
    late = um.create_magic_auth(email="magic@x.co")
    emu.control.set_clock(advance=601)
    with pytest.raises(BadRequestError) as info:
        um.authenticate_with_magic_auth(code=late.code, email="magic@x.co")
    assert info.value.code == "one_time_code_expired"


def test_email_verification_endpoints(emu, client) -> None:
    um = client.user_management
    user = um.create_user(email="v@x.co")
    assert um.send_verification_email(user.id).user.id == user.id
    state = emu.control.state()
    assert state["users"][0]["email_verified"] is False
    events = (
        Api(emu.url).get("/events", params={"events": "email_verification.created"}).json()["data"]
    )
    verification_id = events[0]["data"]["id"]
    assert "code" not in events[0]["data"]
    code = um.get_email_verification(verification_id).code
    with pytest.raises(BadRequestError):
        um.verify_email(user.id, code="999999" if code != "999999" else "000000")
    assert um.verify_email(user.id, code=code).user.email_verified is True


def test_email_verification_required_on_password_grant(emu, client) -> None:
    emu.control.configure(email_verification_required=True)
    emu.control.seed(
        {"users": [{"email": "unv@x.co", "password": "password1", "email_verified": False}]}
    )
    um = client.user_management
    with pytest.raises(EmailVerificationRequiredError) as info:
        um.authenticate_with_password(email="unv@x.co", password="password1")
    err = info.value
    assert err.pending_authentication_token and err.email == "unv@x.co"
    code = um.get_email_verification(err.email_verification_id).code
    auth = um.authenticate_with_email_verification(
        code=code, pending_authentication_token=err.pending_authentication_token
    )
    assert auth.user.email_verified is True
    # Verified now: the password grant goes straight through.
    assert um.authenticate_with_password(email="unv@x.co", password="password1").access_token


def test_password_reset(emu, client) -> None:
    um = client.user_management
    emu.control.seed(
        {"users": [{"email": "r@x.co", "password": "old-password", "email_verified": False}]}
    )
    reset = um.reset_password(email="r@x.co")
    assert reset.password_reset_token and reset.password_reset_url
    assert um.get_password_reset(reset.id).email == "r@x.co"
    with pytest.raises(BadRequestError):
        um.confirm_password_reset(token=reset.password_reset_token, new_password="short")
    result = um.confirm_password_reset(
        token=reset.password_reset_token, new_password="new-password"
    )
    assert result.user.email_verified is True
    assert um.authenticate_with_password(email="r@x.co", password="new-password").access_token
    with pytest.raises(BadRequestError) as info:
        um.authenticate_with_password(email="r@x.co", password="old-password")
    assert info.value.code == "invalid_credentials"
    with pytest.raises(BadRequestError):
        um.confirm_password_reset(token=reset.password_reset_token, new_password="another-one")
    names = [e["event"] for e in Api(emu.url).get("/events", params={"limit": 100}).json()["data"]]
    assert "password_reset.created" in names and "password_reset.succeeded" in names


def _totp(emu, secret: str) -> str:
    import time

    from django_authkit.emulator.mfa import totp_code

    return totp_code(secret, time.time() + emu.control.state()["offset"])


def test_mfa_challenge_on_password_grant(emu, client) -> None:
    from workos._errors import MfaChallengeError

    emu.control.seed({"users": [{"email": "mfa@x.co", "password": "password1"}]})
    um = client.user_management
    user_id = um.list_users(email="mfa@x.co").data[0].id
    enrolled = client.multi_factor_auth.create_user_auth_factor(
        user_id, type="totp", totp_issuer="Acme"
    )
    secret = enrolled.authentication_factor.totp.secret
    assert enrolled.authentication_factor.totp.uri.startswith("otpauth://totp/")
    with pytest.raises(MfaChallengeError) as info:
        um.authenticate_with_password(email="mfa@x.co", password="password1")
    err = info.value
    factor_id = (
        err.authentication_factors[0]["id"]
        if isinstance(err.authentication_factors[0], dict)
        else err.authentication_factors[0].id
    )
    challenge = client.multi_factor_auth.challenge_factor(factor_id)
    with pytest.raises(BadRequestError):
        um.authenticate_with_totp(
            code="000000" if _totp(emu, secret) != "000000" else "111111",
            pending_authentication_token=err.pending_authentication_token,
            authentication_challenge_id=challenge.id,
        )
    auth = um.authenticate_with_totp(
        code=_totp(emu, secret),
        pending_authentication_token=err.pending_authentication_token,
        authentication_challenge_id=challenge.id,
    )
    assert auth.user.email == "mfa@x.co"
    factors = client.multi_factor_auth.list_user_auth_factors(user_id).data
    assert [f.id for f in factors] == [factor_id]


def test_mfa_enrollment_required(emu, client, api: Api) -> None:
    from workos._errors import MfaEnrollmentError

    emu.control.configure(mfa_required=True)
    emu.control.seed({"users": [{"email": "new@x.co", "password": "password1"}]})
    um = client.user_management
    with pytest.raises(MfaEnrollmentError) as info:
        um.authenticate_with_password(email="new@x.co", password="password1")
    err = info.value
    enrolled = client.multi_factor_auth.create_user_auth_factor(
        err.user["id"] if isinstance(err.user, dict) else err.user.id, type="totp"
    )
    auth = um.authenticate_with_totp(
        code=_totp(emu, enrolled.authentication_factor.totp.secret),
        pending_authentication_token=err.pending_authentication_token,
        authentication_challenge_id=enrolled.authentication_challenge.id,
    )
    assert auth.access_token
    # The hosted page already did MFA: a code exchange is never stepped up.
    assert exchange(api, get_code(emu, email="new@x.co")).status_code == 200


def test_standalone_factor_api(emu, client) -> None:
    mfa = client.multi_factor_auth
    factor = mfa.enroll_factor(type="totp", totp_issuer="Acme", totp_user="a@x.co")
    assert mfa.get_factor(factor.id).id == factor.id
    challenge = mfa.challenge_factor(factor.id)
    bad = mfa.verify_challenge(
        challenge.id, code="000000" if _totp(emu, factor.totp.secret) != "000000" else "111111"
    )
    assert bad.valid is False
    assert mfa.verify_challenge(challenge.id, code=_totp(emu, factor.totp.secret)).valid is True
    mfa.delete_factor(factor.id)
    from workos._errors import NotFoundError

    with pytest.raises(NotFoundError):
        mfa.get_factor(factor.id)


def test_totp_code_rfc6238_vector() -> None:
    import base64

    from django_authkit.emulator.mfa import totp_code

    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp_code(secret, 59) == "287082"  # RFC 6238 SHA-1 vector, last 6 digits
