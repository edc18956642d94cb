"""``python -m django_authkit.emulator``: run the emulator in the foreground."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from django_authkit.emulator import issuers
from django_authkit.emulator.server import EmulatorServer


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the emulator on this machine."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m django_authkit.emulator",
        description="Run the offline WorkOS emulator (hosted sign-in page + API).",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1); anything but loopback needs --allow-remote",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host: the emulator has no real authentication and a "
        "control API anyone who reaches it can drive",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--client-id", default=os.environ.get("WORKOS_CLIENT_ID") or "client_emulator"
    )
    parser.add_argument("--api-key", default=os.environ.get("WORKOS_API_KEY") or "sk_test_emulator")
    parser.add_argument("--seed", help="JSON seed file (roles, organizations, users, memberships)")
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="keep users, organizations, memberships and sessions in FILE across restarts "
        "(created from the seed on first start)",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="with --state: delete FILE first and start again from the seed",
    )
    parser.add_argument(
        "--issuer-shape",
        "--issuer",
        dest="issuer",
        metavar="SHAPE_OR_URL",
        help="the iss claim: per-client (<url>/user_management/<client_id>, the default), "
        "legacy (<url>, the bare origin), sso (<url>/sso/<client_id>), or any URL "
        "(a custom authentication domain)",
    )
    parser.add_argument("--access-token-ttl", type=int, default=300)
    parser.add_argument(
        "--refresh-grace-seconds",
        type=float,
        default=10,
        help="window in which a just-rotated refresh token replays the same pair",
    )
    parser.add_argument(
        "--strict-refresh",
        action="store_true",
        help="no replay window: a used refresh token always fails (grace 0)",
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        default=[],
        help="an extra allowed redirect URI (loopback URLs are always allowed); repeatable",
    )
    parser.add_argument(
        "--invitation-url",
        metavar="URL",
        help="the site's accept-invitation URL (WorkOS's \"Accept invitation URL\"): "
        "invitation e-mails in the outbox link there with ?invitation_token=",
    )
    return parser


def settings_banner(server: EmulatorServer, state: str | None) -> str:
    """What to point a site at, under the names the docs use: the setting and the env vars."""
    lines = [
        f"WorkOS emulator on {server.url}  (client_id={server.client_id})",
        "",
        "  Point the site at it, in settings.py:",
        "    AUTHKIT = {",
        f'        "CLIENT_ID": "{server.client_id}",',
        f'        "API_KEY": "{server.api_key}",',
        f'        "API_BASE_URL": "{server.url}",',
        "    }",
        "  or with environment variables:",
        f"    WORKOS_CLIENT_ID={server.client_id}",
        f"    WORKOS_API_KEY={server.api_key}",
        f"    WORKOS_BASE_URL={server.url}",
        "",
        f"  access tokens carry iss={server.issuer}",
    ]
    if state:
        lines.append(f"  state file: {state}  (kept across restarts; --reset starts again)")
    else:
        lines.append(
            "  state: in memory only (a restart forgets every user; --state FILE keeps it)"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.issuer = issuers.check(args.issuer)
    except ValueError as exc:
        parser.error(str(exc))
    if not is_loopback(args.host):
        if not args.allow_remote:
            parser.error(
                f"--host {args.host} is not a loopback address: anyone who can reach it could "
                "sign in as any user and drive the control API. Add --allow-remote to bind it "
                "anyway."
            )
        print(
            f"WARNING: the WorkOS emulator listens on {args.host}, not only on this machine. "
            "It is for development and tests: it has no real authentication, and its "
            "control API lets anyone who reaches it sign in as any user.",
            file=sys.stderr, flush=True,
        )
    if args.reset and args.state:
        Path(args.state).unlink(missing_ok=True)
    server = EmulatorServer(
        host=args.host,
        port=args.port,
        client_id=args.client_id,
        api_key=args.api_key,
        seed=args.seed,
        issuer=args.issuer,
        access_token_ttl=args.access_token_ttl,
        refresh_grace_seconds=0 if args.strict_refresh else args.refresh_grace_seconds,
        redirect_uris=args.redirect_uri,
        state_file=args.state,
        invitation_url=args.invitation_url,
    )
    server.start()
    print(settings_banner(server, args.state), flush=True)
    try:
        assert server._thread is not None
        while server._thread.is_alive():
            server._thread.join(0.5)
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
