"""How the hot path and the callback scale: rows in the tables, memberships, permissions.

Rows are bulk-created (users with their WorkOS links, Django sessions, AuthKit
sessions) so the measured clients are among N of each. ``bench/instructions.py``
counts the hot path and a returning user's callback at each size (instructions
and queries); :func:`has_perm_cost` times ``has_perm`` with 200 permissions.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

BATCH = 5000
SIZES = (10, 10_000, 100_000)
#: (key, e-mail, organization) of the special rows; see :func:`seed_special`.
SPECIAL = (("orgs50", "many-orgs@example.test", "Org 7"),
           ("perms200", "many-perms@example.test", "Perms Inc"))


def seed_special(emu: Any, key: str) -> None:
    """In the emulator: a user in 50 organizations, or a role with 200 permissions."""
    if key == "orgs50":
        email = "many-orgs@example.test"
        emu.control.seed({
            "users": [{"email": email}],
            "organizations": [{"name": f"Org {i}"} for i in range(50)],
            "memberships": [{"user": email, "organization": f"Org {i}", "role": "member"}
                            for i in range(50)],
        })
    else:
        email = "many-perms@example.test"
        emu.control.seed({
            "roles": [{"slug": "member", "permissions": []},
                      {"slug": "power", "permissions": [f"thing{i}:write" for i in range(200)]}],
            "users": [{"email": email}], "organizations": [{"name": "Perms Inc"}],
            "memberships": [{"user": email, "organization": "Perms Inc", "role": "power"}],
        })


def populate(total: int) -> None:
    """Grow users, links, Django sessions and AuthKit sessions to ``total`` rows each."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from django_authkit.models import AuthKitSession, WorkOSUser

    user_model = get_user_model()
    have = user_model.objects.filter(username__startswith="fill").count()
    expires = timezone.now() + timedelta(days=1)
    data = Session.objects.first().session_data if Session.objects.exists() else "e30:x:y"
    for start in range(have, max(have, total), BATCH):
        end = min(total, start + BATCH)
        users = user_model.objects.bulk_create(
            [user_model(username=f"fill{i}", email=f"fill{i}@example.test", password="!")
             for i in range(start, end)])
        WorkOSUser.objects.bulk_create(
            [WorkOSUser(user=u, workos_id=f"user_fill{u.pk}", email=u.email) for u in users])
        Session.objects.bulk_create(
            [Session(session_key=f"fill{i:028d}", session_data=data, expire_date=expires)
             for i in range(start, end)])
        AuthKitSession.objects.bulk_create(
            [AuthKitSession(session_id=f"session_fill{u.pk}", user=u, access_token="x",
                            refresh_token="x", access_token_expires_at=expires,
                            django_session_key=f"fill{u.pk:028d}") for u in users])


def has_perm_cost(permissions: int = 200) -> dict[str, float]:
    """µs of ``user.has_perm`` with ``permissions`` WorkOS permissions: first call, later calls."""
    from django.contrib.auth import get_user_model

    from django_authkit.core.permissions import reset_active_permissions, set_active_permissions

    user_model = get_user_model()
    user = user_model.objects.filter(username="perm-bench").first() or (
        user_model.objects.create_user("perm-bench", "pb@example.test", None))
    slugs = [f"thing{i}:write" for i in range(permissions)]
    firsts, laters = [], []
    for _ in range(21):
        token = set_active_permissions(user.pk, slugs)
        try:
            t0 = time.perf_counter()
            user.has_perm(f"thing{permissions - 1}:write")
            firsts.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for _ in range(200):
                user.has_perm(f"thing{permissions - 1}:write")
            laters.append((time.perf_counter() - t0) / 200)
        finally:
            reset_active_permissions(token)
    return {"first_us": statistics.median(firsts) * 1e6,
            "later_us": statistics.median(laters) * 1e6}


def populate_outside(total: int) -> None:
    """:func:`populate` in a child Python (not under Valgrind when the caller is: faster)."""
    import os
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "bench.scaling", str(total)], check=True,
                   env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
                   cwd=Path(__file__).resolve().parent.parent)


if __name__ == "__main__":
    import sys

    import django

    django.setup()
    populate(int(sys.argv[1]))
