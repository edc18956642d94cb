"""``manage.py authkit_doctor``: check the WorkOS configuration and say what to fix."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_authkit.checks.doctor import diagnose


class Command(BaseCommand):
    help = ("Check credentials, JWKS, the token issuer, redirect URI and clock against WorkOS "
            "(or the emulator).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--redirect-uri", help="Callback URL to check (default: REDIRECT_URI)")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        for finding in diagnose(options.get("redirect_uri")):
            if finding.ok:
                mark = self.style.WARNING("!") if finding.warning else self.style.SUCCESS("✔")
            else:
                mark = self.style.WARNING("!") if finding.warning else self.style.ERROR("✘")
                failed += 0 if finding.warning else 1
            self.stdout.write(f"{mark} {finding.title}")
            if finding.detail and not finding.ok:
                self.stdout.write(f"    → {finding.detail}")
        if failed:
            raise CommandError(f"{failed} problem(s) found.")
        self.stdout.write(self.style.SUCCESS("All checks passed."))
