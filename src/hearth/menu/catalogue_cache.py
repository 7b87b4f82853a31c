"""The whole catalogue as ready-made JSON bytes, for every till, tablet and phone that loads it.

Every POS, QR phone and kiosk starts by loading the menu; at 20,000 items building and encoding
that answer takes seconds of the node's CPU. The catalogue changes far less often than it is
read, so the node keeps the encoded answer and drops it when any menu event commits.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.engine import Connection

from hearth.core.journal import Event
from hearth.core.node import Node

MENU_EVENT_PREFIXES = ("Item", "Category", "ModifierGroup", "Menu")


class CatalogueCache:
    def __init__(self, build: Callable[[Connection], dict[str, Any]]) -> None:
        self._build = build
        self._bytes: bytes | None = None
        self._generation = 0
        self._lock = threading.Lock()

    def on_commit(self, events: Iterable[Event]) -> None:
        if any(e.type.startswith(MENU_EVENT_PREFIXES) for e in events):
            with self._lock:
                self._generation += 1
                self._bytes = None

    def get(self, conn: Connection) -> bytes:
        with self._lock:
            if self._bytes is not None:
                return self._bytes
            generation = self._generation
        body = json.dumps(
            self._build(conn), ensure_ascii=False, separators=(",", ":"), default=str
        ).encode()
        with self._lock:
            if self._generation == generation:
                self._bytes = body
        return body


def cache_of(node: Node) -> CatalogueCache:
    """The node's cache, put there (and kept current by the writer) by the menu module."""
    return node.parts.get(CatalogueCache)
