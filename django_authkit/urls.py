"""``path("auth/", include("django_authkit.urls"))`` — namespace ``authkit``."""

from django.urls import path

from django_authkit import views
from django_authkit.webhooks import WebhookView

app_name = "authkit"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-up/", views.SignUpView.as_view(), name="sign-up"),
    path("callback/", views.CallbackView.as_view(), name="callback"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path(
        "switch-organization/",
        views.SwitchOrganizationView.as_view(),
        name="switch-organization",
    ),
    path("webhooks/", WebhookView.as_view(), name="webhooks"),
]
