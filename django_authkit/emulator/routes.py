"""Route registration home: importing this module fills ``routing.router``.

One module per part of WorkOS's API reference, so a reader can map the package
to it at a glance:

=========================  =====================================================
``authorize``              User Management: authorize URL, hosted sign-in page
``authenticate``           User Management: ``/user_management/authenticate``
``onetime``, ``mfa``       Magic Auth, e-mail verification, password reset; MFA
``api_users``              Users, sessions, logout, JWKS, OpenID discovery
``api_orgs``               Organizations, domains, organization memberships
``invitations``            Invitations
``authorization``          Roles, permissions, access checks (RBAC / FGA)
``authz_resources``        FGA resources and who holds what on them
``groups``                 Groups of members, and the roles given to a group
``feature_flags``          Feature flags and their organization targets
``api_keys``               Organization and user API keys, validation
``portal``                 Admin Portal links
``passwordless``           Passwordless sessions (legacy magic link)
``widgets``, ``vault``     Widget tokens; Vault key-value objects
``device``                 Device authorization (CLI) flow
``dashboard``              Redirect URIs and CORS origins
``email_change``           E-mail change with a code
``org_admin``              Connections via the API, directory syncs, IT contacts
``jwt_template``           Custom access-token claims
``waitlists``              Waitlists and AuthKit OAuth resources
``root``                   The root page
``sso``, ``directory``     SSO connections and profiles; Directory Sync
``sso_logout``             SSO logout, client tokens, audit-log configuration
``audit``, ``events``      Audit logs (events, exports, actions); Events API, webhooks
``control_api``            The emulator's own ``/_emulator`` control API
``control_keys``           Control API: signing-key rotation, JWKS faults
=========================  =====================================================

The route modules import ``context.Emulator`` (a protocol), never ``server``;
``server`` dispatches on the populated router and imports none of them.
"""

from __future__ import annotations

# Importing a route module registers its routes on ``router``.
from django_authkit.emulator import (  # noqa: F401
    api_keys,
    api_orgs,
    api_users,
    audit,
    audit_actions,
    authenticate,
    authorization,
    authorization_checks,
    authorize,
    authz_resources,
    control_api,
    control_keys,
    dashboard,
    device,
    directory,
    email_change,
    events,
    feature_flags,
    groups,
    invitations,
    jwt_template,
    mfa,
    onetime,
    org_admin,
    outbox,
    passwordless,
    portal,
    root,
    sso,
    sso_logout,
    vault,
    waitlists,
    widgets,
)
from django_authkit.emulator.routing import router, seed_sections

seed_sections.setdefault("connections", sso.seed_connection)
seed_sections.setdefault("directories", directory.seed_directory)
seed_sections.setdefault("feature_flags", feature_flags.seed)
seed_sections.setdefault("waitlists", waitlists.seed)

__all__ = ["router", "seed_sections"]
