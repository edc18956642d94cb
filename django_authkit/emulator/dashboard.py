"""Dashboard settings WorkOS also exposes through the API: redirect URIs and CORS origins.

Redirect URIs are the allow-list ``/user_management/authorize`` checks
(``config.redirect_uris``, i.e. ``--redirect-uri``), so one added here is accepted
by the next sign-in, and one deleted is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django_authkit.emulator.crud import first_or_404, stamped
from django_authkit.emulator.ids import iso_now, stable_id
from django_authkit.emulator.routing import Request, Response, invalid, json_response, list_page
from django_authkit.emulator.routing import router as r
from django_authkit.emulator.state import Conflict

if TYPE_CHECKING:
    from django_authkit.emulator.context import Emulator


def _uri_api(emu: Emulator, uri: str, index: int) -> dict[str, Any]:
    created = iso_now(emu.store.extra.get("redirect_uri_times", {}).get(uri, 0.0))
    return {
        "object": "redirect_uri",
        "id": stable_id("redirect_uri", uri),
        "uri": uri,
        "default": index == 0,
        "created_at": created,
        "updated_at": created,
    }


def _http_url(value: str | None) -> str:
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid("an absolute http(s) URL is required")
    return str(value)


@r.route("GET", "/user_management/redirect_uris")
def list_redirect_uris(emu: Emulator, req: Request) -> Response:
    uris = emu.store.config.redirect_uris
    return list_page(req, [_uri_api(emu, uri, i) for i, uri in enumerate(uris)])


@r.route("POST", "/user_management/redirect_uris")
def create_redirect_uri(emu: Emulator, req: Request) -> Response:
    uri = _http_url(req.text("uri"))
    uris = emu.store.config.redirect_uris
    if uri in uris:
        raise Conflict("This redirect URI already exists.", "conflict")
    uris.append(uri)
    emu.store.extra.setdefault("redirect_uri_times", {})[uri] = emu.store.now()
    return json_response(_uri_api(emu, uri, len(uris) - 1), 201)


@r.route("DELETE", "/user_management/redirect_uris/{id}")
def delete_redirect_uri(emu: Emulator, req: Request) -> Response:
    uris, wanted = emu.store.config.redirect_uris, req.params["id"]
    found = (uri for uri in uris if stable_id("redirect_uri", uri) == wanted)
    uris.remove(first_or_404(found, "Redirect URI", wanted))
    return Response(204)


@r.route("GET", "/user_management/cors_origins")
def list_cors_origins(emu: Emulator, req: Request) -> Response:
    return list_page(req, list(emu.store.extra.get("cors_origins", {}).values()))


@r.route("POST", "/user_management/cors_origins")
def create_cors_origin(emu: Emulator, req: Request) -> Response:
    origin = _http_url(req.text("origin")).rstrip("/")
    origins = emu.store.table("cors_origins")
    if any(o["origin"] == origin for o in origins.values()):
        raise Conflict("This origin already exists.", "conflict")
    item = {"object": "cors_origin", "id": stable_id("cors_origin", origin), "origin": origin}
    origins[item["id"]] = stamped(emu.store, item, as_text=True)
    return json_response(item, 201)
