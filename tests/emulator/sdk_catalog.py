"""Every call of the installed official ``workos`` SDK, and whether the emulator serves it.

Read from the SDK's own source: each public method of each resource is mapped to the
HTTP method and path it requests, and that path is looked up in the emulator's
router. A call is *served* (a route answers it), *client-side* (no request: URL
builders, webhook verification, local crypto), or *not emulated* (listed below with
the reason). ``test_sdk_fidelity`` fails when the three disagree with the SDK, so a
new SDK release that adds a call shows up as a test failure, not a silent 404.

``python -m tests.emulator.sdk_catalog > docs/_generated_sdk_calls.rst`` rewrites the
list that ``docs/emulator.rst`` includes.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import sys
import textwrap
from dataclasses import dataclass

from django_authkit.emulator.routes import router

# Accessors that are aliases or hold no API calls.
SKIP_ACCESSORS = {"mfa", "actions", "pkce"}

# SDK resources outside what a Django sign-in app needs; the emulator answers 404.
NOT_EMULATED_RESOURCES = {
    "agents": "Agents (AI agent registrations)",
    "pipes": "Pipes (third-party OAuth token broker)",
    "pipes_provider": "Pipes providers",
    "connect": "Connect (OAuth applications for your API)",
    "platform_teams": "Platform teams",
    "radar": "Radar (fraud signals)",
    "organizations_data_providers": "Organization data providers",
}

# Single calls of emulated resources that are not served, and why.
NOT_EMULATED_CALLS = {
    "sso.*saml*": "SAML certificates (no SAML in the emulator: connections are simulated)",
    "organizations.list_authorized_applications": "Connect applications",
    "user_management.*radar*": "Radar",
    "user_management.*authorized_application*": "Connect applications",
}

# Calls that make no request of their own.
CLIENT_SIDE = {
    "sso.get_authorization_url",
    "sso.get_authorization_url_with_pkce",
    "sso.get_logout_url",
    "user_management.authenticate_with_session_cookie",
    "user_management.get_authorization_url",
    "user_management.get_authorization_url_with_pkce",
    "user_management.get_jwks_url",
    "user_management.get_logout_url",
    "user_management.load_sealed_session",
    "vault.encrypt",
    "vault.decrypt",
    "webhooks.verify_event",
    "webhooks.verify_header",
}


@dataclass(frozen=True)
class Call:
    name: str  # resource.method
    requests: tuple[tuple[str, str], ...]  # (HTTP method, path template)
    grant_type: str | None = None  # for /user_management/authenticate

    @property
    def resource(self) -> str:
        return self.name.split(".", 1)[0]


def _accessors() -> list[str]:
    from workos._client import WorkOSClient

    return [
        name
        for name, attr in vars(WorkOSClient).items()
        if isinstance(attr, functools.cached_property) and name not in SKIP_ACCESSORS
    ]


def _requests(fn: object) -> tuple[tuple[str, str], ...]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))  # type: ignore[arg-type]
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in ("request", "request_page", "request_list"):
            continue
        kw = {k.arg: k.value for k in node.keywords}
        method, path = kw.get("method"), kw.get("path")
        if not isinstance(method, ast.Constant) or not isinstance(path, ast.Tuple):
            continue
        parts = []
        for e in path.elts:
            if isinstance(e, ast.Constant):
                parts.append(str(e.value))
            elif isinstance(e, ast.Call) and e.args and isinstance(e.args[0], ast.Name):
                parts.append("{" + e.args[0].id + "}")
            else:
                parts.append("{value}")
        found.append((str(method.value).upper(), "/" + "/".join(p for p in parts if p)))
    return tuple(found)


def sdk_calls() -> list[Call]:
    """Every public method of every resource of the installed SDK's sync client."""
    from workos._client import WorkOSClient

    client = WorkOSClient(api_key="sk_test_x", client_id="client_x", base_url="http://x")
    calls = []
    for accessor in _accessors():
        resource = getattr(client, accessor)
        for name, fn in inspect.getmembers(type(resource), inspect.isfunction):
            if not name.startswith("_"):
                grant = re.search(r'"grant_type": "([^"]+)"', inspect.getsource(fn))
                calls.append(
                    Call(f"{accessor}.{name}", _requests(fn), grant.group(1) if grant else None)
                )
    return sorted(calls, key=lambda c: c.name)


def served(call: Call) -> bool:
    from django_authkit.emulator.authenticate import GRANTS

    if call.grant_type is not None and call.grant_type not in GRANTS:
        return False
    for method, path in call.requests:
        sample = re.sub(r"\{[^}]+\}", "x_1", path)
        route, _params, _known = router.match(method, sample)
        if route is None:
            return False
    return bool(call.requests)


def not_emulated_reason(call: Call) -> str | None:
    if call.resource in NOT_EMULATED_RESOURCES:
        return NOT_EMULATED_RESOURCES[call.resource]
    for pattern, reason in NOT_EMULATED_CALLS.items():
        if re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), call.name):
            return reason
    return None


def classify() -> dict[str, list[Call]]:
    out: dict[str, list[Call]] = {"served": [], "client-side": [], "not emulated": []}
    for call in sdk_calls():
        if call.name in CLIENT_SIDE:
            out["client-side"].append(call)
        elif not_emulated_reason(call) is not None:
            out["not emulated"].append(call)
        else:
            out["served"].append(call)
    return out


def rst() -> str:
    from importlib.metadata import version

    groups = classify()
    lines = [
        ".. This file is generated by ``python -m tests.emulator.sdk_catalog``; do not edit.",
        "",
        f"Official ``workos`` Python SDK {version('workos')}: "
        f"{sum(map(len, groups.values()))} calls, {len(groups['served'])} served by the "
        f"emulator, {len(groups['client-side'])} computed client-side, "
        f"{len(groups['not emulated'])} not emulated.",
        "",
    ]
    by_resource: dict[str, list[Call]] = {}
    for call in groups["served"]:
        by_resource.setdefault(call.resource, []).append(call)
    lines += ["Served (each called by ``tests/emulator``):", ""]
    for resource, calls in by_resource.items():
        names = ", ".join(f"``{c.name.split('.', 1)[1]}``" for c in calls)
        lines.append(f"- ``{resource}``: {names}")
    lines += ["", "Computed by the SDK without a request (exercised against emulator data):", ""]
    lines.append("- " + ", ".join(f"``{c.name}``" for c in groups["client-side"]))
    lines += ["", "Not emulated (the emulator answers ``404``):", ""]
    reasons: dict[str, list[str]] = {}
    for call in groups["not emulated"]:
        reasons.setdefault(not_emulated_reason(call) or "", []).append(call.name)
    for reason, names in reasons.items():
        shown = ", ".join(f"``{n}``" for n in names[:6])
        more = f" and {len(names) - 6} more" if len(names) > 6 else ""
        lines.append(f"- {reason}: {shown}{more}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(rst())
