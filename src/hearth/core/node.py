"""The store node: what every module shares at run time, built once by ``hearth.bootstrap``.

A module reaches the database, the writer, the clock and the secrets through the ``Node`` it is
handed, never through globals, so a test builds a node of its own (a manual clock, a temporary
database) and nothing happens at import time. What a module keeps for itself while the node
runs (the payments runtime, the print worker, the menu caches) lives in ``parts``, one object
per type: the module that reads it names its type, so the read is typed and nobody else can
mistake it for something of theirs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.engine import Engine

from hearth.core.clock import Clock, HybridClock
from hearth.core.config import Settings
from hearth.core.journal import ProjectorRegistry
from hearth.core.livefeed import LiveFeed
from hearth.core.permissions import Principal
from hearth.core.security import Hasher, TokenSigner
from hearth.core.subscribers import Subscriber
from hearth.core.writer import Writer

T = TypeVar("T")

AccessCheck = Callable[[Principal], Principal]
"""Checks a signed-in caller against staff and devices as they are now (installed by staff)."""


class Parts:
    """Each module's long-lived runtime objects, one per type."""

    def __init__(self) -> None:
        self._by_type: dict[type, object] = {}
        self._lock = threading.Lock()

    def put(self, part: object) -> None:
        with self._lock:
            self._by_type[type(part)] = part

    def find(self, kind: type[T]) -> T | None:
        part = self._by_type.get(kind)
        return part if isinstance(part, kind) else None

    def get(self, kind: type[T]) -> T:
        part = self.find(kind)
        if part is None:
            raise LookupError(f"this node has no {kind.__name__}; is its module registered?")
        return part

    def setdefault(self, kind: type[T], make: Callable[[], T]) -> T:
        """The part, made on first use (once, even when two threads ask at the same time)."""
        with self._lock:
            part = self._by_type.get(kind)
            if not isinstance(part, kind):
                part = make()
                self._by_type[kind] = part
            return part

    def pop(self, kind: type[T]) -> T | None:
        with self._lock:
            part = self._by_type.pop(kind, None)
        return part if isinstance(part, kind) else None


@dataclass
class Node:
    settings: Settings
    engine: Engine
    writer: Writer
    clock: Clock
    hlc: HybridClock
    hasher: Hasher
    signer: TokenSigner
    projectors: ProjectorRegistry
    livefeed: LiveFeed
    subscribers: list[Subscriber] = field(default_factory=list)
    parts: Parts = field(default_factory=Parts)
    access_check: AccessCheck | None = None

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def close(self) -> None:
        self.writer.close()
        self.engine.dispose()
