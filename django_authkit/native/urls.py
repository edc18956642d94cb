"""The native sign-in pages, included by ``django_authkit.urls`` (namespace ``authkit``).

Every view answers 404 unless ``AUTHKIT["NATIVE_FORMS"]`` is on.
"""

from django.urls import path

from django_authkit.native import reset, views

urlpatterns = [
    path("account/sign-in/", views.SignInView.as_view(), name="native-sign-in"),
    path("account/sign-up/", views.SignUpView.as_view(), name="native-sign-up"),
    path("account/magic/", views.MagicAuthView.as_view(), name="magic-auth"),
    path("account/magic/code/", views.MagicAuthVerifyView.as_view(), name="magic-auth-verify"),
    path("account/verify-email/", views.VerifyEmailView.as_view(), name="verify-email"),
    path("account/mfa/enroll/", views.MfaEnrollView.as_view(), name="mfa-enroll"),
    path("account/mfa/", views.MfaChallengeView.as_view(), name="mfa-challenge"),
    path(
        "account/organization/",
        views.SelectOrganizationView.as_view(),
        name="select-organization",
    ),
    path("account/password-reset/", reset.PasswordResetView.as_view(), name="password-reset"),
    path(
        "account/password-reset/confirm/",
        reset.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
]
