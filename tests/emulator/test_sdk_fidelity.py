"""Fidelity by the official SDK, over every resource it has.

``sdk_catalog`` reads every call from the installed ``workos`` SDK. Here: each call
the emulator claims to serve has a route (grant included), each unserved call is
listed with its reason, and the documented list in ``docs/emulator.rst`` is the
current one. The calls themselves run in ``test_sdk*.py`` (each succeeds with a
response the SDK parses, or fails with WorkOS's error type); the tracer in
``conftest`` records which ones ran, and ``test_every_served_call_ran`` checks it
after the other modules of this directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("workos")

from tests.emulator import sdk_catalog
from tests.emulator.sdk_trace import CALLED

ROOT = Path(__file__).resolve().parents[2]


def test_newest_sdk_is_the_one_tested() -> None:
    from importlib.metadata import version

    pinned = [
        line.strip()
        for line in (ROOT / "setup.cfg").read_text().splitlines()
        if line.strip().startswith("workos")
    ]
    assert pinned == [f"workos=={version('workos')}"], pinned


def test_every_sdk_call_is_served_or_listed() -> None:
    groups = sdk_catalog.classify()
    unserved = [c.name for c in groups["served"] if not sdk_catalog.served(c)]
    assert unserved == [], f"SDK calls the emulator does not serve and does not list: {unserved}"
    stale = [c.name for c in groups["not emulated"] if sdk_catalog.served(c)]
    assert stale == [], f"listed as not emulated but served: {stale}"
    assert len(groups["served"]) >= 140


def test_the_documented_list_is_current() -> None:
    generated = (ROOT / "docs" / "_generated_sdk_calls.rst").read_text()
    assert generated == sdk_catalog.rst(), (
        "run: python -m tests.emulator.sdk_catalog > docs/_generated_sdk_calls.rst"
    )
    assert "_generated_sdk_calls.rst" in (ROOT / "docs" / "emulator.rst").read_text()


def test_every_served_call_ran() -> None:
    """Meaningful after the whole directory ran (``pytest tests/emulator``): skip otherwise."""
    if len(CALLED) < 50:
        pytest.skip("run with the rest of tests/emulator to check which calls ran")
    served = {c.name for c in sdk_catalog.classify()["served"]}
    missing = sorted(served - CALLED)
    assert missing == [], f"served but never called by the tests: {missing}"
