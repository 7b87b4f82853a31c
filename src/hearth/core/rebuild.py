"""Rebuild every projection from the journal and say whether it matches what was there.

This is how a restored or replaced store node is brought back, and the check that keeps the
projectors honest: a projection that a rebuild would change was written by something other than
its projector.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from hearth.core.db import WRITER_FLAG, clear_conn_cache, mark_writer, metadata
from hearth.core.journal import ProjectorRegistry, read_events


@dataclass
class RebuildReport:
    events: int
    tables: dict[str, int] = field(default_factory=dict)
    mismatched: dict[str, str] = field(default_factory=dict)

    @property
    def matches(self) -> bool:
        return not self.mismatched


def _owned_in_dependency_order(projectors: ProjectorRegistry) -> list[sa.Table]:
    owned = set(projectors.tables)
    return [t for t in metadata.sorted_tables if t in owned]


def _hashable(row: tuple[Any, ...]) -> str:
    """A row as text, so rows holding JSON lists and objects can be counted in a set."""
    return json.dumps(row, sort_keys=True, default=str)


def snapshot(conn: Connection, projectors: ProjectorRegistry) -> dict[str, list[tuple[Any, ...]]]:
    result = {}
    for table in _owned_in_dependency_order(projectors):
        pk = list(table.primary_key.columns)
        rows = conn.execute(sa.select(table).order_by(*pk))
        result[table.name] = [tuple(r) for r in rows]
    return result


def replay(
    conn: Connection,
    projectors: ProjectorRegistry,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Apply every journal event to the projections, in one transaction the caller holds.

    The projectors keep their in-memory caches (the order being folded, the day's order
    number) for the replay, as they do in the single writer: inside this transaction nothing
    but them writes the projections, so a cached order is the one in the table, and an order's
    second event no longer reads back and rebuilds what its first just wrote (that read was
    over half of a restore's time, bench/sync.py). The caches go when the replay ends, so a
    pooled connection never carries them into other work."""
    owned_flag = not conn.info.get(WRITER_FLAG)
    if owned_flag:
        mark_writer(conn)
    try:
        count = 0
        for ev in read_events(conn):
            projectors.apply(conn, ev)
            count += 1
            if progress and count % 500 == 0:
                progress(count)
        return count
    finally:
        clear_conn_cache(conn)
        if owned_flag:
            conn.info.pop(WRITER_FLAG, None)


def rebuild(
    engine: Engine,
    projectors: ProjectorRegistry,
    *,
    keep: bool = True,
    progress: Callable[[int], None] | None = None,
) -> RebuildReport:
    """Replay the journal into empty projections; commit only if ``keep``."""
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            before = snapshot(conn, projectors)
            for table in reversed(_owned_in_dependency_order(projectors)):
                conn.execute(table.delete())
            count = replay(conn, projectors, progress=progress)
            after = snapshot(conn, projectors)
            report = RebuildReport(events=count, tables={k: len(v) for k, v in after.items()})
            for name in after:
                if before[name] != after[name]:
                    b, a = set(map(_hashable, before[name])), set(map(_hashable, after[name]))
                    report.mismatched[name] = (
                        f"{len(b - a)} row(s) differ or missing after rebuild, {len(a - b)} new"
                    )
            if keep:
                tx.commit()
            else:
                tx.rollback()
        except BaseException:
            tx.rollback()
            raise
    return report
