"""Housekeeping, so a store runs for years on a small disk without stalling an order.

Two loops on the node's clock. Stored idempotency answers (about 1 KB a request, kept for ever
they outgrew the journal) are dropped once older than the keep window, a few hundred per
writer transaction, so orders queued behind a prune wait milliseconds at most. And the WAL is
checkpointed PASSIVE-ly on the writer's own thread between batches: it copies what no reader
still needs and never waits for a reader, so it cannot hold the writer for long.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection

from hearth.core.node import Node
from hearth.core.tables import idempotency_keys
from hearth.core.writer import Tx

log = structlog.get_logger(__name__)
HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One ``PRAGMA wal_checkpoint(PASSIVE)``: busy, frames in the WAL, frames copied back."""

    at_ms: int
    busy: int
    wal_frames: int
    checkpointed: int


@dataclass
class Housekeeper:
    node: Node
    pruned: int = 0  # idempotency answers dropped since start
    last_prune_at_ms: int | None = None
    last_checkpoint: Checkpoint | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        s = self.node.settings
        self._tasks = [
            asyncio.create_task(
                self._every(s.idempotency_prune_every_s, self.prune),
                name="hearth-idempotency-prune",
            ),
        ]
        if self.node.settings.sqlite_path() is not None:
            self._tasks.append(
                asyncio.create_task(
                    self._every(s.wal_checkpoint_every_s, self.checkpoint),
                    name="hearth-wal-checkpoint",
                )
            )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _every(self, seconds: float, work: Callable[[], Awaitable[object]]) -> None:
        while True:
            await self.node.clock.sleep(seconds)
            try:
                await work()
            except Exception as exc:  # housekeeping never takes the node down; next round
                log.warning("housekeeping.failed", work=work.__name__, error=str(exc))

    async def prune(self) -> int:
        """Drop idempotency answers older than the keep window, a batch per transaction,
        until none is left; returns how many went."""
        s = self.node.settings
        cutoff = self.node.clock.now_ms() - s.idempotency_keep_hours * HOUR_MS
        batch = s.idempotency_prune_batch
        total = 0
        while True:
            n = await self.node.writer.submit(lambda tx: prune_batch(tx, cutoff, batch))
            total += n
            if n < batch:
                break
        self.pruned += total
        self.last_prune_at_ms = self.node.clock.now_ms()
        if total:
            log.info("housekeeping.idempotency_pruned", rows=total)
        return total

    async def checkpoint(self) -> Checkpoint:
        """Copy the WAL back into the database without waiting on any reader."""
        busy, frames, done = await self.node.writer.on_thread(wal_checkpoint)
        self.last_checkpoint = Checkpoint(self.node.clock.now_ms(), busy, frames, done)
        return self.last_checkpoint


def prune_batch(tx: Tx, cutoff_ms: int, limit: int) -> int:
    """Delete up to ``limit`` stored answers recorded before ``cutoff_ms``. Rows go in roughly
    the order they were written, so the oldest are found at the start of the scan."""
    keys = list(
        tx.conn.execute(
            sa.select(idempotency_keys.c.key)
            .where(idempotency_keys.c.created_at_ms < cutoff_ms)
            .limit(limit)
        ).scalars()
    )
    if keys:
        tx.conn.execute(idempotency_keys.delete().where(idempotency_keys.c.key.in_(keys)))
    return len(keys)


def wal_checkpoint(conn: Connection) -> tuple[int, int, int]:
    # On the driver's connection (autocommit): through SQLAlchemy it would run inside the
    # BEGIN every transaction opens, where SQLite refuses to checkpoint.
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        busy, frames, done = cur.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        cur.close()
    return int(busy), int(frames), int(done)


def housekeeper_of(node: Node) -> Housekeeper | None:
    return node.parts.find(Housekeeper)
