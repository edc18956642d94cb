"""With ``API_KEYS`` on, anonymous bearer values cost a bounded number of WorkOS calls.

Over real HTTP against the live server (threaded) and the emulator, whose call log
counts ``POST /api_keys/validations``. Three organizations: the operator's and two
customers'.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from django_authkit.workos import get_workos

LIMIT = 20


@pytest.fixture
def site(
    authkit_emulator: Any, transactional_db: Any, live_server: Any, settings: Any
) -> Iterator[Any]:
    seeded = authkit_emulator.control.seed(
        {"organizations": [{"name": "Operator"}, {"name": "Acme"}, {"name": "Globex"}]}
    )
    settings.AUTHKIT = {
        **settings.AUTHKIT, "API_KEYS": True, "TRUSTED_PROXY_COUNT": 1,
        # A day-long window: a minute boundary mid-test cannot reset the count.
        "RATE_LIMITS": {"api-key-validation": f"{LIMIT}/d"},
    }
    cache.clear()
    http = requests.Session()
    http.trust_env = False
    http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))

    class Site:
        emu = authkit_emulator
        acme = seeded["organizations"][1]["id"]

        def get(self, key: str, client: str = "203.0.113.7") -> requests.Response:
            return http.get(live_server.url + "/org/", timeout=20, headers={
                "Authorization": f"Bearer {key}", "X-Forwarded-For": client})

        def validations(self) -> int:
            return len(self.emu.control.calls(path="/api_keys/validations"))

    yield Site()
    http.close()
    cache.clear()


def _stored_keys() -> int:
    """Cache entries the validations left (local-memory or Redis cache)."""
    backend = caches["default"]
    if isinstance(backend, LocMemCache):
        return sum("authkit:api-key:" in str(k) for k in list(backend._cache))
    if isinstance(backend, RedisCache):
        return len(backend._cache.get_client().keys("*authkit:api-key:*"))
    pytest.skip(f"cannot list the keys of {type(backend).__name__}")


def _random_key() -> str:
    return "sk_test_" + secrets.token_urlsafe(30)


def test_random_keys_cost_at_most_the_budget(site: Any) -> None:
    key = get_workos().api_keys.create_organization_api_key(site.acme, name="ci").value
    site.emu.control.clear_calls()
    assert site.get(key).status_code == 200  # a real key: one validation, then cached

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: site.get(_random_key()), range(200)))
    statuses = Counter(r.status_code for r in answers)
    calls = site.validations()
    print("statuses:", dict(statuses), "validations:", calls)
    assert calls <= LIMIT, f"{calls} WorkOS calls for 200 random keys"
    assert statuses[401] == LIMIT - 1 and statuses[429] == 200 - (LIMIT - 1), statuses
    limited = next(r for r in answers if r.status_code == 429)
    assert limited.json()["error"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    stored = _stored_keys()
    print("cache entries for API keys:", stored)
    assert stored <= LIMIT, stored

    assert site.get(key).status_code == 200  # the cached real key still works
    assert site.validations() == calls  # ... without a WorkOS call
    # Another client has its own budget.
    assert site.get(_random_key(), client="198.51.100.9").status_code == 401
    assert site.validations() == calls + 1


def test_a_repeated_bad_key_is_answered_from_the_negative_cache(site: Any) -> None:
    bad = _random_key()
    for _ in range(5):
        response = site.get(bad)
        assert response.status_code == 401 and response.json()["error"] == "invalid_api_key"
    assert site.validations() == 1
