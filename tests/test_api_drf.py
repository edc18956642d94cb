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

from django_authkit.contrib.drf import AuthKitApiKeyAuthentication, AuthKitBearerAuthentication
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
    path("drf/keys/", lambda request: KeyWhoami.as_view()(request)),
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


def test_drf_answers_an_outage_503_with_retry_after_not_500(
    emu: Any, token: str, client: Client, settings: Any
) -> None:
    """The signing keys unreachable: WorkOS's outage, not the caller's fault, not a crash."""
    from django.core.cache import cache

    from django_authkit.tokens.verify import clear_key_cache

    settings.ROOT_URLCONF = "tests.test_api_drf"
    bearer.clear_cache()
    clear_key_cache()
    cache.clear()
    emu.control.fault("/sso/jwks/*", status=500, count=None)
    response = client.get("/drf/whoami/", **_auth(token))
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"


class KeyWhoami(Whoami):
    authentication_classes = [AuthKitApiKeyAuthentication]


def test_drf_keeps_the_api_key_budgets_429(emu: Any, client: Client, settings: Any) -> None:
    """Past the validation budget a random key is 429 + Retry-After (was a 401)."""
    settings.ROOT_URLCONF = "tests.test_api_drf"
    settings.AUTHKIT = {**settings.AUTHKIT, "API_KEYS": True,
                        "RATE_LIMITS": {"api-key-validation": "1/d"}}
    first = client.get("/drf/keys/", HTTP_AUTHORIZATION="Bearer sk_test_" + "a" * 40)
    assert first.status_code == 401
    second = client.get("/drf/keys/", HTTP_AUTHORIZATION="Bearer sk_test_" + "b" * 40)
    assert second.status_code == 429, second.content
    assert int(second["Retry-After"]) >= 1
