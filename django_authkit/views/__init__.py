"""The sign-in flow as class-based views: subclass them or pass ``as_view()`` options.

``SignInView`` starts a flow, ``CallbackView`` finishes it, ``SignOutView``
confirms (GET) and signs out (POST, CSRF-protected), ``SwitchOrganizationView``
moves the session to another organization. Every failure renders
``authkit/error.html`` with a stable ``code``; never a 500, never a token.

One module per step: :mod:`.signin`, :mod:`.callback`, :mod:`.signout`,
:mod:`.organizations`, :mod:`.entry` (WorkOS's dashboard and NextAuth's routes)
and :mod:`.pages` (the provider list). The response helpers live in
:mod:`django_authkit.web.responses`.
"""

from __future__ import annotations

from django_authkit.views.callback import CallbackView
from django_authkit.views.entry import InitiateLoginView, ProviderSignInView
from django_authkit.views.organizations import SwitchOrganizationView
from django_authkit.views.pages import SignInPageView
from django_authkit.views.signin import SignInView, SignUpView, return_param
from django_authkit.views.signout import SignOutView
from django_authkit.web.responses import (
    WorkOSRedirect,
    configuration_error,
    error_response,
    prefers_html,
)

__all__ = [
    "CallbackView",
    "InitiateLoginView",
    "ProviderSignInView",
    "SignInPageView",
    "SignInView",
    "SignOutView",
    "SignUpView",
    "SwitchOrganizationView",
    "WorkOSRedirect",
    "configuration_error",
    "error_response",
    "prefers_html",
    "return_param",
]
