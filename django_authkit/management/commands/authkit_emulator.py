"""``manage.py authkit_emulator``: run the offline WorkOS emulator for this site.

Started for a project, the emulator keeps its users, organizations, memberships and
sessions in a state file beside the project (``.authkit-emulator.json`` in
``BASE_DIR``, else the current directory), so a restart signs everyone in as the same
Django user. ``--reset`` starts again from the seed; ``--no-state`` keeps memory only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from django_authkit.conf import authkit_settings, split_issuers

STATE_FILE_NAME = ".authkit-emulator.json"


def default_state_file() -> Path:
    """``<BASE_DIR>/.authkit-emulator.json`` (the directory ``manage.py`` runs in without one)."""
    base = getattr(settings, "BASE_DIR", None)
    return Path(base if base else Path.cwd()) / STATE_FILE_NAME


class Command(BaseCommand):
    help = (
        "Run the offline WorkOS emulator (hosted sign-in page + API) on 127.0.0.1; it keeps "
        f"its state in {STATE_FILE_NAME} beside the project."
    )

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
        parser.add_argument(
            "--state",
            help=f"JSON file that keeps the emulator's state (default: {STATE_FILE_NAME} in "
            "BASE_DIR)",
        )
        parser.add_argument(
            "--no-state",
            action="store_true",
            help="keep the state in memory only: a restart forgets every user",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the state file first and start again from the seed",
        )
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
        if not options["no_state"]:
            argv += ["--state", str(options["state"] or default_state_file())]
            if options["reset"]:
                argv += ["--reset"]
        shape = options["issuer_shape"] or (split_issuers(authkit_settings.ISSUER) or [None])[0]
        if shape:
            argv += ["--issuer-shape", shape]
        if options["access_token_ttl"] is not None:
            argv += ["--access-token-ttl", str(options["access_token_ttl"])]
        main(argv)
