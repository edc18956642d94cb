"""Invitations: invite into the session's organization, revoke, resend, and accept.

Real flow against the emulator: the invitation e-mail is read from its outbox and
its link (the site's ``accept-invitation`` URL, configured at the emulator as a site
registers it at WorkOS) is followed through the hosted sign-up into the organization.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from django_authkit.models import Membership, Organization
from django_authkit.workos import get_workos

PAGE = reverse("authkit:invitations")
ACCEPT = "http://testserver" + reverse("authkit:accept-invitation")


@pytest.fixture
def site(emu: Any) -> Any:
    emu.control.seed({"roles": [{"slug": "admin", "permissions": ["members:invite"]},
                                {"slug": "member", "permissions": []},
                                {"slug": "editor", "permissions": []}]})
    emu.control.configure(invitation_url=ACCEPT)
    return emu


def sign_in(authkit_sign_in: Any, email: str, org: str, role: str, **kw: Any) -> Client:
    client = Client(**kw)
    assert authkit_sign_in(client, email=email, organization_name=org,
                           role=role).status_code == 302
    return client


def pending(org_name: str) -> list[Any]:
    org = Organization.objects.get(name=org_name).workos_id
    page = get_workos().user_management.list_invitations(organization_id=org)
    return [i for i in page.data if i.state == "pending"]


def test_an_admin_invites_and_the_invitee_lands_in_the_organization(
    site: Any, authkit_sign_in: Any
) -> None:
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin")
    form = ada.get(PAGE)
    assert form.status_code == 200 and 'name="email"' in form.content.decode()
    sent = ada.post(PAGE, {"email": "newbie@acme.test"})
    assert sent.status_code == 302, sent.content[:400]
    assert "newbie@acme.test" in ada.get(PAGE).content.decode()
    mail = site.control.outbox("newbie@acme.test", kind="invitation")
    assert len(mail) == 1 and mail[0]["url"].startswith(ACCEPT + "?invitation_token=")

    invitee = Client()
    link = urlsplit(mail[0]["url"])
    start = invitee.get(f"{link.path}?{link.query}")
    assert start.status_code == 302
    params = parse_qs(urlsplit(start["Location"]).query)
    assert params["invitation_token"] == [mail[0]["token"]]
    assert params["login_hint"] == ["newbie@acme.test"] and params["state"]
    back = urlsplit(site.control.complete_sign_in(start["Location"], email="newbie@acme.test"))
    done = invitee.get(f"{back.path}?{back.query}")
    assert done.status_code == 302, done.content[:400]
    acme = Organization.objects.get(name="Acme").workos_id
    assert invitee.get("/").json()["organization_id"] == acme
    newbie = get_user_model().objects.get(email="newbie@acme.test")
    assert Membership.objects.filter(user=newbie, organization__workos_id=acme).exists()
    assert pending("Acme") == []
    used = invitee.get(f"{link.path}?{link.query}")  # the link works once
    assert used.status_code == 400


def test_roles_are_the_sites_choice(site: Any, authkit_sign_in: Any, settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "INVITATION_ROLES": ["member", "editor"]}
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin")
    assert ada.post(PAGE, {"email": "x@acme.test", "role": "admin"}).status_code == 400
    assert ada.post(PAGE, {"email": "x@acme.test", "role": "editor"}).status_code == 302
    assert [i.role_slug for i in pending("Acme")] == ["editor"]


def test_revoke_and_resend(site: Any, authkit_sign_in: Any) -> None:
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin")
    ada.post(PAGE, {"email": "a@acme.test"})
    ada.post(PAGE, {"email": "b@acme.test"})
    first, second = sorted(pending("Acme"), key=lambda i: i.email)
    assert ada.post(PAGE, {"resend": second.id}).status_code == 302
    assert len(site.control.outbox("b@acme.test", kind="invitation")) == 2
    assert ada.post(PAGE, {"revoke": first.id}).status_code == 302
    assert [i.email for i in pending("Acme")] == ["b@acme.test"]
    token = site.control.outbox("a@acme.test", kind="invitation")[0]["token"]
    assert Client().get(ACCEPT, {"invitation_token": token}).status_code == 400


def test_another_organizations_admin_can_neither_see_nor_touch_them(
    site: Any, authkit_sign_in: Any
) -> None:
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin")
    ada.post(PAGE, {"email": "secret-hire@acme.test"})
    invitation = pending("Acme")[0]
    grace = sign_in(authkit_sign_in, "grace@beta.test", "Beta", "admin")
    assert "secret-hire" not in grace.get(PAGE).content.decode()
    for action in ("revoke", "resend"):
        assert grace.post(PAGE, {action: invitation.id}).status_code == 404
    assert [i.id for i in pending("Acme")] == [invitation.id]
    assert len(site.control.outbox("secret-hire@acme.test", kind="invitation")) == 1
    # Inviting always targets her own organization, never Acme.
    grace.post(PAGE, {"email": "other@beta.test", "organization_id": invitation.organization_id})
    assert [i.email for i in pending("Beta")] == ["other@beta.test"]


def test_a_member_without_the_permission_is_refused(site: Any, authkit_sign_in: Any) -> None:
    bob = sign_in(authkit_sign_in, "bob@acme.test", "Acme", "member")
    assert bob.get(PAGE).status_code == 403
    assert bob.post(PAGE, {"email": "x@acme.test"}).status_code == 403
    assert not site.control.calls("/user_management/invitations", "POST")


def test_anonymous_csrf_and_bad_input(site: Any, authkit_sign_in: Any) -> None:
    assert Client().get(PAGE).status_code == 401
    strict = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin", enforce_csrf_checks=True)
    assert strict.post(PAGE, {"email": "x@acme.test"}).status_code == 403
    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin")
    assert ada.post(PAGE, {"email": "not an address"}).status_code == 400
    assert ada.post(PAGE, {"revoke": "../../users"}).status_code == 404
    assert not site.control.calls("/user_management/invitations", "POST")


@pytest.mark.parametrize("token", ["", "short", "x" * 300, "bad token!", "a\x00" * 5])
def test_a_bad_accept_link_is_a_400(site: Any, token: str) -> None:
    assert Client().get(ACCEPT, {"invitation_token": token}).status_code == 400


def test_an_unknown_token_is_a_400_and_an_outage_a_503(site: Any) -> None:
    assert Client().get(ACCEPT, {"invitation_token": "A" * 24}).status_code == 400
    site.control.fault("/user_management/invitations/*", status=503)
    down = Client().get(ACCEPT, {"invitation_token": "A" * 24})
    assert down.status_code == 503 and down["Retry-After"]


def test_invitation_events_reach_the_site_through_the_events_api(
    site: Any, authkit_sign_in: Any
) -> None:
    from django_authkit import signals
    from django_authkit.client.models import Invitation
    from django_authkit.events.sync import poll_events

    seen: list[tuple[str, Any]] = []

    def record(sender: Any, event_type: str, data: Any, **kw: Any) -> None:
        seen.append((event_type, data))

    ada = sign_in(authkit_sign_in, "ada@acme.test", "Acme", "admin")
    ada.post(PAGE, {"email": "c@acme.test"})
    ada.post(PAGE, {"revoke": pending("Acme")[0].id})
    signals.workos_event.connect(record, dispatch_uid="invitation-events")
    try:
        poll_events()
    finally:
        signals.workos_event.disconnect(dispatch_uid="invitation-events")
    invitations = [(t, d) for t, d in seen if t.startswith("invitation.")]
    assert [t for t, _ in invitations] == ["invitation.created", "invitation.revoked"], seen
    assert all(isinstance(d, Invitation) and d.email == "c@acme.test" for _, d in invitations)
    assert all(d.token is None for _, d in invitations)  # no secret travels in events
