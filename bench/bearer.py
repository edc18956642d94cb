"""Bearer-token verification cost, piece by piece (µs per token, same token and key).

``python bench/bearer.py`` prints the table alone; ``make bench`` includes it. The
cryptography-only line is a reference: one RSA verification plus the payload
decode, the floor any RS256 verifier pays.
"""

from __future__ import annotations

import base64
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _us(fn: Any, rounds: int, per_round: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            fn()
        times.append((time.perf_counter() - start) / per_round * 1e6)
    return statistics.median(times)


def verification(token: str, rounds: int = 7, per_round: int = 200) -> dict[str, float]:
    """Median µs per verification of ``token`` by each path (interleaved rounds)."""
    import jwt
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from django_authkit.conf import authkit_settings
    from django_authkit.sessions import bearer
    from django_authkit.tokens import verify as tokens

    header = jwt.get_unverified_header(token)
    key = tokens.signing_key(header["kid"])
    issuer = authkit_settings.issuer

    def first_seen() -> None:
        bearer.clear_cache()
        bearer.verify(token)

    def cryptography_only() -> None:
        head, payload, signature = token.split(".")
        key.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
                   f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
        json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

    paths = {
        "ours_first": first_seen,
        "ours_cached": lambda: bearer.verify(token),
        "header": lambda: tokens._json_segment(token.split(".")[0]),
        "ours_verify": lambda: tokens.verify_access_token(token),
        "pyjwt_decode": lambda: jwt.decode(
            token, key, algorithms=["RS256"], issuer=issuer,
            options={"require": list(tokens.REQUIRED_CLAIMS), "verify_aud": False}),
        "pyjwt_header": lambda: jwt.get_unverified_header(token),
        "cryptography": cryptography_only,
    }
    for fn in paths.values():
        fn()
    result: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, fn in paths.items():
            result[name].append(_us(fn, 1, per_round))
    return {name: statistics.median(v) for name, v in result.items()}


def main() -> None:
    import tempfile

    import django

    from bench import scenarios
    from bench.common import start_emulator

    work = Path(tempfile.mkdtemp(prefix="authkit-bench-bearer-"))
    emu = start_emulator(work / "emulator.log", "--access-token-ttl", "3600")
    try:
        scenarios.configure(emu.url, work)
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        emu.control.configure(redirect_uris=["http://testserver/auth/callback/"])
        for name, us in verification(scenarios._api_token(emu, "v@example.test")).items():
            print(f"{name:14s} {us:8.1f} µs")
    finally:
        emu.stop()


if __name__ == "__main__":
    main()
