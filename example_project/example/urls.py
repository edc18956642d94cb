from django.contrib import admin
from django.urls import include, path

from example import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("auth/", include("django_authkit.urls")),
    path("admin/", admin.site.urls),
]
