"""The print worker: sends queued jobs to their printers and probes printers' health.

It runs as asyncio tasks beside the API (printing/lifecycle.py). It reads due jobs from the
print_jobs projection, so jobs queued before a restart are printed after it; every outcome is
a journal event through the writer. One connection at a time per printer (a network printer
serves one client), printers in parallel.

Exactly once, with one accepted exception: a job is marked printed only after its bytes were
written, the printer answered the status query sent after them and the socket closed. If the
node dies between writing and recording, the job is still ``sending`` after the restart and is
printed again, headed "(重印 reprint)" so the cook knows it may be a second copy. The same
marker goes on a retry after an attempt that had already written bytes (a dropped connection).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import structlog

from hearth.core.config import Settings
from hearth.core.journal import Event
from hearth.core.node import Node
from hearth.printing import client, render, service
from hearth.printing.tables import print_jobs, printers

log = structlog.get_logger(__name__)


@dataclass
class Health:
    state: str = "unknown"  # unknown | online | slow | offline | fault
    checked_at_ms: int | None = None
    latency_ms: int | None = None
    last_error: str | None = None
    last_printed_at_ms: int | None = None
    reason: str | None = None  # what the printer said over ESC/POS status: paper_out, ...


@dataclass
class PrintWorker:
    node: Node
    health: dict[str, Health] = field(default_factory=dict)
    printed: int = 0
    failures: int = 0
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _busy: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _sending: set[str] = field(default_factory=set)  # job ids with an attempt under way
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _loop: asyncio.AbstractEventLoop | None = None

    @property
    def settings(self) -> Settings:
        return self.node.settings

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.node.writer.listeners.append(self._on_commit)
        self._tasks = [
            asyncio.create_task(self._run(), name="print-worker"),
            asyncio.create_task(self._probe_loop(), name="printer-probe"),
        ]

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.node.writer.listeners.remove(self._on_commit)
        tasks = self._tasks + list(self._busy.values())
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks, self._busy = [], {}

    def _on_commit(self, events: list[Event]) -> None:
        # Called from the writer's thread after a commit: wake the worker for new jobs.
        if self._loop is not None and any(
            e.type == "PrintJobQueued" or e.type == "PrintJobRerouted" for e in events
        ):
            with contextlib.suppress(RuntimeError):  # loop already closed
                self._loop.call_soon_threadsafe(self._wake.set)

    def _lock(self, printer_id: str) -> asyncio.Lock:
        return self._locks.setdefault(printer_id, asyncio.Lock())

    # -- sending jobs ------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            try:
                next_due = await self.dispatch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database was busy or gone: try again shortly
                log.warning("printing.dispatch_failed", error=str(exc))
                next_due = self.settings.printer_poll_s
            self._wake.clear()
            # A new job wakes the worker; the timeout is only a poll, on real time, so a retry
            # that falls due when a test steps the node's clock is seen within a poll.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._wake.wait(), max(0.01, min(next_due, self.settings.printer_poll_s))
                )

    async def dispatch(self) -> float:
        """Start a sender for every printer that has a due job and is idle; returns seconds
        until the next job falls due."""
        now = self.node.now_ms()
        stranded = await asyncio.to_thread(self._on_disabled_printers)
        if stranded:
            await self.node.writer.submit(lambda tx: self._move_stranded(tx, stranded))
        due = await asyncio.to_thread(self._due_printers, now)
        wait = self.settings.printer_poll_s
        for printer_id, next_at in due:
            if next_at > now:
                wait = min(wait, (next_at - now) / 1000)
                continue
            task = self._busy.get(printer_id)
            if task is None or task.done():
                self._busy[printer_id] = asyncio.create_task(
                    self._drain_printer(printer_id), name=f"print-{printer_id}"
                )
        return wait

    def _due_printers(self, now: int) -> list[tuple[str, int]]:
        with self.node.engine.connect() as conn:
            rows = conn.execute(
                sa.select(print_jobs.c.printer_id, sa.func.min(print_jobs.c.next_attempt_at_ms))
                .join(printers, printers.c.id == print_jobs.c.printer_id)
                .where(print_jobs.c.store_id == self.settings.store_id)
                .where(print_jobs.c.status.in_(service.OPEN_STATUSES))
                .where(printers.c.enabled)
                .group_by(print_jobs.c.printer_id)
            )
            return [(r[0], int(r[1])) for r in rows]

    def _on_disabled_printers(self) -> list[str]:
        """Jobs waiting on a printer a manager switched off."""
        with self.node.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(print_jobs.c.id)
                    .join(printers, printers.c.id == print_jobs.c.printer_id)
                    .where(print_jobs.c.store_id == self.settings.store_id)
                    .where(print_jobs.c.status.in_(service.OPEN_STATUSES))
                    .where(sa.not_(printers.c.enabled))
                    .limit(200)
                ).scalars()
            )

    def _move_stranded(self, tx: Any, job_ids: list[str]) -> None:
        """Send them to the disabled printer's backup (or, for the kitchen, the receipt
        printer); with nowhere to go they wait, visible in the job list."""
        for job_id in job_ids:
            job = service.get_job(tx.conn, job_id)
            if job is None or job.status not in service.OPEN_STATUSES:
                continue
            printer = tx.conn.execute(
                sa.select(printers).where(printers.c.id == job.printer_id)
            ).first()
            if printer is None or printer.enabled:
                continue
            target = service.fallback_printer(tx.conn, tx.store_id, job, printer)
            if target is not None and job.id not in self._sending:
                service.reroute(
                    tx, job.id, printer.id, target.id, f"{printer.name} is switched off"
                )

    def _next_job(self, printer_id: str, now: int) -> tuple[Any, Any] | None:
        with self.node.engine.connect() as conn:
            printer = conn.execute(sa.select(printers).where(printers.c.id == printer_id)).first()
            if printer is None or not printer.enabled:
                return None
            job = conn.execute(
                sa.select(print_jobs)
                .where(print_jobs.c.printer_id == printer_id)
                .where(print_jobs.c.status.in_(service.OPEN_STATUSES))
                .where(print_jobs.c.next_attempt_at_ms <= now)
                .order_by(print_jobs.c.created_at_ms, print_jobs.c.id)
                .limit(1)
            ).first()
            return (job, printer) if job is not None else None

    async def _drain_printer(self, printer_id: str) -> None:
        """Print this printer's due jobs in order, one connection each (bounded per round)."""
        for _ in range(100):
            found = await asyncio.to_thread(self._next_job, printer_id, self.node.now_ms())
            if found is None:
                return
            job, printer = found
            ok = await self.print_job(job, printer)
            if not ok:  # the printer is failing: let its backoff pass before the next job
                return

    async def print_job(self, job: Any, printer: Any) -> bool:
        """One attempt at one job; records the outcome. True if it printed."""
        self._sending.add(job.id)  # not moved off a switched-off printer while under way
        try:
            return await self._attempt(job, printer)
        finally:
            self._sending.discard(job.id)

    async def _attempt(self, job: Any, printer: Any) -> bool:
        started = await self.node.writer.submit(
            lambda tx: service.mark_sending(tx, job.id, printer.id)
        )
        if started is None:
            return True
        # Left "sending" by a previous run, or an attempt that already wrote bytes: this copy
        # may be a duplicate, so it says so.
        maybe_dup = started.status == "sending" or started.maybe_printed
        doc = dict(started.document)
        if maybe_dup:
            doc["reprint"] = True
        if started.rerouted_from:
            doc["rerouted_from"] = await asyncio.to_thread(self._names, started.rerouted_from)
        s = self.settings
        try:
            data = render.render(
                started.kind, doc, paper_width=printer.paper_width, timezone=s.timezone
            )
        except (render.RenderError, TypeError, ValueError, KeyError) as exc:
            await self._failed(started, printer, f"cannot render: {exc}", False, final=True)
            return True
        async with self._lock(printer.id):
            try:
                size = await client.send(
                    printer.host,
                    printer.port,
                    data,
                    connect_timeout=s.printer_connect_timeout_s,
                    write_timeout=s.printer_write_timeout_s,
                )
            except client.PrinterError as exc:
                self._observe(printer.id, "offline" if not exc.bytes_sent else "fault", str(exc))
                await self._failed(started, printer, str(exc), exc.bytes_sent)
                return False
        await self.node.writer.submit(lambda tx: service.mark_printed(tx, job.id, printer.id, size))
        self.printed += 1
        h = self._observe(printer.id, "online", None)
        h.last_printed_at_ms = self.node.now_ms()
        log.info("printing.printed", job=job.id, printer=printer.name, kind=started.kind)
        return True

    def _names(self, printer_ids: list[str]) -> str:
        with self.node.engine.connect() as conn:
            names = dict(
                conn.execute(
                    sa.select(printers.c.id, printers.c.name).where(printers.c.id.in_(printer_ids))
                ).all()
            )
        return ", ".join(names.get(p, p) for p in printer_ids)

    async def _failed(
        self, job: Any, printer: Any, error: str, bytes_sent: bool, final: bool = False
    ) -> None:
        self.failures += 1
        s = self.settings
        attempts = job.attempts + 1  # mark_sending counted this attempt
        log.warning(
            "printing.failed", job=job.id, printer=printer.name, attempt=attempts, error=error
        )

        def record(tx: Any) -> None:
            if not final and attempts >= s.printer_reroute_after:
                target = service.fallback_printer(
                    tx.conn, tx.store_id, service.get_job(tx.conn, job.id), printer
                )
                if target is not None:
                    service.mark_failed(
                        tx,
                        job.id,
                        printer.id,
                        error,
                        bytes_sent=bytes_sent,
                        retry_in_s=0,
                        gave_up=False,
                    )
                    service.reroute(
                        tx,
                        job.id,
                        printer.id,
                        target.id,
                        f"{printer.name} failed {attempts} times: {error}",
                    )
                    log.warning(
                        "printing.rerouted", job=job.id, source=printer.name, to=target.name
                    )
                    return
            delay = min(s.printer_retry_max_s, s.printer_retry_base_s * 2 ** (attempts - 1))
            gave_up = final or attempts >= s.printer_reroute_after
            service.mark_failed(
                tx,
                job.id,
                printer.id,
                error,
                bytes_sent=bytes_sent,
                retry_in_s=3600 * 24 * 365 if final else delay,
                gave_up=gave_up,
            )

        await self.node.writer.submit(record)

    # -- health ------------------------------------------------------------------------------
    def _observe(self, printer_id: str, state: str, error: str | None) -> Health:
        h = self.health.setdefault(printer_id, Health())
        h.state, h.checked_at_ms = state, self.node.now_ms()
        if state == "online":  # it printed or answered: whatever it said before is over
            h.reason = None
        if error:
            h.last_error = error
        return h

    async def _probe_loop(self) -> None:
        while True:
            try:
                await self.probe_all()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("printing.probe_failed", error=str(exc))
            await self.node.clock.sleep(self.settings.printer_probe_interval_s)  # a test steps it

    async def probe_all(self) -> None:
        """Check every enabled printer now (in parallel), skipping one that is printing."""
        rows = await asyncio.to_thread(self._enabled_printers)
        await asyncio.gather(*(self._probe(r) for r in rows))

    def _enabled_printers(self) -> list[Any]:
        with self.node.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(printers)
                    .where(printers.c.store_id == self.settings.store_id)
                    .where(printers.c.enabled)
                )
            )

    async def _probe(self, printer: Any) -> None:
        lock = self._lock(printer.id)
        if lock.locked():  # printing right now: the job's outcome is the health check
            return
        async with lock:
            result = await client.probe(
                printer.host,
                printer.port,
                connect_timeout=self.settings.printer_connect_timeout_s,
                answer_timeout=min(1.0, self.settings.printer_write_timeout_s),
            )
        h = self._observe(printer.id, result.state, result.error)
        h.latency_ms, h.reason = result.latency_ms, result.reason


def health_report(node: Node, worker: PrintWorker | None) -> list[dict[str, Any]]:
    """Each printer with its last check, state, last error and jobs waiting."""
    store = node.settings.store_id
    with node.engine.connect() as conn:
        rows = service.list_printers(conn, store)
        counts = service.open_counts(conn, store)
    result = []
    for p in rows:
        h = (worker.health.get(p["id"]) if worker else None) or Health()
        c = counts.get(p["id"], {})
        result.append(
            {
                "printer_id": p["id"],
                "name": p["name"],
                "host": p["host"],
                "port": p["port"],
                "kind": p["kind"],
                "station_id": p["station_id"],
                "enabled": p["enabled"],
                "state": h.state if p["enabled"] else "disabled",
                "online": h.state == "online",
                "checked_at_ms": h.checked_at_ms,
                "latency_ms": h.latency_ms,
                "last_error": h.last_error,
                "reason": h.reason,
                "backup_printer_id": p.get("backup_printer_id"),
                "last_printed_at_ms": h.last_printed_at_ms,
                "queued": c.get("queued", 0) + c.get("sending", 0),
                "failed": c.get("failed", 0),
            }
        )
    return result
