"""Hybrid logical clock: wall time that never runs backwards and orders events across devices.

Configuration edits are last-writer-wins by HLC, so a store whose wall clock jumps back after
an NTP correction must still stamp later edits as later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class HLC:
    wall_ms: int
    logical: int

    def encode(self) -> str:
        """Fixed-width text that sorts the same way the clock values do."""
        return f"{self.wall_ms:013d}-{self.logical:06d}"

    @classmethod
    def decode(cls, text: str) -> HLC:
        wall, logical = text.split("-")
        return cls(int(wall), int(logical))


class HybridClock:
    def __init__(self, wall: Callable[[], int] | None = None) -> None:
        self._wall = wall or (lambda: int(time.time() * 1000))
        self._last = HLC(0, 0)
        self._lock = threading.Lock()

    def now(self) -> HLC:
        with self._lock:
            wall = self._wall()
            if wall > self._last.wall_ms:
                self._last = HLC(wall, 0)
            else:
                self._last = HLC(self._last.wall_ms, self._last.logical + 1)
            return self._last

    def observe(self, remote: HLC) -> HLC:
        """Merge a clock value received from another node (HQ or another device)."""
        with self._lock:
            wall = self._wall()
            top = max(wall, self._last.wall_ms, remote.wall_ms)
            if top == self._last.wall_ms == remote.wall_ms:
                logical = max(self._last.logical, remote.logical) + 1
            elif top == self._last.wall_ms:
                logical = self._last.logical + 1
            elif top == remote.wall_ms:
                logical = remote.logical + 1
            else:
                logical = 0
            self._last = HLC(top, logical)
            return self._last
