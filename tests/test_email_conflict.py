"""A new WorkOS identity whose address another local account has: explained, never silent
(issue 27 item 3).

The report: the emulator restarts and forgets its users; signing in again with the same
address gives a new WorkOS user id, and the sign-in silently created a second Django user
with a blank e-mail ("Signed in as (None)"). Now the default is a 409 page that says what
happened and what the visitor and the operators can do, the same refusal on the hosted
callback, the native forms and API mode, ``email_update_refused`` and
``user_login_failed`` sent, and no second account. The adapter's
``resolve_email_conflict`` can link (where ``can_link_by_email`` allows it) or create a
separate account (the old behaviour, opted into). Runs on SQLite and PostgreSQL
(``AUTHKIT_TEST_DB``): ``Alice@Example.test`` and ``alice@example.test`` are one address
under the e-mail rule whatever the database's collation.
"""

from __future__ import annotations

import html
import json
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.test import Client

from django_authkit import signals
from django_authkit.adapter import DefaultAdapter, EmailConflict
from django_authkit.identity import rules as identity
from django_authkit.models import WorkOSUser
from django_authkit.signin.start import pkce_pair
from django_authkit.workos import get_workos
from tests.test_native_helpers import PASSWORD

LOCAL = "Alice@Example.test"  # the address the local account was given
WORKOS = "alice@example.test"  # what WorkOS says after the restart: the same mailbox
APP_REDIRECT = "com.example.app://callback"


class LinkingAdapter(DefaultAdapter):
    def resolve_email_conflict(self, workos_user: Any, local_user: Any) -> EmailConflict:
        return EmailConflict.LINK


class SeparateAccountAdapter(DefaultAdapter):
    def resolve_email_conflict(self, workos_user: Any, local_user: Any) -> str:
        return "separate_account"  # a plain string works too


@pytest.fixture
def seen() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """What ``email_update_refused`` and ``user_login_failed`` were sent with."""
    found: dict[str, list[dict[str, Any]]] = {"refused": [], "login_failed": []}

    def on_refused(**kwargs: Any) -> None:
        found["refused"].append(kwargs)

    def on_login_failed(**kwargs: Any) -> None:
        found["login_failed"].append(kwargs["credentials"])

    signals.email_update_refused.connect(on_refused, weak=False)
    user_login_failed.connect(on_login_failed, weak=False)
    yield found
    signals.email_update_refused.disconnect(on_refused)
    user_login_failed.disconnect(on_login_failed)


def _local(address: str = LOCAL, *, workos_id: str | None = None) -> Any:
    """A local account with ``address``, linked to ``workos_id`` when given."""
    model = get_user_model()
    fields = {model.get_email_field_name(): address}
    if not identity.username_is_email(model):
        fields[model.USERNAME_FIELD] = "alice"
    user = model._default_manager.create_user(**fields, password="pw-12345!")
    if workos_id:
        WorkOSUser.objects.create(user=user, workos_id=workos_id, email=address,
                                  email_verified=True)
    return user


@pytest.fixture
def staff(db: Any) -> Client:
    """A superuser's client (password, ModelBackend), on any user model."""
    model = get_user_model()
    fields = {model.get_email_field_name(): "root@example.test"}
    if not identity.username_is_email(model):
        fields[model.USERNAME_FIELD] = "root"
    root = model._default_manager.create_superuser(**fields, password="pw-12345!")
    client = Client()
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _seed(emu: Any, email: str = WORKOS, verified: bool = True) -> str:
    seeded = emu.control.seed({"users": [
        {"email": email, "email_verified": verified, "password": PASSWORD}]})
    return str(seeded["users"][0]["id"])


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _assert_refused(response: Any, local: Any, workos_id: str) -> None:
    """The conflict page: 409, what happened, what to do, and no second account."""
    assert response.status_code == 409, response.content[:500]
    text = _text(response)
    assert "email_in_use" in text
    assert WORKOS in text  # the address of the identity that just signed in
    assert "already uses that address" in text
    assert "Sign in again the way you signed in before" in text
    assert "LINK_BY_EMAIL" in text and "resolve_email_conflict" in text  # the operator's way
    assert workos_id in text  # what the operator links to
    assert local.get_username() not in text.replace(WORKOS, "").replace(LOCAL, "")
    assert get_user_model().objects.count() == 1
    assert not WorkOSUser.objects.filter(workos_id=workos_id).exists()
    assert response.wsgi_request.user.is_authenticated is False  # nobody signed in


