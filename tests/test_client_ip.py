"""One client IP, decided once: rate limits, WorkOS grants and audit logs agree on it.

Behind a proxy ``REMOTE_ADDR`` is the proxy. ``TRUSTED_PROXY_COUNT`` says how many
proxies append to ``CLIENT_IP_HEADER``; the client is the entry the outermost one
wrote, so whatever the client puts to the left of it changes nothing.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import Client, RequestFactory

from django_authkit.core.clientip import client_info, client_ip, header_key, parse_ip, user_agent
from django_authkit.core.ratelimit import client_of
from django_authkit.sessions.data import read_hot, write_hot
from tests.test_api_mode import app  # noqa: F401  (the API-mode 'mobile app' fixture)
from tests.test_native_helpers import seed_user, sign_in_post

PROXY = "10.0.0.1"
ALICE = "203.0.113.5"
BOB = "198.51.100.7"
ADA = {"email": "ada@acme.test", "organization_name": "Acme", "role": "admin"}
AGENT = "Mozilla/5.0 (X11; Linux x86_64) AuthKitTest/1.0"


def _request(remote: str | None = PROXY, **headers: str) -> Any:
    meta = {f"HTTP_{k.upper()}": v for k, v in headers.items()}
    request = RequestFactory().get("/", **meta)
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    return request


@pytest.fixture
def behind_one_proxy(settings: Any) -> None:
    settings.AUTHKIT = {**getattr(settings, "AUTHKIT", {}), "TRUSTED_PROXY_COUNT": 1}


# -- the function ------------------------------------------------------------------------


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_ip(_request(x_forwarded_for=ALICE)) == PROXY


def test_one_proxy_takes_the_rightmost_entry(behind_one_proxy: None) -> None:
    assert client_ip(_request(x_forwarded_for=ALICE)) == ALICE
    assert client_ip(_request(x_forwarded_for=f"{BOB}, {ALICE}")) == ALICE  # BOB: spoofed


def test_two_proxies_take_the_second_entry_from_the_right(settings: Any) -> None:
    settings.AUTHKIT = {**getattr(settings, "AUTHKIT", {}), "TRUSTED_PROXY_COUNT": 2}
    assert client_ip(_request(x_forwarded_for=f"1.1.1.1, {ALICE}, 10.0.0.2")) == ALICE
    # Shorter than the proxy chain: not written by the proxies, so not believed.
    assert client_ip(_request(x_forwarded_for=ALICE)) == PROXY


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, PROXY),  # missing
        ("", PROXY),
        ("unknown", PROXY),  # what some proxies write for a hidden client
        ("not-an-ip, garbage", PROXY),
        (f"{ALICE}:51234", ALICE),  # v4 with a port
        ("[2001:db8::1]:443", "2001:db8::1"),  # v6 in brackets, with a port
        ("2001:DB8:0::1", "2001:db8::1"),  # normalized
        ("::ffff:203.0.113.5", ALICE),  # IPv4-mapped
        (f'"{ALICE}"', ALICE),
        (f"{BOB},{ALICE}", ALICE),  # no space after the comma
        (f"{ALICE}, ", PROXY),  # an empty last entry is not an address
    ],
)
def test_header_values(behind_one_proxy: None, header: str | None, expected: str) -> None:
    headers = {} if header is None else {"x_forwarded_for": header}
    assert client_ip(_request(**headers)) == expected


def test_a_single_value_header_like_x_real_ip(settings: Any) -> None:
    settings.AUTHKIT = {
        **getattr(settings, "AUTHKIT", {}),
        "TRUSTED_PROXY_COUNT": 1,
        "CLIENT_IP_HEADER": "X-Real-IP",
    }
    assert client_ip(_request(x_real_ip=ALICE, x_forwarded_for=BOB)) == ALICE
    settings.AUTHKIT = {**settings.AUTHKIT, "CLIENT_IP_HEADER": "HTTP_X_REAL_IP"}  # META form
    assert client_ip(_request(x_real_ip=ALICE)) == ALICE


def test_header_names() -> None:
    assert header_key("X-Forwarded-For") == "HTTP_X_FORWARDED_FOR"
    assert header_key(" x-real-ip ") == "HTTP_X_REAL_IP"
    assert header_key("HTTP_CF_CONNECTING_IP") == "HTTP_CF_CONNECTING_IP"


@pytest.mark.parametrize("count", [-1, "1", True, None])
def test_a_wrong_count_trusts_no_proxy(settings: Any, count: Any) -> None:
    settings.AUTHKIT = {**getattr(settings, "AUTHKIT", {}), "TRUSTED_PROXY_COUNT": count}
    assert client_ip(_request(x_forwarded_for=ALICE)) == PROXY


def test_no_valid_address_at_all() -> None:
    assert client_ip(_request(remote=None)) == ""
    assert client_ip(_request(remote="unix:/run/gunicorn.sock")) == ""
    assert client_info(_request(remote=None)) == {"ip_address": None, "user_agent": None}
    assert client_info(None) == {"ip_address": None, "user_agent": None}


def test_user_agent_is_cut_to_what_workos_keeps() -> None:
    assert user_agent(_request(user_agent="x" * 600)) == "x" * 512
    assert user_agent(_request()) is None


def test_parse_ip_refuses_what_is_not_an_address() -> None:
    assert parse_ip(None) is None
    assert parse_ip("[2001:db8::1") is None
    assert parse_ip("999.1.1.1") is None


def test_rate_limit_client_stays_the_override(behind_one_proxy: None, settings: Any) -> None:
    request = _request(x_forwarded_for=ALICE)
    assert client_of(request) == ALICE
    settings.AUTHKIT = {**settings.AUTHKIT, "RATE_LIMIT_CLIENT": "tests.test_client_ip.by_tenant"}
    assert client_of(request) == "tenant-1"


def by_tenant(request: Any) -> str:
    return "tenant-1"


# -- rate limits over the real sign-in view ----------------------------------------------------


def _starts(emu: Any, forwarded_for: str, times: int) -> list[int]:
    """Cookie-less sign-in starts (each a new browser) from behind the proxy."""
    return [
        Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for).get("/auth/sign-in/")
        .status_code
        for _ in range(times)
    ]


def test_two_clients_behind_the_proxy_are_limited_separately(
    emu: Any, settings: Any
) -> None:
    # A day-long window: a minute-long one can roll over mid-test (fixed windows).
    settings.AUTHKIT = {
        **settings.AUTHKIT, "TRUSTED_PROXY_COUNT": 1, "RATE_LIMITS": {"sign-in": "2/d"}
    }
    assert _starts(emu, ALICE, 3) == [302, 302, 429]
    assert _starts(emu, BOB, 2) == [302, 302]  # one abuser does not lock Bob out
    # Alice adding a made-up address on the left is still Alice.
    assert _starts(emu, f"{BOB}, {ALICE}", 1) == [429]


def test_native_forms_count_the_client_behind_the_proxy(native: Any, settings: Any) -> None:
    settings.AUTHKIT = {
        **settings.AUTHKIT, "TRUSTED_PROXY_COUNT": 1,
        "NATIVE_RATE_LIMITS": {"client": "2/d", "account": None},  # no mid-test rollover
    }
    alice = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ALICE)
    bob = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=BOB)
    assert [sign_in_post(alice, "a@b.test", "wrong").status_code for _ in range(3)] == [
        400, 400, 429,
    ]
    assert sign_in_post(bob, "b@b.test", "wrong").status_code == 400


# -- what WorkOS is told -----------------------------------------------------------------------


def _browser() -> Client:
    """A browser behind the site's proxy, with a spoofed entry of its own on the left."""
    return Client(
        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{BOB}, {ALICE}", HTTP_USER_AGENT=AGENT
    )


