"""The e-mails the emulator "sends": magic-auth codes, verification codes, reset links.

Nothing leaves the machine. Each message is recorded and shown by the control API
(``GET /_emulator/outbox?email=&kind=``, newest first) and by a plain web page
(``GET /_emulator/outbox/page``), so a person using the example site, or a test,
can read the code WorkOS would have e-mailed.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from django_authkit.emulator.ids import iso_now, new_id
from django_authkit.emulator.pages import _page
from django_authkit.emulator.routing import Request, Response, html_response, json_response
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import normalize_email

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

SUBJECTS = {
    "magic_auth": "Your sign-in code",
    "email_verification": "Verify your e-mail address",
    "password_reset": "Reset your password",
    "magic_link": "Your sign-in link",
    "email_change": "Confirm your new e-mail address",
    "it_contact_invite": "Set up your organization in the Admin Portal",
    "invitation": "You have been invited",
}


def send(
    emu: Emulator,
    kind: str,
    email: str,
    *,
    code: str | None = None,
    url: str | None = None,
    token: str | None = None,
    source: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Record one message to ``email``; ``source`` (table, id) is the one-time item it carries."""
    message: dict[str, Any] = {
        "id": new_id("email"),
        "kind": kind,
        "to": email,
        "subject": SUBJECTS.get(kind, kind),
        "code": code,
        "url": url,
        "token": token,
        "created_at": iso_now(emu.store.now()),
        "source": list(source) if source else None,
    }
    emu.store.extra.setdefault("outbox", {})[message["id"]] = message
    return message


def messages(emu: Emulator, email: str | None = None, kind: str | None = None) -> list[Any]:
    wanted = normalize_email(email) if email else None
    found = [
        m
        for m in emu.store.extra.get("outbox", {}).values()
        if (wanted is None or m["to"] == wanted) and (kind is None or m["kind"] == kind)
    ]
    return list(reversed(found))


@r.route("GET", "/_emulator/outbox", public=True)
def outbox(emu: Emulator, req: Request) -> Response:
    return json_response({"data": messages(emu, req.arg("email"), req.arg("kind"))})


def state_of(emu: Emulator, message: dict[str, Any]) -> str:
    """``used``, ``expired`` or ``""`` (still good) for the code or link a message carries."""
    source = message.get("source")
    if not source:
        return ""
    item = emu.store.table(source[0]).get(source[1])
    if item is None:
        return "expired"
    if item.get("used"):
        return "used"
    return "expired" if item.get("expires_at", 0) < emu.store.now() else ""


@r.route("GET", "/_emulator/outbox/page", public=True)
def outbox_page(emu: Emulator, req: Request) -> Response:
    rows = []
    for m in messages(emu, req.arg("email"), req.arg("kind")):
        state = state_of(emu, m)
        mark = f' <span class="mark {state}" data-testid="mark">{state}</span>' if state else ""
        sent = escape(m["created_at"].replace("T", " ").removesuffix("Z").split(".")[0] + " UTC")
        detail = ""
        if m["code"]:
            detail = f'Code: <strong data-testid="code">{escape(m["code"])}</strong>'
        elif m["url"]:
            detail = f'<a href="{escape(m["url"])}">{escape(m["url"])}</a>'
        rows.append(
            f'<li class="{state or "live"}"><p><strong>{escape(m["subject"])}</strong>{mark} '
            f'to {escape(m["to"])} <time class="meta" datetime="{escape(m["created_at"])}">'
            f"{sent}</time></p><p>{detail}</p></li>"
        )
    body = (
        '<ul class="outbox">' + "".join(rows) + "</ul>"
        if rows
        else '<p class="hint">Nothing sent yet.</p>'
    )
    return html_response(_page("Sent e-mails", f"<h1>Sent e-mails</h1>{body}"))
