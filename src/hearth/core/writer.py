"""The single writer: many requests, one transaction, each acknowledged only once it is durable.

SQLite allows one writer at a time and a durable commit costs an fsync, so committing each order
on its own caps the store at a few thousand orders per second and stalls readers. Instead every
mutating request hands a *command* (a function of one ``Tx``) to this writer. The writer drains
whatever has queued up, runs each command inside its own SAVEPOINT (so one refused command does
not undo its neighbours), commits once, and only then resolves each caller's future.

When the disk refuses (full, or an I/O error on a write or an fsync) the whole batch is rolled
back and every caller gets a 503 ``storage-unavailable`` problem that names the cause: nobody is
acknowledged for what may not be on the disk, and nothing is half-written. The writer then drops
its SQLite connection (a connection that saw an I/O error may hold a pager in its error state and
cached pages that never reached the disk) and opens a fresh one for the next batch, so the node
takes orders again by itself once the disk has room, without a restart. ``storage_fault`` says
what is wrong until a commit that writes succeeds again (what ``hearth doctor`` shows).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import structlog
from sqlalchemy.engine import Connection, Engine

from hearth.core.db import clear_conn_cache, insert_rows, mark_writer, select_rows
from hearth.core.errors import CoreError, Problem
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


# -- the disk refusing a commit ---------------------------------------------------------------

DISK_FULL, IO_ERROR = "disk-full", "io-error"
# SQLite's primary result codes that mean the storage under the database failed, not the SQL.
_SQLITE_STORAGE = {
    sqlite3.SQLITE_FULL: DISK_FULL,
    sqlite3.SQLITE_IOERR: IO_ERROR,
    sqlite3.SQLITE_CANTOPEN: IO_ERROR,
}
_CAUSE_WORDS = {
    DISK_FULL: ("the disk is full", "磁盘已满"),
    IO_ERROR: ("the disk reported an I/O error", "磁盘读写出错"),
}


@dataclass(frozen=True, slots=True)
class StorageFault:
    """The disk refused a commit: why, SQLite's words, when (wall ms), and how many batches in
    a row it has refused. Kept on the writer until a commit that writes succeeds again."""

    cause: str  # DISK_FULL or IO_ERROR
    message: str
    at_ms: int
    failures: int

    @property
    def cause_en(self) -> str:
        return _CAUSE_WORDS[self.cause][0]

    @property
    def cause_zh(self) -> str:
        return _CAUSE_WORDS[self.cause][1]


def storage_cause(exc: BaseException, db_path: str | None = None) -> str | None:
    """DISK_FULL or IO_ERROR when ``exc`` (SQLAlchemy's or sqlite3's) is the disk failing, else
    None. An fsync that fails on a full disk is reported by SQLite as an I/O error; the free
    space on the database's file system tells the two apart."""
    err = getattr(exc, "orig", exc)
    if not isinstance(err, sqlite3.Error):
        return None
    code = getattr(err, "sqlite_errorcode", None)
    cause = _SQLITE_STORAGE.get(code & 0xFF) if isinstance(code, int) else None
    if cause is None and "disk i/o error" in str(err).lower():
        cause = IO_ERROR
    if cause == IO_ERROR and db_path:
        with contextlib.suppress(OSError):
            if os.statvfs(os.path.dirname(os.path.abspath(db_path))).f_bavail == 0:
                cause = DISK_FULL
    return cause


def storage_problem(fault: StorageFault) -> Problem:
    """The 503 every caller of a refused batch gets: nothing was saved, why, and what to do."""
    member = CoreError.STORAGE_FULL if fault.cause == DISK_FULL else CoreError.STORAGE_FAILED
    fix = (
        "Free space on the store node's disk (old backups, logs, other files)."
        if fault.cause == DISK_FULL
        else "Check the store node's disk (cable, card, health); `hearth doctor` says more."
    )
    return member.problem(
        f"Nothing was saved because {fault.cause_en}. {fix} The node takes requests again by "
        "itself as soon as the disk does; send this request again with the same "
        "Idempotency-Key.",
        extra={
            "cause": fault.cause,
            "cause_en": fault.cause_en,
            "cause_zh": fault.cause_zh,
            "headers": {"Retry-After": "5"},
        },
    )


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
        # The disk's refusal, until a commit that writes gets through (None: all well), and
        # the last one ever seen (for the log and the doctor's history).
        self.storage_fault: StorageFault | None = None
        self.last_storage_fault: StorageFault | None = None
        self._reopen = False  # the connection saw the disk fail: open a fresh one first

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
                return work(self._ready_conn())

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

    # -- the disk failing --------------------------------------------------------------------
    def _db_path(self) -> str | None:
        return self.engine.url.database if self.engine.dialect.name == "sqlite" else None

    def _ready_conn(self) -> Connection:
        """The writer's connection; a fresh one if the last batch saw the disk fail. Called
        with the lock held."""
        if self._reopen:
            old, self._conn = self._conn, None
            if old is not None:
                with contextlib.suppress(Exception):
                    old.invalidate()  # never back into the pool: its pager saw the error
                with contextlib.suppress(Exception):
                    old.close()
            conn = None
            try:
                conn = self.engine.connect()
                mark_writer(conn)
                with conn.begin():
                    self.journal.load(conn)  # what is really committed, not what we counted
            except Exception as exc:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.invalidate()
                raise self._storage_failed(exc) from exc
            self._conn, self._reopen = conn, False
            log.info("writer.reopened")
        if self._conn is None:
            raise RuntimeError("writer not open")
        return self._conn

    def _storage_failed(self, exc: BaseException) -> BaseException:
        """Record a refused commit and return what its callers get: a 503 problem when the
        disk failed, else ``exc`` itself. Either way the next batch gets a fresh connection."""
        self._reopen = True
        cause = storage_cause(exc, self._db_path())
        if cause is None:
            return exc
        failures = self.storage_fault.failures + 1 if self.storage_fault else 1
        fault = StorageFault(
            cause, str(getattr(exc, "orig", exc)), self.journal.wall_ms(), failures
        )
        self.storage_fault = self.last_storage_fault = fault
        log.error("writer.storage_failed", cause=cause, error=fault.message, failures=failures)
        return storage_problem(fault)

    def run_batch(self, commands: list[Command[Any]]) -> list[Any]:
        """Run commands in one transaction, each in a savepoint; commit once; then notify.

        A command's own refusal is its result; the disk failing under any command (or under
        the commit) rolls the whole batch back and raises a 503 problem for all of them."""
        with self._lock:
            conn = self._ready_conn()
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
                            if storage_cause(exc) is not None:
                                raise  # the disk failed, not the command: the batch goes
                            savepoint.rollback()
                            # What the command cached in memory was rolled back with it.
                            clear_conn_cache(conn)
                            self.journal.next_seq = mark
                            results.append(exc)
            except Exception as exc:
                clear_conn_cache(conn)
                self.journal.next_seq = start_seq
                if storage_cause(exc) is None:
                    raise
                raise self._storage_failed(exc) from exc
            if committed and self.storage_fault is not None:
                log.info("writer.storage_recovered", after=self.storage_fault.failures)
                self.storage_fault = None
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
