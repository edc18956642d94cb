"""``manage.py authkit_sync [--events] [--cursor NAME] [--quiet]``: catch up with WorkOS.

Without ``--events``: pull every organization, user and membership (idempotent).
With ``--events``: apply the Events API from the stored cursor (resumable; safe
from cron or a loop, and alongside webhooks).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_authkit.client.errors import WorkOSError
from django_authkit.events.handlers import DUPLICATE, FAILED, PROCESSED
from django_authkit.events.sync import poll_events, pull


class Command(BaseCommand):
    help = "Mirror WorkOS users, organizations and memberships, or apply the Events API."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--events", action="store_true", help="Apply new events from the Events API."
        )
        parser.add_argument(
            "--cursor", default="default", help="Name of the stored Events API cursor."
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing on success.")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = bool(options["quiet"]) or int(options.get("verbosity", 1)) < 1

        def progress(message: str) -> None:
            if not quiet:
                self.stdout.write(message)

        try:
            if options["events"]:
                self.events(str(options["cursor"])[:64], progress)
            else:
                result = pull(progress)
                progress(
                    self.style.SUCCESS(
                        f"Synced {result.organizations} organizations, {result.users} users, "
                        f"{result.memberships} memberships."
                    )
                )
        except (WorkOSError, ImproperlyConfigured) as exc:
            raise CommandError(f"WorkOS sync failed: {type(exc).__name__}: {exc}") from exc

    def events(self, cursor: str, progress: Any) -> None:
        result = poll_events(cursor, progress=progress)
        if result.retried.get(PROCESSED) or result.retried.get(FAILED):
            progress(f"Retried failed events: {result.retried}")
        counts = result.counts
        progress(
            self.style.SUCCESS(
                f"Applied {counts[PROCESSED]} events ({counts[DUPLICATE]} already seen, "
                f"{counts[FAILED]} failed); cursor {result.cursor or '(start)'}."
            )
        )
        if counts[FAILED]:
            self.stderr.write(f"{counts[FAILED]} events failed; they are retried on the next run.")
