"""``contrib.drf.AuthKitBearerAuthentication`` (the optional ``drf`` extra)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import include, path

pytest.importorskip("rest_framework")

from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_authkit.contrib.drf import AuthKitBearerAuthentication
from django_authkit.sessions import bearer
from tests.test_bearer import ADA, _auth, _token


class Whoami(APIView):
    authentication_classes = [AuthKitBearerAuthentication]
    renderer_classes = [JSONRenderer]

    def get(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            return Response({"anonymous": True})
        return Response({"email": request.user.email, "org": request.auth.organization_id,
                         "role": request.auth.role})

    def post(self, request: Request) -> Response:
        return Response({"posted": request.user.is_authenticated})


urlpatterns = [
    path("drf/whoami/", Whoami.as_view()),
    path("", include("tests.urls")),
]


@pytest.fixture
def token(emu: Any) -> str:
    bearer.clear_cache()
    return _token(emu, **ADA)


def test_drf_authentication_class(token: str, client: Client, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.test_api_drf"
    body = client.get("/drf/whoami/", **_auth(token)).json()
    assert body["email"] == "ada@acme.test" and body["role"] == "admin"
    assert body["org"].startswith("org_")
    assert client.get("/drf/whoami/").json() == {"anonymous": True}


def test_drf_refuses_invalid_tokens(emu: Any, client: Client, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.test_api_drf"
    settings.AUTHKIT = {**settings.AUTHKIT, "BEARER_REJECT_INVALID": False}  # DRF decides
    response = client.get("/drf/whoami/", HTTP_AUTHORIZATION="Bearer garbage")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_drf_post_without_csrf(token: str, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.test_api_drf"
    api = Client(enforce_csrf_checks=True)
    assert api.post("/drf/whoami/", **_auth(token)).json() == {"posted": True}