def test_the_reported_restart_is_refused_with_a_page_not_a_second_account(
    emu: Any, authkit_sign_in: Any, seen: dict[str, list[dict[str, Any]]]
) -> None:
    """The user's report, step by step: sign in, the emulator forgets, sign in again."""
    first = authkit_sign_in(Client(), email=LOCAL)
    assert first.status_code == 302, first.content[:300]
    local = get_user_model().objects.get()
    old_id = WorkOSUser.objects.get().workos_id
    emu.control.reset()  # the restart: WorkOS forgets Alice
    emu.control.configure(redirect_uris=["http://testserver/auth/callback/"])
    new_id = _seed(emu)
    assert new_id != old_id
    response = authkit_sign_in(Client(), user_id=new_id)
    _assert_refused(response, local, new_id)
    assert response.templates[0].name == "authkit/email_conflict.html"
    assert WorkOSUser.objects.get().workos_id == old_id  # the old link is untouched
    assert [(r["user"], r["reason"], r["email"], r["workos_user"].id)
            for r in seen["refused"]] == [(None, "in_use", WORKOS, new_id)]
    assert [c["reason"] for c in seen["login_failed"]] == ["email_in_use"]
    assert seen["login_failed"][0]["workos_user_id"] == new_id


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "unverified"])
def test_an_unlinked_local_account_is_a_conflict_too(
    emu: Any, authkit_sign_in: Any, seen: dict[str, list[dict[str, Any]]], verified: bool
) -> None:
    """E.g. an account from ``createsuperuser``; WorkOS's address verified or not."""
    local = _local()
    new_id = _seed(emu, verified=verified)
    _assert_refused(authkit_sign_in(Client(), user_id=new_id), local, new_id)
    assert [r["reason"] for r in seen["refused"]] == ["in_use"]


