"""The hosted sign-in page, the organization chooser and error pages (plain HTML).

Every page has a way back (issue 27): a page serving an authorization request links to
the site that made it, the origin of the request's ``redirect_uri`` (already checked
against the allowed redirect URIs, so the link can only lead to a registered site and
never to a URL a query parameter names); any other page links to the emulator's index.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files
from string import Template
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from django_authkit.emulator.state import Store

PROVIDERS = {"GoogleOAuth": "Google", "MicrosoftOAuth": "Microsoft", "GitHubOAuth": "GitHub"}


@cache
def _template(name: str) -> Template:
    return Template(files("django_authkit.emulator").joinpath("templates", name).read_text("utf-8"))


def site_origin(redirect_uri: str | None) -> str | None:
    """``scheme://host[:port]/`` of a checked ``redirect_uri``: the site the visitor came from.

    Only the origin is kept (no path, query or user-info), so a redirect URI such as
    ``http://evil.example@localhost:8000/cb`` still leads to ``http://localhost:8000/``.
    """
    if not redirect_uri:
        return None
    try:
        parts = urlsplit(redirect_uri)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}/"


def _way_back(site: str | None, here: bool = False) -> str:
    """The link back to ``site`` (an origin from :func:`site_origin`), else to the index."""
    if site:
        shown = escape(urlsplit(site).netloc)
        return (
            f'<a href="{escape(site)}" data-testid="back-to-site">Back to the site</a> '
            f'<span class="meta">({shown})</span>'
        )
    current = ' aria-current="page"' if here else ""
    return f'<a href="/" data-testid="emulator-index"{current}>Emulator index</a>'


def _page(title: str, content: str, *, site: str | None = None, here: bool = False) -> str:
    """A whole page: ``site`` is the origin to link back to (None: the emulator's index;
    ``here`` when the page is that index)."""
    return _template("base.html").substitute(
        title=escape(title), content=content, back=_way_back(site, here)
    )


def pending_site(pending: dict[str, Any] | None) -> str | None:
    """The site an authorization request came from (its checked ``redirect_uri``'s origin)."""
    return site_origin(pending.get("redirect_uri")) if pending else None


def _alert(message: str | None) -> str:
    return f'<div class="alert" role="alert">{escape(message)}</div>' if message else ""


def error_page(heading: str, message: str) -> str:
    content = _template("error.html").substitute(heading=escape(heading), message=escape(message))
    return _page(heading, content)


def _user_buttons(store: Store) -> str:
    items = []
    for user in store.users.values():
        orgs = [
            store.organizations[m.organization_id].name
            for m in store.memberships.values()
            if m.user_id == user.id
            and m.status == "active"
            and m.organization_id in store.organizations
        ]
        meta = escape(user.email) + (f" · {escape(', '.join(orgs))}" if orgs else "")
        items.append(
            f'<li><button type="submit" name="user_id" value="{escape(user.id)}" formnovalidate>'
            f'<span class="name">{escape(user.name)}</span><span class="meta">{meta}</span>'
            "</button></li>"
        )
    if not items:
        return '<p class="hint">No users yet: create one below.</p>'
    return f'<ul class="choices" aria-label="Existing users">{"".join(items)}</ul>'


def _field(name: str, label: str, value: str, kind: str = "text", extra: str = "") -> str:
    return (
        f'<div><label for="{name}">{label}</label>'
        f'<input id="{name}" name="{name}" type="{kind}" value="{escape(value)}" {extra}></div>'
    )


def _create_form(store: Store, pending: dict[str, Any], values: dict[str, str]) -> str:
    login_hint = values.get("email") or pending.get("login_hint") or ""
    email = _field("email", "E-mail", login_hint, "email", 'autocomplete="email"')
    names = (
        '<div class="row">'
        + _field(
            "first_name",
            "First name",
            values.get("first_name", ""),
            extra='autocomplete="given-name"',
        )
        + _field(
            "last_name",
            "Last name",
            values.get("last_name", ""),
            extra='autocomplete="family-name"',
        )
        + "</div>"
    )
    chosen_role = values.get("role") or "member"
    options = "".join(
        f'<option value="{escape(r.slug)}"{" selected" if r.slug == chosen_role else ""}>'
        f"{escape(r.name)}</option>"
        for r in store.roles.values()
    )
    sso = pending.get("kind") == "sso"
    if sso:
        # Standalone SSO returns a profile: only the identity matters.
        return (
            f"<fieldset><legend>Identity provider account</legend>{email}{names}"
            '<button class="primary" type="submit" name="action" value="sign-in">'
            "Continue</button></fieldset>"
        )
    org = ""
    if not pending.get("organization_id"):
        org = _field(
            "organization_name", "Organization (optional)", values.get("organization_name", "")
        )
    role = (
        f'<div><label for="role">Role</label><select id="role" name="role">{options}</select></div>'
    )
    preferred = pending.get("provider")
    offered = dict(PROVIDERS)
    if preferred and preferred not in offered:  # any other OAuth provider the site asked for
        offered[preferred] = preferred.removesuffix("OAuth")
    buttons = []
    for slug, label in sorted(offered.items(), key=lambda kv: kv[0] != preferred):
        cls = ' class="preferred"' if slug == preferred else ""
        buttons.append(
            f'<button type="submit" name="provider" value="{slug}"{cls}>'
            f"Continue with {label}</button>"
        )
    heading = "Create an account" if pending.get("screen_hint") == "sign-up" else "Use an e-mail"
    return (
        f"<fieldset><legend>{heading}</legend>{email}{names}{org}{role}"
        '<button class="primary" type="submit" name="action" value="sign-in">Continue</button>'
        '<p class="divider">or simulate an OAuth provider with this e-mail</p>'
        f'<div class="providers">{"".join(buttons)}</div></fieldset>'
    )


def sign_in_page(
    store: Store,
    client_id: str,
    pending: dict[str, Any],
    request_id: str,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> str:
    values = values or {}
    users = f"<fieldset><legend>Sign in as</legend>{_user_buttons(store)}</fieldset>"
    create = _create_form(store, pending, values)
    sign_up = pending.get("screen_hint") == "sign-up"
    scope = ""
    org_id = pending.get("organization_id")
    connection = pending.get("connection")
    if connection:
        scope = (
            f'<p class="scope">SSO connection: <strong>{escape(connection["name"])}</strong> '
            f"({escape(connection['connection_type'])})</p>"
        )
    elif org_id and org_id in store.organizations:
        scope = (
            f'<p class="scope">Organization: <strong>{escape(store.organizations[org_id].name)}'
            "</strong> (the user will be made a member if needed)</p>"
        )
    content = _template("sign_in.html").substitute(
        heading="Sign up" if sign_up else "Sign in",
        purpose="Creating an account for" if sign_up else "Signing in to",
        advice="Describe the new user, or pick an existing one."
        if sign_up
        else "Pick a user or describe a new one.",
        client_id=escape(client_id),
        scope=scope,
        error=_alert(error),
        request_id=escape(request_id),
        first_section=create if sign_up else users,
        second_section=users if sign_up else create,
    )
    return _page("Sign up" if sign_up else "Sign in", content, site=pending_site(pending))


def choose_org_page(
    store: Store, request_id: str, user_id: str, org_ids: list[str], error: str | None = None
) -> str:
    user = store.users[user_id]
    items = "".join(
        f'<li><button type="submit" name="organization_id" value="{escape(oid)}">'
        f'<span class="name">{escape(store.organizations[oid].name)}</span>'
        f'<span class="meta">{escape(oid)}</span></button></li>'
        for oid in org_ids
    )
    content = _template("choose_org.html").substitute(
        user_name=escape(user.name),
        error=_alert(error),
        request_id=escape(request_id),
        organizations=items,
    )
    return _page(
        "Choose an organization", content, site=pending_site(store.pending.get(request_id))
    )
