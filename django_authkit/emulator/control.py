"""``EmulatorControl``: a small ``requests`` client of the control API, for tests."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import requests


class EmulatorError(RuntimeError):
    """The emulator refused a control call or the hosted page did not behave as expected."""


class _Forms(HTMLParser):
    """Collects each form's id, action and hidden fields, and its named buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, Any]] = {}
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = {"action": a.get("action", ""), "hidden": {}, "buttons": []}
            self.forms[a.get("id", f"form{len(self.forms)}")] = self._current
        elif self._current is not None and tag == "input" and a.get("type") == "hidden":
            self._current["hidden"][a.get("name", "")] = a.get("value", "")
        elif self._current is not None and tag == "button" and a.get("name"):
            self._current["buttons"].append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _alert(html: str) -> str:
    """The message of the page's ``role="alert"`` box, or the start of the page."""
    marker = 'role="alert">'
    if marker in html:
        return unescape(html.split(marker, 1)[1].split("<", 1)[0])
    return html[:300]


def _forms(html: str) -> dict[str, dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class EmulatorControl:
    """Drive a running emulator: state, clock, config, faults, call log, sign-in."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.trust_env = False  # never send loopback traffic through a proxy

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if method in ("POST", "PUT", "PATCH") and "json" not in kwargs:
            kwargs["json"] = {}  # the control API takes application/json only
        kwargs.setdefault("timeout", self.timeout)
        response = self.http.request(method, f"{self.base_url}{path}", **kwargs)
        if response.status_code >= 400:
            raise EmulatorError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A control call that answers a JSON object."""
        result: dict[str, Any] = self._call(method, path, **kwargs)
        return result

    def _data(self, path: str, **kwargs: Any) -> list[Any]:
        """The ``data`` list of a control ``GET``."""
        data: list[Any] = self._call("GET", path, **kwargs)["data"]
        return data

    def reset(self) -> None:
        self._call("POST", "/_emulator/reset")

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create roles/organizations/users/memberships; returns them with their ids."""
        return self._object("POST", "/_emulator/seed", json=data)

    def state(self) -> dict[str, Any]:
        return self._object("GET", "/_emulator/state")

    def set_clock(
        self, offset: float | None = None, advance: float | None = None
    ) -> dict[str, Any]:
        body = {k: v for k, v in (("offset", offset), ("advance", advance)) if v is not None}
        return self._object("POST", "/_emulator/clock", json=body)

    def configure(self, **options: Any) -> dict[str, Any]:
        return self._object("POST", "/_emulator/config", json=options)

    def set_issuer(self, shape: str | None) -> str:
        """Mint ``iss`` in ``shape`` from now on; returns the issuer tokens will carry.

        ``per-client`` (the default, also ``None``), ``legacy`` (the bare origin),
        ``sso`` (``/sso/<client_id>``) or any http(s) URL (a custom domain).
        Reset restores the issuer the emulator started with.
        """
        self.configure(issuer=shape)
        issuer: str = self.state()["issuer"]
        return issuer

    def fault(
        self,
        path: str,
        method: str = "*",
        status: int | None = 500,
        body: Any = None,
        kind: str = "json",
        retry_after: float | int | str | None = None,
        delay: float | None = None,
        count: int | None = 1,
        match: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        payload = {
            "path": path,
            "method": method,
            "status": status,
            "body": body,
            "kind": kind,  # json, html, truncated_json or text (faults.BODY_KINDS)
            "retry_after": retry_after,
            "delay": delay,
            "count": count,
            "match": match,
        }
        return self._object("POST", "/_emulator/faults", json=payload)

    def rotate_keys(self, *, retire_old: bool = False) -> dict[str, Any]:
        """Sign new tokens with a new key; the old one stays in the JWKS unless ``retire_old``.

        Returns ``{"current": kid, "published": [kid, ...]}``.
        """
        return self._object("POST", "/_emulator/keys/rotate", json={"retire_old": retire_old})

    def retire_keys(self) -> list[str]:
        """Stop publishing every key but the signing one; returns the retired ``kid``\\ s."""
        data: list[str] = self._call("POST", "/_emulator/keys/retire")["retired"]
        return data

    def keys(self) -> dict[str, Any]:
        return self._object("GET", "/_emulator/keys")

    def jwks_fault(
        self,
        kind: str,
        *,
        count: int | None = 1,
        retry_after: float | int | None = None,
        delay: float | None = None,
    ) -> dict[str, Any]:
        """Make JWKS fetches fail: ``rate_limited`` (429 + Retry-After), ``unavailable``,
        ``hang`` (answers after ``delay`` s), ``malformed_document``, ``not_a_key_set``,
        ``empty`` or ``malformed_key``; ``count=None`` until :meth:`clear_faults`."""
        body: dict[str, Any] = {"kind": kind, "count": count}
        if retry_after is not None:
            body["retry_after"] = retry_after
        if delay is not None:
            body["delay"] = delay
        return self._object("POST", "/_emulator/jwks/fault", json=body)

    def drop_response(
        self,
        path: str,
        method: str = "*",
        *,
        match: dict[str, Any] | None = None,
        count: int | None = 1,
    ) -> dict[str, Any]:
        """Process matching requests, then close the connection without answering.

        ``drop_response("/user_management/authenticate", match={"grant_type":
        "refresh_token"})`` rotates the refresh token while the caller hears nothing.
        """
        body = {"path": path, "method": method, "status": None, "drop": True,
                "match": match, "count": count}
        return self._object("POST", "/_emulator/faults", json=body)

    def next_access_token(
        self, access_token: str, *, grant_type: str | None = None, count: int | None = 1
    ) -> dict[str, Any]:
        """Answer the next successful ``authenticate`` (of ``grant_type``) with this
        ``access_token`` instead of the real one (crafted or hostile tokens)."""
        body = {"path": "/user_management/authenticate", "method": "POST", "status": None,
                "patch": {"access_token": access_token},
                "match": {"grant_type": grant_type} if grant_type else None, "count": count}
        return self._object("POST", "/_emulator/faults", json=body)

    def misissue_token(
        self,
        *,
        claims: dict[str, Any] | None = None,
        foreign_key: bool = False,
        opaque: bool = False,
        grant_type: str | None = None,
        count: int | None = 1,
    ) -> dict[str, Any]:
        """Answer the next successful ``authenticate`` (of ``grant_type``) with its access
        token re-minted as a misconfigured WorkOS would: ``claims`` changed (a foreign
        ``iss``, another ``sub``), signed by a ``foreign_key`` the JWKS does not publish,
        or ``opaque`` (not a JWT)."""
        token: dict[str, Any] = {}
        if claims:
            token["claims"] = claims
        if foreign_key:
            token["key"] = "foreign"
        if opaque:
            token["opaque"] = True
        body = {"path": "/user_management/authenticate", "method": "POST", "status": None,
                "token": token, "match": {"grant_type": grant_type} if grant_type else None,
                "count": count}
        return self._object("POST", "/_emulator/faults", json=body)

    def hold(
        self,
        path: str,
        point: str,
        method: str = "*",
        *,
        match: dict[str, Any] | None = None,
        count: int | None = 1,
        timeout: float = 60.0,
    ) -> dict[str, Any]:
        """Stop matching requests at ``point`` so a test can kill the caller there.

        ``before_answer``: the request takes effect (``hold("/user_management/authenticate",
        "before_answer", match={"grant_type": "refresh_token"})`` rotates the refresh
        token) and the answer waits until :meth:`release_holds` (or ``timeout`` s);
        ``after_answer``: the answer goes out and the hold is reported at once.
        :meth:`wait_for_hold` says when and from which ``host:port`` it was reached.
        """
        body = {"path": path, "method": method, "status": None, "hold": point,
                "hold_timeout": timeout, "match": match, "count": count}
        return self._object("POST", "/_emulator/faults", json=body)

    def holds(self, point: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"after": after}
        if point:
            params["point"] = point
        return self._data("/_emulator/holds", params=params)

    def wait_for_hold(
        self, point: str | None = None, *, after: int = 0, timeout: float = 30.0
    ) -> dict[str, Any] | None:
        """The first request held at ``point`` (id above ``after``), or None after ``timeout``."""
        params: dict[str, Any] = {"after": after, "wait": timeout}
        if point:
            params["point"] = point
        found = self._call("GET", "/_emulator/holds", params=params,
                           timeout=timeout + self.timeout)["data"]
        return dict(found[0]) if found else None

    def release_holds(self, hold_id: int | None = None) -> list[int]:
        body = {} if hold_id is None else {"id": hold_id}
        released: list[int] = self._call("POST", "/_emulator/holds/release", json=body)["released"]
        return released

    def clear_faults(self) -> None:
        self._call("DELETE", "/_emulator/faults")

    def calls(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("path", path), ("method", method)) if v}
        return self._data("/_emulator/calls", params=params)

    def grants(self, grant_type: str) -> list[dict[str, Any]]:
        """The ``/user_management/authenticate`` calls of one grant, e.g. ``refresh_token``."""
        calls = self.calls(path="/user_management/authenticate")
        return [c for c in calls if c.get("grant_type") == grant_type]

    def clear_calls(self) -> None:
        self._call("DELETE", "/_emulator/calls")

    def outbox(self, email: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """E-mails the emulator "sent", newest first: ``kind`` is ``magic_auth``,
        ``email_verification`` or ``password_reset``; each has ``code`` or ``url``/``token``."""
        params = {k: v for k, v in (("email", email), ("kind", kind)) if v}
        return self._data("/_emulator/outbox", params=params)

    def last_code(self, email: str, kind: str | None = None) -> str:
        """The code of the newest message with one sent to ``email``."""
        for message in self.outbox(email, kind):
            if message.get("code"):
                return str(message["code"])
        raise EmulatorError(f"no code was sent to {email}")

    def add_webhook(
        self, url: str, secret: str | None = None, events: list[str] | None = None
    ) -> dict[str, Any]:
        """Deliver events to ``url``, signed with ``secret``; returns the endpoint."""
        body = {"url": url, "secret": secret, "events": events or []}
        return self._object("POST", "/_emulator/webhooks", json=body)

    def redeliver_webhooks(self, event_id: str | None = None) -> list[str]:
        """Deliver recorded events again (duplicates, as WorkOS may send); their ids."""
        body = {"event_id": event_id} if event_id else {}
        data: list[str] = self._call("POST", "/_emulator/webhooks/redeliver", json=body)[
            "redelivered"
        ]
        return data

    def webhook_deliveries(self, wait: float = 2.0) -> list[dict[str, Any]]:
        return self._data("/_emulator/webhooks", params={"wait": wait})

    def complete_sign_in(
        self,
        authorize_url: str,
        *,
        user_id: str | None = None,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        organization_id: str | None = None,
        organization_name: str | None = None,
        role: str | None = None,
        provider: str | None = None,
        impersonator_email: str | None = None,
        impersonation_reason: str | None = None,
        deny: bool = False,
    ) -> str:
        """Act like a person on the hosted page; return where the browser is sent back to."""
        page = self.http.get(authorize_url, allow_redirects=False, timeout=self.timeout)
        if page.status_code in (301, 302, 303, 307):
            return str(page.headers["Location"])
        if page.status_code != 200:
            raise EmulatorError(f"authorize answered {page.status_code}: {page.text[:500]}")
        form = _forms(page.text).get("signin-form")
        if form is None:
            raise EmulatorError("the hosted page has no sign-in form")
        data: dict[str, str] = dict(form["hidden"])
        if deny:
            data["action"] = "deny"
        else:
            choice = {
                "user_id": user_id,
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "organization_id": organization_id,
                "organization_name": organization_name,
                "role": role,
                "provider": provider,
                "impersonator_email": impersonator_email,
                "impersonation_reason": impersonation_reason,
            }
            data.update({k: v for k, v in choice.items() if v is not None})
            data.setdefault("action", "sign-in")
        action = urljoin(page.url, form["action"])
        response = self.http.post(action, data=data, allow_redirects=False, timeout=self.timeout)
        if response.status_code == 200 and 'id="device-result"' in response.text:
            return ""  # the device flow ends on the page: nothing to send the browser to
        if response.status_code == 200:
            chooser = _forms(response.text).get("organization-form")
            if chooser is None:
                raise EmulatorError("unexpected page after sign-in")
            options = [v for name, v in chooser["buttons"] if name == "organization_id"]
            if organization_id is None:
                raise EmulatorError(
                    f"the user must choose an organization; pass organization_id (one of {options})"
                )
            data = {**chooser["hidden"], "organization_id": organization_id}
            response = self.http.post(
                urljoin(page.url, chooser["action"]),
                data=data,
                allow_redirects=False,
                timeout=self.timeout,
            )
        if response.status_code not in (301, 302, 303, 307):
            raise EmulatorError(f"sign-in answered {response.status_code}: {_alert(response.text)}")
        return str(response.headers["Location"])
