"""Every import path users rely on still works after the move into packages (issue 25).

DESIGN.md's public names import from where they always did; documented paths of
modules that moved keep a re-export for one release, with a DeprecationWarning.
"""

from __future__ import annotations

import importlib
import sys

import pytest

PUBLIC = {
    "django_authkit": ["get_workos", "__version__"],
    "django_authkit.backends": ["AuthKitBackend"],
    "django_authkit.middleware": ["AuthKitMiddleware"],
    "django_authkit.urls": ["urlpatterns", "app_name"],
    "django_authkit.views": ["SignInView", "SignUpView", "CallbackView", "SignOutView",
                             "SwitchOrganizationView"],
    "django_authkit.decorators": ["organization_required", "role_required",
                                  "recent_auth_required"],
    "django_authkit.webhooks": ["WebhookView"],
    "django_authkit.signals": ["signed_in", "user_provisioned", "workos_event"],
    "django_authkit.adapter": ["DefaultAdapter", "get_adapter"],
    "django_authkit.hooks": ["CallbackResult", "CallbackError"],
    "django_authkit.native.finish": ["SignInRefused", "complete_sign_in"],
    "django_authkit.client": ["WorkOSClient", "WorkOSError"],
    "django_authkit.contrib.drf": [],
    "django_authkit.testing.factories": [],
    "django_authkit.templatetags.authkit": [],
}

DEPRECATED = {
    "django_authkit.revocation": ("django_authkit.sessions.revocation", "revoke_user_sessions"),
    "django_authkit.sync": ("django_authkit.events.sync", "poll_events"),
    "django_authkit.audit": ("django_authkit.events.audit", "record_audit_event"),
    "django_authkit.event_handlers": ("django_authkit.events.handlers", "retry_failed"),
    "django_authkit.admin_users": ("django_authkit.admin.users", "integrate_user_admin"),
    "django_authkit.admin_portal": ("django_authkit.admin.portal", "AdminPortalMixin"),
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_public_paths_import(module: str) -> None:
    imported = importlib.import_module(module)
    for name in PUBLIC[module]:
        assert hasattr(imported, name), f"{module}.{name}"


@pytest.mark.parametrize("old", sorted(DEPRECATED))
def test_moved_documented_paths_warn_and_re_export(old: str) -> None:
    new, name = DEPRECATED[old]
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        module = importlib.import_module(old)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)


def test_the_adapter_default_path_is_unchanged() -> None:
    from django_authkit.conf import default_of

    assert default_of("ADAPTER") == "django_authkit.adapter.DefaultAdapter"
