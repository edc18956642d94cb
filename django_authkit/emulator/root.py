"""The emulator's root page: what it serves, where the "e-mails" go, who can sign in.

``make demo`` prints the emulator's URL; opening it should explain the emulator,
not answer a JSON 404. The route list is read from the router, so it never drifts.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import TYPE_CHECKING

from django_authkit.emulator.pages import _page
from django_authkit.emulator.routing import Request, Response, html_response, redirect
from django_authkit.emulator.routing import router as r

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator

# Route module -> the part of WorkOS's API reference it emulates.
SECTIONS = {
    "authorize": "User Management: sign-in (hosted page), logout",
    "authenticate": "User Management: authenticate (every grant)",
    "onetime": "Magic Auth, e-mail verification, password reset",
    "mfa": "Multi-Factor Auth",
    "api_users": "Users, sessions, JWKS",
    "api_orgs": "Organizations, domains, memberships",
    "invitations": "Invitations",
    "authorization": "Authorization: roles and permissions",
    "authorization_checks": "Authorization: role assignments and checks",
    "authz_resources": "Authorization: resources (FGA)",
    "groups": "Groups and group role assignments",
    "feature_flags": "Feature flags",
    "api_keys": "API keys",
    "portal": "Admin Portal",
    "passwordless": "Passwordless sessions (Magic Link)",
    "widgets": "Widgets",
    "vault": "Vault",
    "sso": "SSO and connections",
    "sso_logout": "SSO logout, client tokens, audit-log configuration",
    "directory": "Directory Sync",
    "audit": "Audit logs: events and exports",
    "audit_actions": "Audit logs: actions, schemas, retention",
    "events": "Events API and webhook endpoints",
    "outbox": "The outbox (what the emulator e-mailed)",
    "device": "Device authorization (CLI) flow",
    "dashboard": "Redirect URIs and CORS origins",
    "email_change": "E-mail change",
    "org_admin": "Connections via the API, directory syncs, IT contacts",
    "jwt_template": "JWT template (custom access-token claims)",
    "waitlists": "Waitlists and AuthKit OAuth resources",
    "control_api": "Control API for tests (/_emulator)",
    "control_keys": "Control API: signing keys and JWKS faults",
    # Routes registered through routing's helpers (both addressing forms of a resource).
    "routing": "Authorization: roles and resources, by id or by organization",
    "root": "This page",
}


def _routes_by_section() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for route in r.routes:
        module = route.handler.__module__.rsplit(".", 1)[-1]
        path = route.pattern.pattern.removeprefix("^").removesuffix("/?$")
        path = path.replace("(?P<", "{").replace(">[^/]+)", "}")
        line = f"{route.method} {path or '/'}"
        if line not in grouped[module]:
            grouped[module].append(line)
    return grouped


def _demo_users(emu: Emulator) -> str:
    """Seeded users, with the passwords the seed file documents (it is a local demo)."""
    seed = emu.store.seed_data or {}
    rows = []
    for u in seed.get("users", []):
        password = u.get("password")
        secret = f"<code>{escape(str(password))}</code>" if password else "—"
        rows.append(f"<tr><td>{escape(str(u.get('email')))}</td><td>{secret}</td></tr>")
    if not rows:
        return '<p class="hint">No seeded users: create one on the sign-in page.</p>'
    return (
        '<table class="demo-users"><thead><tr><th>E-mail</th><th>Password</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


@r.route("GET", "/", public=True)
def root(emu: Emulator, req: Request) -> Response:
    grouped = _routes_by_section()
    sections = []
    for module, title in SECTIONS.items():
        lines = grouped.pop(module, [])
        if lines:
            items = "".join(f"<li><code>{escape(line)}</code></li>" for line in lines)
            sections.append(
                f"<details><summary>{escape(title)}</summary><ul>{items}</ul></details>"
            )
    leftover = [line for lines in grouped.values() for line in lines]
    if leftover:  # a route module not named above: listed, never by its internal name
        items = "".join(f"<li><code>{escape(line)}</code></li>" for line in leftover)
        sections.append(f"<details><summary>Other</summary><ul>{items}</ul></details>")
    content = (
        "<h1>WorkOS emulator</h1>"
        f'<p class="hint">An offline stand-in for <code>api.workos.com</code> at '
        f"<code>{escape(emu.base_url)}</code> (client <code>{escape(emu.client_id)}</code>). "
        "Point the official SDK or django-authkit at this URL.</p>"
        '<p><a href="/_emulator/outbox/page" data-testid="outbox-link">Open the outbox</a>: '
        "sign-in codes, verification codes and reset links land there instead of an inbox.</p>"
        "<h2>Demo users</h2>"
        f"{_demo_users(emu)}"
        '<p class="hint">Users without a password sign in by choosing them on the hosted page, '
        "or with a magic code from the outbox.</p>"
        "<h2>What it serves</h2>"
        f"{''.join(sections)}"
        '<p class="hint"><a href="/health">/health</a> · '
        '<a href="/_emulator/state">state (JSON)</a> · '
        '<a href="/_emulator/calls">call log (JSON)</a></p>'
    )
    return html_response(_page("WorkOS emulator", content, here=True))


@r.route("GET", "/_emulator", public=True)
def control_index(emu: Emulator, req: Request) -> Response:
    """``/_emulator/`` is where a person guesses the emulator's pages are: this page."""
    return redirect("/")


@r.route("GET", "/favicon.ico", public=True)
def favicon(emu: Emulator, req: Request) -> Response:
    """No icon, and no 404 in every page's console either."""
    return Response(204, b"", "image/x-icon")