def test_linking_on_still_refuses_an_account_linked_to_another_workos_user(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    """``LINK_BY_EMAIL`` links unlinked accounts only; moving a link takes the adapter."""
    settings.AUTHKIT = {**settings.AUTHKIT, "LINK_BY_EMAIL": True}
    local = _local(workos_id="user_forgotten")
    new_id = _seed(emu)
    _assert_refused(authkit_sign_in(Client(), user_id=new_id), local, new_id)


def test_the_adapter_links_when_linking_is_allowed(
    emu: Any, authkit_sign_in: Any, settings: Any, seen: dict[str, list[dict[str, Any]]]
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "LINK_BY_EMAIL": True,
                        "ADAPTER": f"{__name__}.LinkingAdapter"}
    local = _local(workos_id="user_forgotten")
    new_id = _seed(emu)
    client = Client()
    response = authkit_sign_in(client, user_id=new_id)
    assert response.status_code == 302, response.content[:500]
    link = WorkOSUser.objects.get()  # moved, not duplicated
    assert (link.user_id, link.workos_id) == (local.pk, new_id)
    assert get_user_model().objects.count() == 1
    assert client.session["_auth_user_id"] == str(local.pk)  # signed in as that account
    assert seen["refused"] == [] and seen["login_failed"] == []


def test_the_adapter_cannot_link_without_linking_allowed(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    """``LINK`` without ``LINK_BY_EMAIL`` (``can_link_by_email`` says no): refused."""
    settings.AUTHKIT = {**settings.AUTHKIT, "ADAPTER": f"{__name__}.LinkingAdapter"}
    local = _local()
    new_id = _seed(emu)
    _assert_refused(authkit_sign_in(Client(), user_id=new_id), local, new_id)


def test_the_adapter_cannot_link_an_unverified_address(
    emu: Any, authkit_sign_in: Any, settings: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "LINK_BY_EMAIL": True,
                        "ADAPTER": f"{__name__}.LinkingAdapter"}
    local = _local()
    new_id = _seed(emu, verified=False)
    _assert_refused(authkit_sign_in(Client(), user_id=new_id), local, new_id)


@pytest.mark.skipif(
    "identity.username_is_email(get_user_model())",
    reason="a user model that signs in by e-mail cannot have a second account with it",
)
def test_the_adapter_opts_in_to_a_separate_account(
    emu: Any, authkit_sign_in: Any, settings: Any, seen: dict[str, list[dict[str, Any]]]
) -> None:
    """The old behaviour, chosen explicitly: a second account without the address."""
    settings.AUTHKIT = {**settings.AUTHKIT, "ADAPTER": f"{__name__}.SeparateAccountAdapter"}
    local = _local()
    new_id = _seed(emu)
    response = authkit_sign_in(Client(), user_id=new_id)
    assert response.status_code == 302, response.content[:500]
    link = WorkOSUser.objects.select_related("user").get()
    assert link.workos_id == new_id and link.user_id != local.pk
    assert link.user.email == ""  # the address stays the other account's
    assert [(r["user"].pk, r["reason"]) for r in seen["refused"]] == [(link.user_id, "in_use")]


def test_a_free_address_is_no_conflict(emu: Any, authkit_sign_in: Any) -> None:
    _local("bob@example.test")
    new_id = _seed(emu)
    assert authkit_sign_in(Client(), user_id=new_id).status_code == 302
    assert WorkOSUser.objects.get().user.email == WORKOS


# -- the same refusal on every entry point ---------------------------------------------------


def test_the_native_form_shows_the_same_refusal(
    emu: Any, settings: Any, seen: dict[str, list[dict[str, Any]]]
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_FORMS": True}
    local = _local(workos_id="user_forgotten")
    new_id = _seed(emu)
    response = Client().post("/auth/account/sign-in/", {"email": WORKOS, "password": PASSWORD})
    assert response.status_code == 409, response.content[:500]
    text = _text(response)
    assert "already uses that address" in text and WORKOS in text
    assert "LINK_BY_EMAIL" in text  # the operators' hint, on the form
    assert get_user_model().objects.count() == 1
    assert WorkOSUser.objects.get().user_id == local.pk
    assert [r["reason"] for r in seen["refused"]] == ["in_use"]
    assert [(c["reason"], c["entry_point"]) for c in seen["login_failed"]] == [
        ("email_in_use", "native")]
    assert not WorkOSUser.objects.filter(workos_id=new_id).exists()


def test_api_mode_answers_the_same_refusal_as_json(
    emu: Any, settings: Any, seen: dict[str, list[dict[str, Any]]]
) -> None:
    emu.control.configure(redirect_uris=[APP_REDIRECT, "http://testserver/auth/callback/"])
    settings.AUTHKIT = {**settings.AUTHKIT, "API_MODE": True,
                        "API_REDIRECT_URIS": [APP_REDIRECT]}
    _local(workos_id="user_forgotten")
    _seed(emu)
    verifier, challenge = pkce_pair()
    url = get_workos().user_management.get_authorization_url(
        redirect_uri=APP_REDIRECT, state=secrets.token_urlsafe(16), provider="authkit",
        code_challenge=challenge, code_challenge_method="S256",
    )
    back = parse_qs(urlsplit(emu.control.complete_sign_in(url, email=WORKOS)).query)
    response = Client().post(
        "/auth/api/callback/",
        json.dumps({"code": back["code"][0], "codeVerifier": verifier,
                    "redirect_uri": APP_REDIRECT}),
        content_type="application/json",
    )
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["error"] == "email_in_use"
    assert WORKOS in body["message"] and "already uses that address" in body["message"]
    assert get_user_model().objects.count() == 1
    assert [r["reason"] for r in seen["refused"]] == ["in_use"]
    assert [(c["reason"], c["entry_point"]) for c in seen["login_failed"]] == [
        ("email_in_use", "api")]


def test_the_page_is_overridable(
    emu: Any, authkit_sign_in: Any, settings: Any, tmp_path: Any
) -> None:
    page = tmp_path / "authkit" / "email_conflict.html"
    page.parent.mkdir()
    page.write_text("SITE PAGE {{ code }} {{ email }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0],
                           "DIRS": [str(tmp_path), *settings.TEMPLATES[0].get("DIRS", [])]}]
    _local()
    new_id = _seed(emu)
    response = authkit_sign_in(Client(), user_id=new_id)
    assert response.status_code == 409
    assert _text(response) == f"SITE PAGE email_in_use {WORKOS}"


def test_the_operator_relinks_the_account_in_the_admin(
    emu: Any, authkit_sign_in: Any, staff: Client
) -> None:
    """The page's way out for operators: WorkOS user links, set the new WorkOS user id."""
    local = _local(workos_id="user_forgotten")
    new_id = _seed(emu)
    assert authkit_sign_in(Client(), user_id=new_id).status_code == 409
    link = WorkOSUser.objects.get(user=local)
    page = staff.get(f"/admin/authkit/workosuser/{link.pk}/change/")
    assert 'name="workos_id"' in page.content.decode()
    assert 'name="email"' not in page.content.decode()  # WorkOS's fields stay read-only
    saved = staff.post(f"/admin/authkit/workosuser/{link.pk}/change/",
                       {"workos_id": new_id, "email": "evil@example.test"})
    assert saved.status_code == 302, saved.content[:500]
    link.refresh_from_db()
    assert (link.workos_id, link.email) == (new_id, LOCAL)
    client = Client()
    assert authkit_sign_in(client, user_id=new_id).status_code == 302
    assert client.session["_auth_user_id"] == str(local.pk)
    assert get_user_model().objects.filter(is_superuser=False).count() == 1


def test_relinking_ends_the_previous_workos_users_sessions(
    emu: Any, authkit_sign_in: Any, staff: Client, django_capture_on_commit_callbacks: Any
) -> None:
    """The previous WorkOS user "no longer signs in to it": its open sessions end too,
    here and at WorkOS, whether the operator re-links or the adapter moves the link."""
    from django_authkit.models import AuthKitSession

    old_id = _seed(emu, email="first@example.test")
    old = Client()
    assert authkit_sign_in(old, user_id=old_id).status_code == 302
    assert old.get("/private/").status_code == 200
    link = WorkOSUser.objects.get()
    new_id = _seed(emu, email="second@example.test")
    with django_capture_on_commit_callbacks(execute=True) as ended:  # once committed
        saved = staff.post(f"/admin/authkit/workosuser/{link.pk}/change/", {"workos_id": new_id})
    assert saved.status_code == 302, saved.content[:500]
    assert len(ended) == 1
    row = AuthKitSession.objects.get(user=link.user)
    assert row.ended_at is not None and row.end_reason == "relinked"
    assert old.get("/private/").status_code == 302  # signed out: sent to sign in
    assert emu.control.state()["sessions"][0]["status"] != "active"  # revoked at WorkOS too
    fresh = Client()
    assert authkit_sign_in(fresh, user_id=new_id).status_code == 302  # the new one may
    assert fresh.get("/private/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True) as ended:
        saved_again = staff.post(f"/admin/authkit/workosuser/{link.pk}/change/",
                                 {"workos_id": new_id})  # no change: nothing ends
    assert saved_again.status_code == 302 and ended == []
    assert fresh.get("/private/").status_code == 200


def test_the_adapter_moving_a_link_ends_only_the_previous_users_sessions(
    emu: Any, authkit_sign_in: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "LINK_BY_EMAIL": True,
                        "ADAPTER": f"{__name__}.LinkingAdapter"}
    old = Client()
    assert authkit_sign_in(old, email=WORKOS).status_code == 302
    emu.control.reset()  # WorkOS forgets Alice; she comes back as a new WorkOS user
    emu.control.configure(redirect_uris=["http://testserver/auth/callback/"])
    new_id = _seed(emu)
    new = Client()
    with django_capture_on_commit_callbacks(execute=True):
        assert authkit_sign_in(new, user_id=new_id).status_code == 302
    assert WorkOSUser.objects.get().workos_id == new_id
    assert old.get("/private/").status_code == 302  # the previous user's session ended
    assert new.get("/private/").status_code == 200  # the sign-in that moved the link stays


def test_the_operator_links_an_unlinked_account_in_the_admin(
    emu: Any, authkit_sign_in: Any, staff: Client
) -> None:
    """An account with no WorkOS user yet (``createsuperuser``): add its link."""
    local = _local()
    new_id = _seed(emu)
    assert authkit_sign_in(Client(), user_id=new_id).status_code == 409
    form = staff.get("/admin/authkit/workosuser/add/").content.decode()
    assert 'name="user"' in form and 'name="workos_id"' in form and 'name="email"' not in form
    added = staff.post("/admin/authkit/workosuser/add/", {"user": local.pk, "workos_id": new_id})
    assert added.status_code == 302, added.content[:800]
    client = Client()
    assert authkit_sign_in(client, user_id=new_id).status_code == 302
    assert client.session["_auth_user_id"] == str(local.pk)
    assert WorkOSUser.objects.get(user=local).email == WORKOS  # WorkOS's view, at sign-in