def _told(emu: Any, grant_type: str) -> tuple[Any, Any]:
    grants = [g for g in emu.control.grants(grant_type) if g["status"] == 200]
    assert grants, f"no successful {grant_type} grant"
    return grants[-1]["ip_address"], grants[-1]["user_agent"]


def test_workos_gets_the_client_on_the_exchange_and_on_refresh(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "TRUSTED_PROXY_COUNT": 1}
    client = _browser()
    emu.control.set_clock(offset=-290)  # a token minted 290 s ago: it expires in 10 s
    assert authkit_sign_in(client, **ADA).status_code == 302
    emu.control.set_clock(offset=0)
    assert _told(emu, "authorization_code") == (ALICE, AGENT)

    session = client.session  # the user comes back after it expired: a refresh
    write_hot(session, {**(read_hot(session) or {}), "exp": int(time.time()) - 100})
    session.save()
    assert client.get("/private/").status_code == 200
    assert _told(emu, "refresh_token") == (ALICE, AGENT)


def test_workos_gets_the_client_when_a_new_user_is_moved_into_the_default_organization(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    org = emu.control.seed({"organizations": [{"name": "Everyone"}]})["organizations"][0]
    settings.AUTHKIT = {
        **settings.AUTHKIT, "TRUSTED_PROXY_COUNT": 1, "DEFAULT_ORGANIZATION": org["id"],
        "DEFAULT_ROLE": "member",
    }
    client = _browser()
    assert authkit_sign_in(client, email="newbie@example.test").status_code == 302
    assert client.get("/").json()["organization_id"] == org["id"]
    assert _told(emu, "refresh_token") == (ALICE, AGENT)


def test_workos_gets_the_client_on_a_native_password_sign_in(
    native: Any, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "TRUSTED_PROXY_COUNT": 1}
    seed_user(native)
    assert sign_in_post(_browser(), "ada@acme.test").status_code == 302
    assert _told(native, "password") == (ALICE, AGENT)


def test_api_mode_tells_workos_the_client(app: Any, settings: Any) -> None:  # noqa: F811
    """Over real HTTP (live server): the app's exchange and refresh carry the client."""
    settings.AUTHKIT = {**settings.AUTHKIT, "TRUSTED_PROXY_COUNT": 1}
    headers = {"X-Forwarded-For": f"{BOB}, {ALICE}", "User-Agent": AGENT}

    def post(path: str, body: dict[str, Any]) -> Any:
        return app.session.post(app.base + path, json=body, headers=headers, timeout=10)

    first = post("/auth/api/callback/", app.authorize(**ADA))
    assert first.status_code == 200, first.text
    assert _told(app.emu, "authorization_code") == (ALICE, AGENT)
    second = post("/auth/api/refresh/", {"refreshToken": first.json()["refreshToken"]})
    assert second.status_code == 200, second.text
    assert _told(app.emu, "refresh_token") == (ALICE, AGENT)


def test_without_a_proxy_setting_workos_gets_remote_addr(
    emu: Any, authkit_sign_in: Any
) -> None:
    assert authkit_sign_in(_browser(), **ADA).status_code == 302
    assert _told(emu, "authorization_code") == (PROXY, AGENT)


# -- the system check --------------------------------------------------------------------------


def _ids(settings: Any, **authkit: Any) -> set[str]:
    settings.AUTHKIT = {**getattr(settings, "AUTHKIT", {}), **authkit}
    return {m.id for m in run_checks(tags=["security"]) if m.id and m.id.startswith("authkit.")}


def test_check_warns_behind_a_proxy_without_a_client_ip_setting(settings: Any) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert "authkit.W120" in _ids(settings)
    assert "authkit.W120" not in _ids(settings, TRUSTED_PROXY_COUNT=1)
    assert "authkit.W120" not in _ids(
        settings, TRUSTED_PROXY_COUNT=0, RATE_LIMIT_CLIENT="tests.test_client_ip.by_tenant"
    )
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.USE_X_FORWARDED_HOST = True
    assert "authkit.W120" in _ids(settings, RATE_LIMIT_CLIENT=None)


def test_check_is_quiet_without_proxy_settings(settings: Any) -> None:
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.USE_X_FORWARDED_HOST = False
    settings.USE_X_FORWARDED_PORT = False
    assert "authkit.W120" not in _ids(settings)


@pytest.mark.parametrize(
    "authkit",
    [
        {"TRUSTED_PROXY_COUNT": -1},
        {"TRUSTED_PROXY_COUNT": 1, "CLIENT_IP_HEADER": " "},
        {"CLIENT_IP_HEADER": "X Forwarded For"},
    ],
)
def test_check_refuses_invalid_values(settings: Any, authkit: dict[str, Any]) -> None:
    assert "authkit.E121" in _ids(settings, **authkit)


def test_check_accepts_valid_values(settings: Any) -> None:
    ids = _ids(settings, TRUSTED_PROXY_COUNT=2, CLIENT_IP_HEADER="X-Real-IP")
    assert "authkit.E121" not in ids


def test_audit_logs_record_the_client(emu: Any, authkit_sign_in: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "TRUSTED_PROXY_COUNT": 1, "AUDIT_LOG": True}
    assert authkit_sign_in(_browser(), **ADA).status_code == 302
    response = emu.control.http.get(f"{emu.url}/_emulator/audit_logs", timeout=10)
    [event] = response.json()["data"]
    assert event["event"]["context"] == {"location": ALICE, "user_agent": AGENT}
