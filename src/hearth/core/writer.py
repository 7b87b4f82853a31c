"""The single writer: many requests, one transaction, each acknowledged only once it is durable.

SQLite allows one writer at a time and a durable commit costs an fsync, so committing each order
on its own caps the store at a few thousand orders per second and stalls readers. Instead every
mutating request hands a *command* (a function of one ``Tx``) to this writer. The writer drains
whatever has queued up, runs each command inside its own SAVEPOINT (so one refused command does
not undo its neighbours), commits once, and only then resolves each caller's future.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import structlog
from sqlalchemy.engine import Connection, Engine

from hearth.core.db import clear_conn_cache, insert_rows, mark_writer, select_rows
from hearth.core.errors import CoreError
from hearth.core.journal import Event, JournalWriter
from hearth.core.tables import idempotency_keys

log = structlog.get_logger(__name__)
T = TypeVar("T")


@dataclass
class Tx:
    """What a command sees: the open connection and the journal to append to."""

    conn: Connection
    journal: JournalWriter
    events: list[Event] = field(default_factory=list)

    @property
    def store_id(self) -> str:
        return self.journal.store_id

    def append(
        self, stream: str, type_: str, payload: dict[str, Any], actor: str | None = None
    ) -> Event:
        ev = self.journal.append(self.conn, stream, type_, payload, actor)
        self.events.append(ev)
        return ev


Command = Callable[[Tx], T]


@dataclass(frozen=True, slots=True)
class Idempotency:
    """A client's ``Idempotency-Key`` and a fingerprint of what it asked for with it."""

    key: str
    fingerprint: str

    @classmethod
    def of(cls, key: str, *parts: Any) -> Idempotency:
        digest = hashlib.sha256(
            json.dumps(parts, sort_keys=True, default=str, separators=(",", ":")).encode()
        ).hexdigest()
        return cls(key, digest)


@dataclass(frozen=True, slots=True)
class Stored(Generic[T]):
    """A command's JSON result, and whether it is a replay of an earlier identical request."""

    status: int
    body: T
    replayed: bool = False


def idempotent(command: Command[tuple[int, Any]], idem: Idempotency) -> Command[Stored[Any]]:
    """Wrap a command so that a retried request returns the first answer and writes nothing."""

    def run(tx: Tx) -> Stored[Any]:
        row = select_rows(tx.conn, idempotency_keys, {"key": idem.key}).first()
        if row is not None:
            if row.fingerprint != idem.fingerprint:
                raise CoreError.IDEMPOTENCY_KEY_REUSED.problem(
                    "This Idempotency-Key was used for a different request. Send a new key "
                    "for a new request; reuse a key only to retry the same one.",
                    field="Idempotency-Key",
                )
            return Stored(row.status, row.response, replayed=True)
        status, body = command(tx)
        insert_rows(
            tx.conn,
            idempotency_keys,
            {
                "key": idem.key,
                "fingerprint": idem.fingerprint,
                "status": status,
                "response": body,
                "created_at_ms": tx.journal.wall_ms(),
            },
        )
        return Stored(status, body)

    return run


CommitListener = Callable[[list[Event]], None]
# Told how long each commit took (seconds, a monotonic difference): how metrics see the writer
# without the writer knowing of them.
CommitObserver = Callable[[float], None]


class Writer:
    def __init__(self, engine: Engine, journal: JournalWriter, max_batch: int = 256) -> None:
        self.engine = engine
        self.journal = journal
        self.max_batch = max_batch
        self.listeners: list[CommitListener] = []
        self.observer: CommitObserver | None = None
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        self._queue: asyncio.Queue[tuple[Command[Any], asyncio.Future[Any]]] | None = None
        self._task: asyncio.Task[None] | None = None
        # A thread of its own: on the shared default executor, slow unrelated work (a printer
        # probe resolving a bad host name, a provider call) could leave every order waiting.
        self._thread: ThreadPoolExecutor | None = None
        self.batches = 0
        self.commands = 0

    # -- lifecycle ---------------------------------------------------------------------------
    def open(self) -> None:
        with self._lock:
            if self._conn is None:
                self._conn = self.engine.connect()
                mark_writer(self._conn)
                with self._conn.begin():
                    self.journal.load(self._conn)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    async def start(self) -> None:
        self.open()
        self._queue = asyncio.Queue()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hearth-writer")
        self._task = asyncio.create_task(self._loop(), name="hearth-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None
        self.close()

    @property
    def running(self) -> bool:
        """Taking commands: started, and its loop has not stopped or died."""
        return self._task is not None and not self._task.done()

    @property
    def queue_depth(self) -> int:
        return self._queue.qsize() if self._queue is not None else 0

    async def on_thread(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` on the writer's own connection and thread, outside any transaction
        (a WAL checkpoint): between batches, never beside one."""
        if self._thread is None:
            raise RuntimeError("writer not started")

        def run() -> T:
            with self._lock:
                if self._conn is None:
                    raise RuntimeError("writer not open")
                return work(self._conn)

        return await asyncio.get_running_loop().run_in_executor(self._thread, run)

    # -- submitting --------------------------------------------------------------------------
    async def submit(self, command: Command[T]) -> T:
        if self._queue is None:
            raise RuntimeError("writer not started")
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        await self._queue.put((command, fut))
        return await fut

    def run(self, command: Command[T]) -> T:
        """Run one command synchronously (CLI, seeding, tests without an event loop)."""
        self.open()
        (result,) = self.run_batch([command])
        if isinstance(result, BaseException):
            raise result
        return result

    # -- the loop ----------------------------------------------------------------------------
    async def _loop(self) -> None:
        assert self._queue is not None and self._thread is not None
        loop, thread = asyncio.get_running_loop(), self._thread
        while True:
            first = await self._queue.get()
            batch = [first]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            commands = [c for c, _ in batch]
            try:
                results = await loop.run_in_executor(thread, self.run_batch, commands)
            except Exception as exc:  # the commit itself failed: nobody is acknowledged
                log.error("writer.batch_failed", error=str(exc), size=len(batch))
                results = [exc] * len(batch)
            for (_, fut), res in zip(batch, results, strict=True):
                if fut.done():
                    continue
                if isinstance(res, BaseException):
                    fut.set_exception(res)
                else:
                    fut.set_result(res)

    def run_batch(self, commands: list[Command[Any]]) -> list[Any]:
        """Run commands in one transaction, each in a savepoint; commit once; then notify."""
        with self._lock:
            conn = self._conn
            if conn is None:
                raise RuntimeError("writer not open")
            results: list[Any] = []
            committed: list[Event] = []
            start_seq = self.journal.next_seq
            started = time.perf_counter()
            try:
                with conn.begin():
                    for command in commands:
                        mark = self.journal.next_seq
                        tx = Tx(conn, self.journal)
                        savepoint = conn.begin_nested()
                        try:
                            results.append(command(tx))
                            savepoint.commit()
                            committed.extend(tx.events)
                        except Exception as exc:
                            savepoint.rollback()
                            # What the command cached in memory was rolled back with it.
                            clear_conn_cache(conn)
                            self.journal.next_seq = mark
                            results.append(exc)
            except Exception:
                clear_conn_cache(conn)
                self.journal.next_seq = start_seq
                raise
            self.batches += 1
            self.commands += len(commands)
            if self.observer is not None:
                self.observer(time.perf_counter() - started)
        if committed:
            for listener in self.listeners:
                try:
                    listener(committed)
                except Exception as exc:  # a listener never blocks or undoes a commit
                    log.warning("writer.listener_failed", error=str(exc))
        return results
