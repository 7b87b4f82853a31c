"""POS item search from memory: a cashier types a letter and the answer must be instant.

A LIKE over the items table scans every row with four patterns (140 ms at 20,000 items here),
and a Python loop over 20,000 entries still cost several ms per query (most POS queries match
few items, so the loop rarely stops early). This index joins each searchable field of every
active item, in the order results are shown, into one string, and finds matches with
``str.find``, which scans in C; a match's position says which item it is. Each field stops at
the limit, and the union of the first ``limit`` matches of every field holds the first
``limit`` matches overall.
Names and prices change rarely, so the index is dropped only when an event changes them; sold-out
state changes with every order sent (counted stock), so it is read fresh for the few results.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.journal import Event
from hearth.core.node import Node
from hearth.menu.tables import items

# Menu events that leave names, prices and the active flag as they were.
STOCK_ONLY = frozenset({"ItemSoldOut", "ItemBackInStock", "ItemRemainingSet", "ItemStockTaken"})


@dataclass(frozen=True)
class Entry:
    id: str
    name_zh: str
    name_en: str
    price: int
    initials: str
    full: str
    name_en_lower: str


class Column:
    """One field of every entry, joined by newlines: ``\\nv0\\nv1\\n…\\n``."""

    def __init__(self, values: list[str]) -> None:
        clean = [v.replace("\n", " ") for v in values]
        self.text = "\n" + "\n".join(clean) + "\n"
        self.starts: list[int] = []  # where each value begins in ``text``
        pos = 1
        for v in clean:
            self.starts.append(pos)
            pos += len(v) + 1

    def first(self, needle: str, limit: int, prefix: bool) -> list[int]:
        """Indexes of the first ``limit`` values containing ``needle`` (or starting with it)."""
        text, starts = self.text, self.starts
        found: list[int] = []
        pattern = "\n" + needle if prefix else needle
        at = text.find(pattern)
        while at >= 0 and len(found) < limit:
            k = bisect_right(starts, at + 1 if prefix else at) - 1
            found.append(k)
            if k + 1 >= len(starts):
                break
            at = text.find(pattern, starts[k + 1] - 1)  # on to the next value
        return found


@dataclass(frozen=True)
class Loaded:
    entries: list[Entry]
    initials: Column
    full: Column
    name_zh: Column
    name_en_lower: Column

    @staticmethod
    def of(entries: list[Entry]) -> Loaded:
        return Loaded(
            entries,
            Column([e.initials for e in entries]),
            Column([e.full for e in entries]),
            Column([e.name_zh for e in entries]),
            Column([e.name_en_lower for e in entries]),
        )

    def matching(self, query: str, limit: int) -> list[Entry]:
        """Entries whose pinyin initials or full pinyin start with the query, or whose Chinese
        name (as typed) or English name (any case) contains it, in display order."""
        q, raw = query.lower(), query
        if "\n" in raw:
            return []
        hits = set(self.initials.first(q, limit, prefix=True))
        hits.update(self.full.first(q, limit, prefix=True))
        hits.update(self.name_zh.first(raw, limit, prefix=False))
        hits.update(self.name_en_lower.first(q, limit, prefix=False))
        return [self.entries[k] for k in sorted(hits)[:limit]]


# Built once: building a statement costs more than running it.
_SOLD_OUT = sa.select(items.c.id, items.c.sold_out).where(
    items.c.id.in_(sa.bindparam("ids", expanding=True))
)


def _changes_the_index(event_type: str) -> bool:
    return event_type.startswith(("Item", "Category")) and event_type not in STOCK_ONLY


class MenuSearchIndex:
    def __init__(self) -> None:
        self._loaded: Loaded | None = None
        self._generation = 0
        self._lock = threading.Lock()

    def on_commit(self, events: Iterable[Event]) -> None:
        """Writer listener: runs after each commit."""
        if any(_changes_the_index(e.type) for e in events):
            with self._lock:
                self._generation += 1
                self._loaded = None

    def load(self, conn: Connection) -> Loaded:
        with self._lock:
            if self._loaded is not None:
                return self._loaded
            generation = self._generation
        rows = conn.execute(
            sa.select(
                items.c.id,
                items.c.name_zh,
                items.c.name_en,
                items.c.price,
                items.c.pinyin_initials,
                items.c.pinyin_full,
            ).where(items.c.active.is_(True))
        )
        entries = sorted(
            (
                Entry(
                    r.id,
                    r.name_zh,
                    r.name_en,
                    r.price,
                    r.pinyin_initials,
                    r.pinyin_full,
                    r.name_en.lower(),
                )
                for r in rows
            ),
            key=lambda e: (len(e.initials), e.name_en),
        )
        loaded = Loaded.of(entries)
        with self._lock:
            if self._generation == generation:  # no change committed while we read
                self._loaded = loaded
        return loaded

    def search(self, conn: Connection, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Items whose pinyin initials (gbjd) or full pinyin start with the query, or whose
        Chinese or English name contains it; shortest names first."""
        raw = query.strip()
        if not raw:
            return []
        found = self.load(conn).matching(raw, limit)
        if not found:
            return []
        sold_out = {
            r.id: r.sold_out for r in conn.execute(_SOLD_OUT, {"ids": [e.id for e in found]})
        }
        return [
            {
                "id": e.id,
                "name_zh": e.name_zh,
                "name_en": e.name_en,
                "price": e.price,
                "pinyin_initials": e.initials,
                "sold_out": bool(sold_out.get(e.id, False)),
            }
            for e in found
        ]


def index_of(node: Node) -> MenuSearchIndex:
    """The node's index, put there (and kept current by the writer) by the menu module."""
    return node.parts.get(MenuSearchIndex)
