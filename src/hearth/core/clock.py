"""Hybrid logical clock: wall time that never runs backwards and orders events across devices.

Configuration edits are last-writer-wins by HLC, so a store whose wall clock jumps back after
an NTP correction must still stamp later edits as later.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


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


class Clock(Protocol):
    """The node's sense of time, injected so that tests can step it.

    Every read of the time in product code goes through one of these: wall time for what is
    recorded (``now_ms``), a monotonic reading for how long something took, and ``sleep`` for
    loops that wait (the settler, printer probes, pacing), so a test moves time forward instead of
    waiting for it.
    """

    def now_ms(self) -> int: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real time."""

    def now_ms(self) -> int:
        return int(time.time() * 1000)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """Time that moves only when a test says so.

    ``advance`` wakes every sleeper whose time has come, on its own event loop: the app under a
    TestClient runs its loop on another thread than the test.
    """

    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:  # 2026-01-01T00:00Z
        self._now_ms = start_ms
        self._start_ms = start_ms
        self._lock = threading.Lock()
        self._sleepers: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def now_ms(self) -> int:
        with self._lock:
            return self._now_ms

    def monotonic(self) -> float:
        with self._lock:
            return (self._now_ms - self._start_ms) / 1000

    async def sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        with self._lock:
            due = self._now_ms + max(0, int(seconds * 1000))
            if due <= self._now_ms:
                fut.set_result(None)
            else:
                self._sleepers.append((due, loop, fut))
        try:
            await fut
        finally:  # a cancelled sleep (a loop woken some other way) no longer counts as parked
            with self._lock:
                self._sleepers = [s for s in self._sleepers if s[2] is not fut]

    def advance(self, ms: int) -> None:
        with self._lock:
            self._now_ms += ms
            due = [s for s in self._sleepers if s[0] <= self._now_ms]
            self._sleepers = [s for s in self._sleepers if s[0] > self._now_ms]
        for _at, loop, fut in due:
            loop.call_soon_threadsafe(_wake, fut)

    @property
    def sleepers(self) -> int:
        """How many sleeps are waiting: lets a test step a loop only once it is parked."""
        with self._lock:
            return len(self._sleepers)


def _wake(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
