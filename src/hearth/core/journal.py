"""The journal: every change of state is an event, appended in the same transaction as the
projections it updates.

Projections are only ever written by *projectors*, one per event type: each module declares its
own ``ProjectorRegistry``, the composition root merges them into the node's, and the same
projectors replay the journal in ``hearth rebuild``. Live writes and a rebuild therefore go
through one code path and cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.clock import HybridClock
from hearth.core.db import conn_cache
from hearth.core.ids import new_id
from hearth.core.tables import journal


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    event_id: str
    store_id: str
    device_id: str
    stream: str
    stream_version: int
    type: str
    payload: dict[str, Any]
    hlc: str
    actor: str | None
    recorded_at_ms: int

    def as_row(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "event_id": self.event_id,
            "store_id": self.store_id,
            "device_id": self.device_id,
            "stream": self.stream,
            "stream_version": self.stream_version,
            "type": self.type,
            "payload": self.payload,
            "hlc": self.hlc,
            "actor": self.actor,
            "recorded_at_ms": self.recorded_at_ms,
        }

    @classmethod
    def from_row(cls, row: Any) -> Event:
        m = row._mapping
        return cls(**{k: m[k] for k in cls.__slots__})


Projector = Callable[[Connection, Event], None]


@dataclass
class ProjectorRegistry:
    """Which function projects which event type, and which tables projections own."""

    by_type: dict[str, list[Projector]] = field(default_factory=dict)
    tables: list[sa.Table] = field(default_factory=list)

    def on(self, *types: str) -> Callable[[Projector], Projector]:
        def register(fn: Projector) -> Projector:
            for t in types:
                self.by_type.setdefault(t, []).append(fn)
            return fn

        return register

    def owns(self, *tables: sa.Table) -> None:
        for t in tables:
            if t not in self.tables:
                self.tables.append(t)

    def apply(self, conn: Connection, ev: Event) -> None:
        for fn in self.by_type.get(ev.type, ()):
            fn(conn, ev)

    @classmethod
    def merge(cls, *registries: ProjectorRegistry) -> ProjectorRegistry:
        """The node's registry: every module's projectors, in the order the modules are listed."""
        merged = cls()
        for registry in registries:
            for type_, fns in registry.by_type.items():
                merged.by_type.setdefault(type_, []).extend(fns)
            merged.owns(*registry.tables)
        return merged


_INSERT = journal.insert()
_STREAM_VERSION = sa.select(sa.func.max(journal.c.stream_version)).where(
    journal.c.stream == sa.bindparam("stream")
)


class JournalWriter:
    """Hands out the store's gap-free ``seq``; used only inside the single writer's transaction."""

    def __init__(
        self,
        store_id: str,
        device_id: str,
        clock: HybridClock,
        projectors: ProjectorRegistry,
        wall_ms: Callable[[], int],
    ) -> None:
        self.store_id = store_id
        self.device_id = device_id
        self.clock = clock
        self.projectors = projectors
        self.wall_ms = wall_ms
        self.next_seq = 1

    def load(self, conn: Connection) -> None:
        top = conn.execute(sa.select(sa.func.max(journal.c.seq))).scalar()
        self.next_seq = (top or 0) + 1

    def append(
        self,
        conn: Connection,
        stream: str,
        type_: str,
        payload: dict[str, Any],
        actor: str | None,
    ) -> Event:
        versions = conn_cache(conn, "stream_versions")
        version = versions.get(stream)
        if version is None:
            version = conn.execute(_STREAM_VERSION, {"stream": stream}).scalar()
        ev = Event(
            seq=self.next_seq,
            event_id=new_id(),
            store_id=self.store_id,
            device_id=self.device_id,
            stream=stream,
            stream_version=(version or 0) + 1,
            type=type_,
            payload=payload,
            hlc=self.clock.now().encode(),
            actor=actor,
            recorded_at_ms=self.wall_ms(),
        )
        conn.execute(_INSERT, ev.as_row())
        versions[stream] = ev.stream_version
        self.next_seq += 1
        self.projectors.apply(conn, ev)
        return ev


def read_events(conn: Connection, after_seq: int = 0, limit: int | None = None) -> Iterator[Event]:
    q = sa.select(journal).where(journal.c.seq > after_seq).order_by(journal.c.seq)
    if limit is not None:
        q = q.limit(limit)
    for row in conn.execute(q):
        yield Event.from_row(row)


def stream_events(conn: Connection, stream: str) -> list[Event]:
    q = sa.select(journal).where(journal.c.stream == stream).order_by(journal.c.stream_version)
    return [Event.from_row(r) for r in conn.execute(q)]
