"""The test site's URLconf with ``/whoami/`` served by a view that did not opt in to bearer."""

from django.urls import include, path

from tests.testapp import views

urlpatterns = [
    path("auth/", include("django_authkit.urls")),
    path("whoami/", views.api_whoami, name="whoami"),
]
