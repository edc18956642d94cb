"""Shared by the benchmarks: the emulator in its own process, interleaved rounds, load.

Nothing here times anything by itself; it keeps every benchmark measuring the
same way: rounds interleaved in rotated order, the garbage collector frozen,
ratios taken per round and summarised by their median and range.
"""

from __future__ import annotations

import gc
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class EmulatorProcess:
    """``python -m django_authkit.emulator`` in a process of its own (not the app's)."""

    url: str
    process: subprocess.Popen[bytes]
    client_id: str = "client_emulator"
    api_key: str = "sk_test_emulator"
    control: Any = field(default=None)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_emulator(log: Path, *extra: str, profile: Path | None = None) -> EmulatorProcess:
    """Start the emulator on a free port; ``profile`` runs it under cProfile into that file."""
    from django_authkit.emulator.control import EmulatorControl
    from tests.cluster import free_port

    port = free_port()
    cmd = [sys.executable]
    if profile is not None:
        cmd += ["-m", "cProfile", "-o", str(profile)]
    cmd += ["-m", "django_authkit.emulator", "--port", str(port), *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_PROXY": "127.0.0.1,localhost"}
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"),
                               stderr=subprocess.STDOUT)
    emu = EmulatorProcess(url=f"http://127.0.0.1:{port}", process=process)
    emu.control = EmulatorControl(emu.url)
    for _ in range(400):
        if process.poll() is not None:
            raise RuntimeError(f"emulator exited:\n{log.read_text()}")
        try:
            emu.control.calls()
            return emu
        except Exception:
            time.sleep(0.05)
    emu.stop()
    raise RuntimeError("emulator did not start")


def load() -> str:
    """The 1/5/15-minute load averages, as ``uptime`` prints them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


@dataclass
class Rounds:
    """Per-variant times (µs per request) of interleaved rounds."""

    times: dict[str, list[float]]
    load_before: str
    load_after: str
    per_round: int
    cpu: dict[str, list[float]] = field(default_factory=dict)  # thread CPU µs per request

    def median_us(self, name: str) -> float:
        return statistics.median(self.times[name])

    def ratios(self, name: str, base: str) -> list[float]:
        """One ratio per round: the two variants ran back to back in that round."""
        return [a / b for a, b in zip(self.times[name], self.times[base], strict=True)]

    def ratio(self, name: str, base: str, cpu: bool = False) -> tuple[float, float, float]:
        """(median, min, max) of the per-round ratios (of thread CPU time if ``cpu``)."""
        source = self.cpu if cpu else self.times
        r = [a / b for a, b in zip(source[name], source[base], strict=True)]
        return statistics.median(r), min(r), max(r)


def interleaved(variants: dict[str, Callable[[], Any]], rounds: int, per_round: int) -> Rounds:
    """Time ``per_round`` calls of each variant per round, in rotated order, gc frozen.

    Round *i* starts with variant *i mod n*, so no variant always runs first (warm
    caches) or last (after the others' garbage). The collector is frozen after a
    full collection and disabled while timing; it collects between rounds only.
    """
    names = list(variants)
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for fn in variants.values():  # warm-up, discarded
        for _ in range(max(5, per_round // 10)):
            fn()
    before = load()
    gc.collect()
    gc.freeze()
    try:
        for i in range(rounds):
            order = names[i % len(names):] + names[:i % len(names)]
            for name in order:
                fn = variants[name]
                gc.disable()
                start, cpu_start = time.perf_counter(), time.thread_time()
                for _ in range(per_round):
                    fn()
                elapsed = time.perf_counter() - start
                cpu_used = time.thread_time() - cpu_start
                gc.enable()
                times[name].append(elapsed / per_round * 1e6)
                cpu[name].append(cpu_used / per_round * 1e6)
            gc.collect()
    finally:
        gc.enable()
        gc.unfreeze()
    return Rounds(times, before, load(), per_round, cpu)


def fmt_ratio(triple: tuple[float, float, float]) -> str:
    med, lo, hi = triple
    return f"**{med:.3f}x** ({lo:.3f} to {hi:.3f})"
