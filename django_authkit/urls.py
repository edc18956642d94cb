"""``path("auth/", include("django_authkit.urls"))`` — namespace ``authkit``."""

from typing import Any

from django.urls import URLResolver, include, path

from django_authkit import views
from django_authkit.api import mode as api_mode
from django_authkit.api import session as api_views
from django_authkit.webhooks import WebhookView

app_name = "authkit"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-in/page/", views.SignInPageView.as_view(), name="sign-in-page"),
    path("initiate-login/", views.InitiateLoginView.as_view(), name="initiate-login"),
    path(
        "sign-in/<str:provider>/", views.ProviderSignInView.as_view(), name="sign-in-provider"
    ),
    path("sign-up/", views.SignUpView.as_view(), name="sign-up"),
    path("callback/", views.CallbackView.as_view(), name="callback"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path(
        "switch-organization/",
        views.SwitchOrganizationView.as_view(),
        name="switch-organization",
    ),
    path("webhooks/", WebhookView.as_view(), name="webhooks"),
    path("session/", api_views.SessionView.as_view(), name="session"),
    path("refresh/", api_views.RefreshView.as_view(), name="refresh"),
    path("access-token/", api_views.AccessTokenView.as_view(), name="access-token"),
    path("providers/", api_views.ProvidersView.as_view(), name="providers"),
    path("csrf/", api_views.CsrfTokenView.as_view(), name="csrf"),
    path("openapi.json", api_views.OpenAPIView.as_view(), name="openapi"),
    path("api/callback/", api_mode.ApiCallbackView.as_view(), name="api-callback"),
    path("api/refresh/", api_mode.ApiRefreshView.as_view(), name="api-refresh"),
    path("api/sign-out/", api_mode.ApiSignOutView.as_view(), name="api-sign-out"),
    path("", include("django_authkit.native.urls")),
]


def _reachable_anonymously(patterns: list[Any]) -> None:
    """Exempt every AuthKit view from Django 5.1+'s ``LoginRequiredMiddleware``.

    Sign-in, callback, webhooks, CSRF, providers, session and the API-mode
    endpoints serve visitors who are not signed in (yet); each view checks its
    own preconditions. This is what ``login_not_required`` sets; a no-op before 5.1.
    """
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _reachable_anonymously(pattern.url_patterns)
        else:
            pattern.callback.login_required = False


_reachable_anonymously(urlpatterns)


# -- the account layer (issue 26): the signed-in user's own pages --------------------------
from django_authkit.api import account as api_account  # noqa: E402
from django_authkit.views import account as account_views  # noqa: E402
from django_authkit.views import invitations as invitation_views  # noqa: E402

account_urlpatterns = [
    path("account/sessions/", account_views.AccountSessionsView.as_view(),
         name="account-sessions"),
    path("api/account/sessions/", api_account.AccountSessionsApiView.as_view(),
         name="api-account-sessions"),
    path("account/widget-token/", api_account.WidgetTokenView.as_view(), name="widget-token"),
    path("invitations/", invitation_views.InvitationsView.as_view(), name="invitations"),
    path("invitations/accept/", invitation_views.AcceptInvitationView.as_view(),
         name="accept-invitation"),
]
_reachable_anonymously(account_urlpatterns)  # each checks its own sign-in (redirect or 401)
urlpatterns += account_urlpatterns
