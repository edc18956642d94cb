from django.contrib import admin
from django.urls import include, path

from tests.testapp import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("auth/", include("django_authkit.urls")),
    path("", views.home, name="home"),
    path("private/", views.private, name="private"),
    path("whoami/", views.whoami, name="whoami"),
]
