"""CSRF protection that also reads NextAuth's ``csrfToken`` form field.

NextAuth clients post their CSRF token as a ``csrfToken`` form field; Django reads
``csrfmiddlewaretoken`` or the ``X-CSRFToken`` header. :func:`csrf_token_field`
copies the field into the header Django checks (only when neither is sent) and
then runs Django's own check, so the token is verified exactly as Django does:
nothing is loosened, one more spelling is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt, csrf_protect

FIELD = "csrfToken"


def csrf_token_field(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Decorate ``view`` (or, with ``method_decorator``, a CBV's ``dispatch``)."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            header = settings.CSRF_HEADER_NAME
            form = request.POST if _is_form(request) else {}
            if header not in request.META and "csrfmiddlewaretoken" not in form:
                token = form.get(FIELD)
                if token:
                    request.META[header] = token
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def _is_form(request: HttpRequest) -> bool:
    kind = request.content_type or ""
    return kind in ("application/x-www-form-urlencoded", "multipart/form-data")
