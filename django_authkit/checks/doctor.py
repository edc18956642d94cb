"""``authkit_doctor``: check a site's WorkOS configuration against the real thing.

Each check talks to WorkOS (or the emulator) the way sign-in will, and says
what to fix when it fails.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.checks import run_checks
from django.db import DatabaseError
from django.urls import reverse

from django_authkit.client.errors import APIError, AuthenticationError, NotFoundError, WorkOSError
from django_authkit.conf import authkit_settings, default_issuers
from django_authkit.core import crypto
from django_authkit.models import AuthKitSession
from django_authkit.tokens import verify as tokens
from django_authkit.workos import get_workos


@dataclass
class Finding:
    ok: bool
    title: str
    detail: str = ""
    warning: bool = False


def diagnose(redirect_uri: str | None = None) -> Iterator[Finding]:
    """Yield findings in order; later checks are skipped when configuration is missing."""

    problems = [m for m in run_checks() if m.id and m.id.startswith("authkit.")]
    for message in problems:
        yield Finding(not message.is_serious(), f"{message.id}: {message.msg}", message.hint or "",
                      warning=not message.is_serious())
    if not authkit_settings.CLIENT_ID or not authkit_settings.API_KEY:
        yield Finding(False, "Stopping: the client id and API key are needed for the rest.")
        return
    base = authkit_settings.api_base_url
    yield Finding(True, f"WorkOS API: {base}")
    workos = get_workos()
    try:
        workos.organizations.list_organizations(limit=1)
    except AuthenticationError:
        yield Finding(False, "The API key was refused (401).",
                      "Copy the secret key of this environment from the WorkOS dashboard. "
                      "Until then every sign-in ends on the 'configuration' error page.")
        return
    except WorkOSError as exc:
        yield Finding(False, f"WorkOS could not be reached: {type(exc).__name__}.",
                      f"Check network access to {base} and AUTHKIT['API_BASE_URL'].")
        return
    yield Finding(True, "API key accepted.")
    try:
        keys = workos.user_management.get_jwks().get("keys", [])
    except NotFoundError:
        yield Finding(False, "No JWKS for this client id (404).",
                      "AUTHKIT['CLIENT_ID'] must be this environment's client id. Until then "
                      "every sign-in ends on the 'configuration' error page.")
        return
    except WorkOSError as exc:
        yield Finding(False, f"The JWKS could not be fetched: {type(exc).__name__}.")
        return
    yield Finding(bool(keys), f"JWKS reachable with {len(keys)} signing key(s).")
    yield from _issuer()
    yield from _code_exchange(workos)
    yield from _clock(base)
    uri = redirect_uri or authkit_settings.REDIRECT_URI
    yield from _sign_in_endpoint(uri)
    if not uri:
        yield Finding(False, "No redirect URI to check.", "Set AUTHKIT['REDIRECT_URI'] or pass "
                      "--redirect-uri https://your.site/auth/callback/.", warning=True)
        return
    url = workos.user_management.get_authorization_url(redirect_uri=uri, provider="authkit",
                                                       state="authkit-doctor")
    try:
        answer = requests.get(url, allow_redirects=False, timeout=10)
    except requests.RequestException as exc:
        yield Finding(False, f"The authorization URL could not be opened: {type(exc).__name__}.")
        return
    location = answer.headers.get("Location", "")
    if answer.status_code >= 400 or "error=" in urlsplit(location).query:
        yield Finding(False, f"Redirect URI {uri} was refused ({answer.status_code}).",
                      "Register it under Redirects in the WorkOS dashboard.")
    else:
        yield Finding(True, f"Redirect URI {uri} accepted.")


def sign_in_endpoint(redirect_uri: str | None) -> str | None:
    """The ``initiate-login`` URL to register in WorkOS, next to the redirect URI."""

    callback, initiate = reverse("authkit:callback"), reverse("authkit:initiate-login")
    if redirect_uri and redirect_uri.split("?")[0].endswith(callback):
        return redirect_uri.split("?")[0][: -len(callback)] + initiate
    base = authkit_settings.BASE_URL
    return str(base).rstrip("/") + initiate if base else None


def _sign_in_endpoint(redirect_uri: str | None) -> Iterator[Finding]:
    url = sign_in_endpoint(redirect_uri)
    title = ("Sign-in endpoint to register in the WorkOS dashboard (Redirects → Sign-in "
             "endpoint; dashboard impersonation and WorkOS-initiated sign-ins start there): ")
    if url:
        yield Finding(True, title + url)
    else:

        yield Finding(False, title + "<your origin>" + reverse("authkit:initiate-login"),
                      "Set AUTHKIT['BASE_URL'] or pass --redirect-uri to print the full URL.",
                      warning=True)


def _issuer() -> Iterator[Finding]:
    """The ``iss`` WorkOS writes for this client, compared with the issuers accepted here.

    A real token first: the newest stored session's access token, its signature
    checked against this client's key set (expiry does not matter for this). Else
    the issuer WorkOS advertises in the client's OpenID discovery document.
    """
    accepted = authkit_settings.issuer_list
    seen, source = _stored_token_issuer(), "the newest stored access token"
    if seen is None:
        seen, source = _advertised_issuer(), "WorkOS's discovery document for this client"
    listed = ", ".join(map(repr, accepted))
    if seen is None:
        yield Finding(False, f"Could not learn which issuer WorkOS mints; this site accepts "
                      f"{listed}.", "Sign in once and run authkit_doctor again: it then "
                      "reads the issuer of a real token.", warning=True)
    elif seen in authkit_settings.issuers:
        yield Finding(True, f"Access tokens carry iss {seen!r} ({source}); this site "
                      "accepts it.")
    else:
        yield Finding(False, f"Access tokens carry iss {seen!r} ({source}) but this site "
                      f"accepts {listed}: every sign-in fails with wrong_issuer.",
                      _issuer_fix(seen))


def _issuer_fix(seen: str) -> str:
    """Name the setting that makes ``seen`` accepted: the API base when only its host is off."""

    try:
        parts = urlsplit(seen)
    except ValueError:
        parts = urlsplit("")
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    shapes = default_issuers(origin, authkit_settings.CLIENT_ID) if origin else ()
    api_host = urlsplit(authkit_settings.api_base_url).hostname or ""
    # The API under another name: the per-client shape on another origin, or any
    # hosted shape when both names are loopback ones. A custom domain mints its origin.
    renamed = (bool(shapes) and seen == shapes[0]) or (
        seen in shapes and _loopback(parts.hostname) and _loopback(api_host))
    if renamed and origin != authkit_settings.api_base_url and not authkit_settings.ISSUER:
        return (f"WorkOS names itself {origin!r} while AUTHKIT['API_BASE_URL'] says "
                f"{authkit_settings.api_base_url!r} (localhost and 127.0.0.1 are different "
                f"names): set AUTHKIT['API_BASE_URL'] = {origin!r}, or AUTHKIT['ISSUER'] = "
                f"{seen!r}.")
    return (f"Set AUTHKIT['ISSUER'] (or WORKOS_ISSUER) to {seen!r}, or add it to the list "
            "there (a custom authentication domain needs this).")


def _loopback(host: str | None) -> bool:
    return bool(host) and (host in ("localhost", "127.0.0.1", "::1")
                           or str(host).endswith(".localhost"))


def _stored_token_issuer() -> str | None:
    """``iss`` of the newest stored access token whose signature verifies, if any."""


    try:
        rows = list(AuthKitSession.objects.order_by("-created_at")
                    .values_list("access_token", flat=True)[:5])
    except DatabaseError:  # not migrated yet
        return None
    for stored in rows:
        token = crypto.decrypt(stored)  # None under a changed SECRET_KEY: try the next
        try:
            iss = tokens.signed_payload(token, from_workos=True).get("iss") if token else None
        except tokens.InvalidAccessToken:  # e.g. signed by a key rotated away since
            iss = None
        if isinstance(iss, str) and iss:
            return iss
    return None


def _advertised_issuer() -> str | None:
    base, client_id = authkit_settings.api_base_url, authkit_settings.CLIENT_ID
    try:
        answer = requests.get(
            f"{base}/user_management/{client_id}/.well-known/openid-configuration", timeout=10)
        issuer = answer.json().get("issuer") if answer.status_code == 200 else None
    except (requests.RequestException, ValueError, AttributeError):
        return None
    return issuer if isinstance(issuer, str) and issuer else None


def _code_exchange(workos: Any) -> Iterator[Finding]:
    """Probe ``authenticate`` with a dummy code: WorkOS checks the client first."""

    try:
        workos.user_management.authenticate_with_code(code="authkit-doctor-probe")
    except APIError as exc:
        if exc.is_configuration_error:
            yield Finding(
                False,
                f"WorkOS refused this site's client id / API key at the code exchange "
                f"({exc.error or exc.code or exc.status_code}).",
                "Every sign-in ends on the 'configuration' error page (logged at ERROR). Set "
                "AUTHKIT['CLIENT_ID'] and AUTHKIT['API_KEY'] to the client id and secret key "
                "of the same WorkOS environment.",
            )
            return
    except WorkOSError as exc:
        yield Finding(False, f"The code exchange could not be reached: {type(exc).__name__}.")
        return
    yield Finding(True, "Code exchange accepts this site's client id and API key.")


def _clock(base: str) -> Iterator[Finding]:
    try:
        answer = requests.get(f"{base}/health", timeout=10)
        date = answer.headers.get("Date")
    except requests.RequestException:
        return
    if not date:
        return
    skew = abs(parsedate_to_datetime(date).timestamp() - time.time())
    leeway = int(authkit_settings.JWT_LEEWAY)
    if skew > max(leeway, 1) + 1:
        yield Finding(False, f"This machine's clock is {skew:.0f} s off WorkOS's.",
                      f"Sync it (NTP): tokens are checked with {leeway} s leeway.")
    else:
        yield Finding(True, f"Clock within {skew:.0f} s of WorkOS.")
