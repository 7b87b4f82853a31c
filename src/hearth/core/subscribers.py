"""Journal subscribers: kitchen routing, inventory, metrics, sync and printing read the journal
from a cursor they persist, so none of them can block or break taking orders.

Delivery is at-least-once. A subscriber turns a batch of events into a *command*; the runner
runs that command and moves the cursor in the same transaction, so the subscriber's own state
changes exactly once. Effects outside the database (a printer, HQ) must be idempotent by event
id. A subscriber that fails is retried with backoff and logged; the writer never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine

from hearth.core.clock import Clock, SystemClock
from hearth.core.db import select_rows
from hearth.core.journal import Event, read_events
from hearth.core.tables import subscriber_cursors
from hearth.core.writer import Tx, Writer

log = structlog.get_logger(__name__)

Handler = Callable[[list[Event]], Callable[[Tx], None] | None]


@dataclass
class Subscriber:
    name: str
    handle: Handler
    batch_size: int = 200
    # Filled in by the runner, for health checks and the admin page.
    failures: int = 0
    last_error: str | None = None
    lag: int = 0
    _delivered: int = field(default=0, repr=False)


def cursor_of(conn: Connection, name: str) -> int:
    value = select_rows(conn, subscriber_cursors, {"name": name}, ("seq",)).scalar()
    return int(value or 0)


def save_cursor(tx: Tx, name: str, seq: int) -> None:
    now = tx.journal.wall_ms()
    updated = tx.conn.execute(
        subscriber_cursors.update()
        .where(subscriber_cursors.c.name == name)
        .where(subscriber_cursors.c.seq < seq)
        .values(seq=seq, updated_at_ms=now)
    ).rowcount
    exists = (
        updated
        or tx.conn.execute(
            sa.select(subscriber_cursors.c.name).where(subscriber_cursors.c.name == name)
        ).first()
    )
    if not exists:  # the single writer runs this, so no one can insert it in between
        tx.conn.execute(subscriber_cursors.insert().values(name=name, seq=seq, updated_at_ms=now))


class SubscriberRunner:
    def __init__(
        self,
        engine: Engine,
        writer: Writer,
        subscribers: list[Subscriber],
        poll_seconds: float = 1.0,
        max_backoff: float = 30.0,
        clock: Clock | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.writer = writer
        self.subscribers = subscribers
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        writer.listeners.append(self._on_commit)

    def _on_commit(self, _events: list[Event]) -> None:
        # Called from the writer's thread: hand the wake-up to the event loop.
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._tasks = [
            asyncio.create_task(self._run(s), name=f"subscriber-{s.name}") for s in self.subscribers
        ]

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._tasks = []

    async def _run(self, sub: Subscriber) -> None:
        backoff = 0.05
        while True:
            try:
                delivered = await self.deliver_once(sub)
                backoff = 0.05
                sub.failures = 0
                sub.last_error = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                sub.failures += 1
                sub.last_error = str(exc)
                log.warning(
                    "subscriber.failed", subscriber=sub.name, error=str(exc), retry_in=backoff
                )
                await self.clock.sleep(backoff)  # the node's clock: a test steps a retry
                backoff = min(self.max_backoff, backoff * 2)
                continue
            if delivered == 0:
                self._wake.clear()
                # A commit wakes the subscriber; the poll is only a safety net for a missed
                # wake-up, so it stays on real time: a test's stopped clock must not stop it.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def deliver_once(self, sub: Subscriber) -> int:
        """Deliver the next batch after the subscriber's cursor; returns how many events."""
        events = await asyncio.to_thread(self._read, sub)
        if not events:
            return 0
        command = sub.handle(events)
        last = events[-1].seq

        def apply(tx: Tx) -> None:
            if command is not None:
                command(tx)
            save_cursor(tx, sub.name, last)

        await self.writer.submit(apply)
        sub._delivered += len(events)
        return len(events)

    def _read(self, sub: Subscriber) -> list[Event]:
        with self.engine.connect() as conn:
            after = cursor_of(conn, sub.name)
            events = list(read_events(conn, after, sub.batch_size))
            top = self.writer.journal.next_seq - 1
        sub.lag = max(0, top - (events[-1].seq if events else after))
        return events
