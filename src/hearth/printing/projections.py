"""Printing projectors: the only code that writes the printers and print_jobs tables.

Every time in a payload was decided by the service or worker, never read here, so a rebuild
reproduces the tables exactly.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.journal import Event, ProjectorRegistry
from hearth.printing import tables as t

PRINTER_FIELDS = (
    "name",
    "host",
    "port",
    "kind",
    "station_id",
    "backup_printer_id",
    "paper_width",
    "enabled",
)

projectors = ProjectorRegistry()


@projectors.on("PrinterAdded")
def _added(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        t.printers.insert().values(
            id=p["id"],
            store_id=ev.store_id,
            created_at_ms=p["at_ms"],
            updated_at_ms=p["at_ms"],
            **{k: p[k] for k in PRINTER_FIELDS},
        )
    )


@projectors.on("PrinterChanged")
def _changed(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        t.printers.update()
        .where(t.printers.c.id == p["id"])
        .values(
            updated_at_ms=p["at_ms"],
            **{k: v for k, v in p["changes"].items() if k in PRINTER_FIELDS},
        )
    )


@projectors.on("PrintJobQueued")
def _queued(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        t.print_jobs.insert().values(
            id=p["id"],
            store_id=ev.store_id,
            printer_id=p["printer_id"],
            first_printer_id=p["printer_id"],
            station_id=p.get("station_id"),
            kind=p["kind"],
            document=p["document"],
            dedupe_key=p["dedupe_key"],
            status="queued",
            attempts=0,
            total_attempts=0,
            maybe_printed=False,
            last_error=None,
            next_attempt_at_ms=p["at_ms"],
            rerouted_from=[],
            actor=ev.actor,
            created_at_ms=p["at_ms"],
            printed_at_ms=None,
        )
    )


def _job(conn: Connection, job_id: str) -> sa.Row[tuple[object, ...]] | None:
    return conn.execute(sa.select(t.print_jobs).where(t.print_jobs.c.id == job_id)).first()


@projectors.on("PrintJobSending")
def _sending(conn: Connection, ev: Event) -> None:
    p = ev.payload
    job = _job(conn, p["id"])
    if job is None:
        return
    conn.execute(
        t.print_jobs.update()
        .where(t.print_jobs.c.id == p["id"])
        .values(status="sending", attempts=job.attempts + 1, total_attempts=job.total_attempts + 1)
    )


@projectors.on("PrintJobPrinted")
def _printed(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        t.print_jobs.update()
        .where(t.print_jobs.c.id == p["id"])
        .values(status="printed", printed_at_ms=p["at_ms"], last_error=None)
    )


@projectors.on("PrintJobFailed")
def _failed(conn: Connection, ev: Event) -> None:
    p = ev.payload
    values: dict[str, object] = {
        "status": "failed" if p["gave_up"] else "queued",
        "last_error": p["error"][:300],
        "next_attempt_at_ms": p["next_attempt_at_ms"],
    }
    if p.get("bytes_sent"):
        values["maybe_printed"] = True
    conn.execute(t.print_jobs.update().where(t.print_jobs.c.id == p["id"]).values(**values))


@projectors.on("PrintJobRerouted")
def _rerouted(conn: Connection, ev: Event) -> None:
    p = ev.payload
    job = _job(conn, p["id"])
    if job is None:
        return
    conn.execute(
        t.print_jobs.update()
        .where(t.print_jobs.c.id == p["id"])
        .values(
            printer_id=p["to_printer_id"],
            attempts=0,
            status="queued",
            next_attempt_at_ms=p["at_ms"],
            rerouted_from=[*job.rerouted_from, p["from_printer_id"]],
        )
    )


projectors.owns(t.printers, t.print_jobs)
