"""What every benchmark shares: percentiles, a store node to measure, its CPU and memory."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from hearth.bootstrap import build_node
from hearth.testing.builders import DemoIds, a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(latencies_ms: list[float]) -> dict[str, float]:
    return {
        "count": len(latencies_ms),
        "p50_ms": percentile(latencies_ms, 50),
        "p95_ms": percentile(latencies_ms, 95),
        "p99_ms": percentile(latencies_ms, 99),
        "max_ms": max(latencies_ms, default=0.0),
    }


@dataclass
class ProcessMeter:
    """CPU seconds and peak memory of a process, read from /proc (Linux)."""

    pid: int

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def memory_kib(self) -> dict[str, int]:
        out = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
        return out


@dataclass
class LiveNode:
    node: NodeProcess
    ids: DemoIds
    tmp: Path
    meter: ProcessMeter

    @property
    def base_url(self) -> str:
        return self.node.base_url

    def token(self, staff_code: str = "W01") -> str:
        r = httpx.post(
            f"{self.base_url}/api/auth/pin",
            json={"staff_code": staff_code, "pin": self.ids.pins[staff_code]},
            headers={"X-Terminal-Key": self.ids.terminal_key},
        )
        r.raise_for_status()
        return str(r.json()["access_token"])


@contextmanager
def live_node(prepare: Any = None, env: dict[str, str] | None = None) -> Iterator[LiveNode]:
    """A store node in its own process on loopback, with the small test restaurant loaded and
    ``prepare(node)`` run in-process first (e.g. to load 20,000 menu items)."""
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/store.db"
        setup = build_node(fast_settings(db_url))
        ids = a_small_restaurant(setup)
        if prepare is not None:
            prepare(setup, ids)
        setup.close()
        proc = NodeProcess(db_url, log=Path(tmp) / "node.log", env=env)
        proc.start(timeout=120)
        assert proc.proc is not None
        try:
            yield LiveNode(proc, ids, Path(tmp), ProcessMeter(proc.proc.pid))
        finally:
            proc.stop()


def stopwatch() -> Any:
    start = time.perf_counter()
    return lambda: (time.perf_counter() - start) * 1000
