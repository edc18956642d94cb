from django.contrib import admin
from django.urls import include, path

from tests.testapp import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("auth/", include("django_authkit.urls")),
    path("", views.home, name="home"),
    path("private/", views.private, name="private"),
    path("whoami/", views.whoami, name="whoami"),
    path("org/", views.org_page, name="org-page"),
    path("admin-only/", views.admin_only, name="admin-only"),
    path("members/", views.manage_members, name="manage-members"),
    path("sensitive/", views.sensitive, name="sensitive"),
    path("api/whoami/", views.api_whoami, name="api-whoami"),
    path("cart/", views.cart, name="cart"),
    path("cache-control/", views.cache_control, name="cache-control"),
]
