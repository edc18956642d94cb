"""``manage.py authkit_emulator``: run the offline WorkOS emulator for this site."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from django_authkit.conf import authkit_settings, split_issuers


class Command(BaseCommand):
    help = "Run the offline WorkOS emulator (hosted sign-in page + API) on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--allow-remote",
            action="store_true",
            help="allow a non-loopback --host (prints a warning; never do this in production)",
        )
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seed", help="JSON seed file (users, organizations, memberships)")
        parser.add_argument("--access-token-ttl", type=int, default=None)
        parser.add_argument("--state", help="JSON file that keeps the emulator's state")
        parser.add_argument(
            "--issuer-shape",
            help="iss of minted tokens: per-client, legacy, sso or a URL (default: the first "
            "of AUTHKIT['ISSUER'] when set, else per-client)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django_authkit.emulator.__main__ import main

        argv = ["--host", options["host"], "--port", str(options["port"])]
        if options["allow_remote"]:
            argv.append("--allow-remote")
        if authkit_settings.CLIENT_ID:
            argv += ["--client-id", str(authkit_settings.CLIENT_ID)]
        if authkit_settings.API_KEY:
            argv += ["--api-key", str(authkit_settings.API_KEY)]
        if options["seed"]:
            argv += ["--seed", options["seed"]]
        if options["state"]:
            argv += ["--state", options["state"]]
        shape = options["issuer_shape"] or (split_issuers(authkit_settings.ISSUER) or [None])[0]
        if shape:
            argv += ["--issuer-shape", shape]
        if options["access_token_ttl"] is not None:
            argv += ["--access-token-ttl", str(options["access_token_ttl"])]
        main(argv)
