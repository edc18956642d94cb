"""Django's ``user_login_failed``: sent once for every refused sign-in, with safe fields.

Each entry point is driven over the real flow against the emulator; a receiver
records what Django's signal carried. A WorkOS outage is nobody's failed attempt
and sends nothing. The last test installs django-axes (in its own settings
override only) and shows its lockout working on the native form.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.test import Client

from tests.test_native_helpers import PASSWORD, seed_user, sign_in_post

SECRETS = (PASSWORD, "not-the-password", "code", "token")


@pytest.fixture
def failed() -> Iterator[list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def record(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
        seen.append({"credentials": credentials, "request": request})

    user_login_failed.connect(record, dispatch_uid="test_login_failed")
    try:
        yield seen
    finally:
        user_login_failed.disconnect(dispatch_uid="test_login_failed")


def _safe(credentials: dict[str, Any]) -> None:
    text = repr(credentials)
    assert "not-the-password" not in text and PASSWORD not in text, text
    assert set(credentials) <= {"email", "workos_user_id", "provider", "entry_point", "reason"}


def test_native_wrong_password_sends_it_once_without_the_password(
    native: Any, client: Client, failed: list[dict[str, Any]]
) -> None:
    seed_user(native)
    assert sign_in_post(client, "ada@acme.test", "not-the-password").status_code == 400
    assert len(failed) == 1, failed
    credentials = failed[0]["credentials"]
    _safe(credentials)
    assert credentials["email"] == "ada@acme.test" and credentials["entry_point"] == "native"
    assert isinstance(failed[0]["request"], HttpRequest)


def test_a_right_password_sends_nothing(
    native: Any, client: Client, failed: list[dict[str, Any]]
) -> None:
    seed_user(native)
    assert sign_in_post(client, "ada@acme.test").status_code == 302
    assert failed == []


def test_the_pipelines_refusal_sends_it_with_the_workos_identity(
    emu: Any, authkit_sign_in: Any, settings: Any, failed: list[dict[str, Any]]
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "ADAPTER": "tests.adapters.ClosedSignUpAdapter"}
    response = authkit_sign_in(Client(), email="stranger@example.test")
    assert response.status_code == 403
    assert len(failed) == 1, failed  # the pipeline's and the view's: once per request
    credentials = failed[0]["credentials"]
    _safe(credentials)
    assert credentials["email"] == "stranger@example.test"
    assert credentials["workos_user_id"].startswith("user_")
    assert credentials["entry_point"] == "callback"


def test_a_forged_callback_sends_it(emu: Any, client: Client, failed: list[dict[str, Any]]) -> None:
    response = client.get("/auth/callback/", {"code": "01ABC", "state": "forged"})
    assert response.status_code == 400
    assert [f["credentials"]["entry_point"] for f in failed] == ["callback"]
    assert "01ABC" not in repr(failed[0]["credentials"])


def test_a_workos_outage_is_not_a_failed_sign_in(
    native: Any, client: Client, failed: list[dict[str, Any]]
) -> None:
    seed_user(native)
    native.control.fault("/user_management/authenticate", status=500, count=1)
    assert sign_in_post(client, "ada@acme.test", "not-the-password").status_code == 503
    assert failed == []


def test_api_mode_refused_code_sends_it(
    authkit_emulator: Any, transactional_db: Any, live_server: Any, settings: Any,
    failed: list[dict[str, Any]],
) -> None:
    import requests

    settings.AUTHKIT = {**settings.AUTHKIT, "API_REDIRECT_URIS": ["com.example.app://callback"]}
    http = requests.Session()
    http.trust_env = False
    response = http.post(
        live_server.url + "/auth/api/callback/",
        json={"code": "01NOTACODE", "codeVerifier": "v" * 43}, timeout=10,
    )
    assert response.status_code == 400, response.text
    assert len(failed) == 1, failed
    assert failed[0]["credentials"]["entry_point"] == "api"
    assert "01NOTACODE" not in repr(failed[0]["credentials"])


@pytest.fixture
def axes(settings: Any) -> Iterator[None]:
    """django-axes, configured for this test only (cache handler: no tables of its own)."""
    pytest.importorskip("axes")
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "axes"]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "axes.middleware.AxesMiddleware"]
    settings.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_LOCKOUT_PARAMETERS = ["ip_address"]
    settings.AXES_USERNAME_FORM_FIELD = "email"
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
    settings.AXES_VERBOSE = False
    settings.AXES_ENABLED = True
    # As django-axes asks: its backend first, so it may veto any sign-in.
    settings.AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                                        *settings.AUTHENTICATION_BACKENDS]
    import importlib

    import axes.conf
    import axes.signals as axes_signals

    importlib.reload(axes.conf)  # its defaults went with an earlier test's settings override
    user_login_failed.connect(axes_signals.handle_user_login_failed)  # again after a disconnect
    try:
        yield
    finally:  # its receivers were connected at import: leave the other tests alone
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django.core.signals import setting_changed
        from django.db.models.signals import post_delete, post_save

        user_login_failed.disconnect(axes_signals.handle_user_login_failed)
        user_logged_in.disconnect(axes_signals.handle_user_logged_in)
        user_logged_out.disconnect(axes_signals.handle_user_logged_out)
        post_save.disconnect(axes_signals.handle_post_save_access_attempt,
                             sender=axes_signals.AccessAttempt)
        post_delete.disconnect(axes_signals.handle_post_delete_access_attempt,
                               sender=axes_signals.AccessAttempt)
        setting_changed.disconnect(axes_signals.handle_setting_changed)
        from django.contrib import admin

        for model in [m for m in admin.site._registry if m._meta.app_label == "axes"]:
            admin.site.unregister(model)  # its ModelAdmins would make every admin page 500


def test_django_axes_locks_out_after_its_failure_limit(
    native: Any, axes: None, failed: list[dict[str, Any]]
) -> None:
    seed_user(native)
    client = Client(REMOTE_ADDR="10.9.9.9")
    answers = [sign_in_post(client, "ada@acme.test", "not-the-password").status_code
               for _ in range(4)]
    # Axes counts the first two; the third reaches its limit and it answers its lockout.
    assert answers == [400, 400, 429, 429], answers
    assert len(failed) == 4
    other = Client(REMOTE_ADDR="10.9.9.10")  # another address is not locked out
    assert sign_in_post(other, "ada@acme.test", "not-the-password").status_code == 400


def test_a_locked_out_client_cannot_sign_in_with_the_right_password_either(
    native: Any, axes: None, emu: Any, failed: list[dict[str, Any]]
) -> None:
    """AxesBackend is asked before the sign-in completes (as ``authenticate()`` would)."""
    seed_user(native)
    client = Client(REMOTE_ADDR="10.9.9.11")
    for _ in range(3):
        sign_in_post(client, "ada@acme.test", "not-the-password")
    assert sign_in_post(client, "ada@acme.test").status_code == 429  # the right password
    assert "_auth_user_id" not in client.session
    start = client.get("/auth/sign-in/")  # the hosted flow is gated the same way
    parts = urlsplit(emu.control.complete_sign_in(start["Location"], email="ada@acme.test"))
    assert client.get(f"{parts.path}?{parts.query}").status_code == 429
    assert "_auth_user_id" not in client.session
    elsewhere = Client(REMOTE_ADDR="10.9.9.12")
    assert sign_in_post(elsewhere, "ada@acme.test").status_code == 302  # not locked out
