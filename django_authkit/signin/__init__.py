"""Signing in: starting a sign-in, and the one pipeline every entry point finishes through.

Starting (every starter: ``sign-in``, ``sign-up``, ``initiate-login``, provider routes,
step-up, an organization's re-authentication):

* :func:`authorization_url`: the WorkOS URL of a new sign-in: a one-time ``state``
  bound to this browser, PKCE, a validated return path.
* :func:`safe_next`: a same-site return path, or ``None``.

Finishing (the hosted callback, native forms, API mode and its SSO-first path):

* :func:`complete_sign_in`: a browser sign-in; returns the redirect.
* :func:`finish`: the pipeline itself (verify -> provision -> assign organization ->
  membership -> login and session -> ``signed_in`` -> ``on_success``); returns a
  :class:`SignedIn` for the entry point to render.
* :func:`renew`: the same verification, provisioning and membership steps for tokens
  a client rotated (API mode's ``api-refresh``): not a sign-in, so no signal or hook.
* :func:`verify`: the verified claims of an access token WorkOS returned.
* :class:`SignInRefused`: why a sign-in cannot finish, as the entry points render it.
* :class:`CallbackResult` / :class:`CallbackError`: what the ``on_success`` and
  ``on_error`` hooks receive.

Modules: :mod:`.start` (state, PKCE, return paths, the authorization URL),
:mod:`.pipeline`, :mod:`.hooks`, :mod:`.reauth` (re-authentication),
:mod:`.providers` (which providers a sign-in may name), :mod:`.sso` (the WorkOS user
behind an SSO profile). Sign-in sits above events, sessions and identity, and imports
nothing of the web layer: it returns values (a response for a browser sign-in is the
one redirect) and raises :class:`SignInRefused`, which the entry points render.
"""

from __future__ import annotations

from django_authkit.signin.hooks import CallbackError, CallbackResult
from django_authkit.signin.pipeline import (
    Renewed,
    SignedIn,
    SignInRefused,
    complete_sign_in,
    finish,
    renew,
    verify,
)
from django_authkit.signin.start import authorization_url, safe_next

__all__ = [
    "CallbackError",
    "CallbackResult",
    "Renewed",
    "SignInRefused",
    "SignedIn",
    "authorization_url",
    "complete_sign_in",
    "finish",
    "renew",
    "safe_next",
    "verify",
]
