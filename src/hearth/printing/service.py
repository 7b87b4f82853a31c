"""Printing use cases: configure printers, queue print jobs, record what the printer did.

A print job is queued by a journal event in the caller's own transaction (a ticket sent to the
kitchen and its paper copy commit together or not at all). The worker (worker.py) then sends it
and records the outcome as events too, so the queue survives a restart and a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.errors import not_found
from hearth.core.ids import new_id
from hearth.core.writer import Tx
from hearth.kitchen.tables import stations
from hearth.ordering import service as ordering
from hearth.ordering.tables import dining_tables
from hearth.payments.service import payments_for_receipt
from hearth.printing import render
from hearth.printing.errors import PrintingError
from hearth.printing.projections import PRINTER_FIELDS
from hearth.printing.tables import print_jobs, printers

KINDS = ("kitchen", "receipt")
JOB_KINDS = ("kitchen", "receipt", "test")
PAPER_WIDTHS = (58, 80)
OPEN_STATUSES = ("queued", "sending", "failed")


# -- printers -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PrinterSpec:
    name: str
    host: str
    port: int = 9100
    kind: str = "kitchen"
    station_id: str | None = None
    backup_printer_id: str | None = None
    paper_width: int = 80
    enabled: bool = True


def _printer_row(conn: Connection, store_id: str, printer_id: str) -> Any:
    return conn.execute(
        sa.select(printers)
        .where(printers.c.id == printer_id)
        .where(printers.c.store_id == store_id)
    ).first()


def _check(tx: Tx, spec: dict[str, Any], printer_id: str | None) -> None:
    """Refuse a printer configuration that could not work, before anything is written."""
    if not 1 <= len(spec["name"]) <= 80:
        raise PrintingError.PRINTER_NAME_INVALID.problem(
            "A printer needs a name of 1 to 80 characters.", field="name"
        )
    if not 1 <= len(spec["host"]) <= 255 or any(c.isspace() for c in spec["host"]):
        raise PrintingError.PRINTER_HOST_INVALID.problem(
            "Give the printer's IP address or host name.", field="host"
        )
    if not 1 <= int(spec["port"]) <= 65535:
        raise PrintingError.PRINTER_PORT_INVALID.problem(
            f"Port {spec['port']} is not 1-65535 (network printers use 9100).", field="port"
        )
    if spec["kind"] not in KINDS:
        raise PrintingError.PRINTER_KIND_INVALID.problem(
            "kind must be kitchen or receipt.", field="kind"
        )
    if spec["paper_width"] not in PAPER_WIDTHS:
        raise PrintingError.PAPER_WIDTH_INVALID.problem(
            "paper_width must be 58 or 80.", field="paper_width"
        )
    if (
        spec.get("station_id")
        and tx.conn.execute(
            sa.select(stations.c.id)
            .where(stations.c.id == spec["station_id"])
            .where(stations.c.store_id == tx.store_id)
        ).first()
        is None
    ):
        raise PrintingError.STATION_UNKNOWN.problem(
            f"There is no station {spec['station_id']!r}.", field="station_id"
        )
    backup = spec.get("backup_printer_id")
    if backup:
        if backup == printer_id:
            raise PrintingError.BACKUP_IS_SELF.problem(
                "A printer cannot be its own backup.", field="backup_printer_id"
            )
        if _printer_row(tx.conn, tx.store_id, backup) is None:
            raise PrintingError.BACKUP_UNKNOWN.problem(
                f"There is no printer {backup!r}.", field="backup_printer_id"
            )
    clash = tx.conn.execute(
        sa.select(printers.c.id)
        .where(printers.c.store_id == tx.store_id)
        .where(printers.c.name == spec["name"])
    ).scalar()
    if clash is not None and clash != printer_id:
        raise PrintingError.PRINTER_NAME_TAKEN.problem(
            f"There is already a printer called {spec['name']!r}.", field="name"
        )


def add_printer(tx: Tx, spec: PrinterSpec, *, actor: str | None = None) -> str:
    """Register a network printer (kitchen or receipt)."""
    values = {k: getattr(spec, k) for k in PRINTER_FIELDS}
    _check(tx, values, None)
    pid = new_id()
    tx.append(
        f"printer:{pid}",
        "PrinterAdded",
        {"id": pid, "at_ms": tx.journal.wall_ms(), **values},
        actor,
    )
    return pid


# A field given as null: its code names the field, as it always has.
_EMPTY = {
    "name": PrintingError.PRINTER_NAME_EMPTY,
    "host": PrintingError.PRINTER_HOST_EMPTY,
    "port": PrintingError.PRINTER_PORT_EMPTY,
    "kind": PrintingError.PRINTER_KIND_EMPTY,
    "paper_width": PrintingError.PRINTER_PAPER_WIDTH_EMPTY,
    "enabled": PrintingError.PRINTER_ENABLED_EMPTY,
}


def change_printer(
    tx: Tx, printer_id: str, changes: dict[str, Any], *, actor: str | None = None
) -> None:
    """Change some of a printer's settings; only the fields given change."""
    row = _printer_row(tx.conn, tx.store_id, printer_id)
    if row is None:
        raise not_found(PrintingError.PRINTER_NOT_FOUND, printer_id)
    changes = {k: v for k, v in changes.items() if k in PRINTER_FIELDS}
    for k, v in changes.items():
        if v is None and k not in ("station_id", "backup_printer_id"):
            raise _EMPTY[k].problem(f"Leave {k} out to keep it, or give a value.", field=k, name=k)
    merged = {k: getattr(row, k) for k in PRINTER_FIELDS} | changes
    _check(tx, merged, printer_id)
    if _backup_cycle(tx.conn, tx.store_id, printer_id, merged.get("backup_printer_id")):
        raise PrintingError.BACKUP_CYCLE.problem(
            "That backup printer already falls back to this one.", field="backup_printer_id"
        )
    if changes:
        tx.append(
            f"printer:{printer_id}",
            "PrinterChanged",
            {"id": printer_id, "at_ms": tx.journal.wall_ms(), "changes": changes},
            actor,
        )


def _backup_cycle(conn: Connection, store_id: str, printer_id: str, backup: str | None) -> bool:
    seen = {printer_id}
    for _ in range(50):  # bounded: a store has far fewer printers
        if backup is None:
            return False
        if backup in seen:
            return True
        seen.add(backup)
        row = _printer_row(conn, store_id, backup)
        backup = row.backup_printer_id if row is not None else None
    return True


def list_printers(conn: Connection, store_id: str) -> list[dict[str, Any]]:
    return [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(printers).where(printers.c.store_id == store_id).order_by(printers.c.name)
        )
    ]


def get_printer(conn: Connection, store_id: str, printer_id: str) -> dict[str, Any]:
    row = _printer_row(conn, store_id, printer_id)
    if row is None:
        raise not_found(PrintingError.PRINTER_NOT_FOUND, printer_id)
    return dict(row._mapping)


def receipt_printer(conn: Connection, store_id: str) -> Any:
    """The store's receipt printer: the first enabled one by name."""
    return conn.execute(
        sa.select(printers)
        .where(printers.c.store_id == store_id)
        .where(printers.c.kind == "receipt")
        .where(printers.c.enabled)
        .order_by(printers.c.name)
        .limit(1)
    ).first()


def station_printer(conn: Connection, store_id: str, station_id: str) -> Any:
    return conn.execute(
        sa.select(printers)
        .where(printers.c.store_id == store_id)
        .where(printers.c.station_id == station_id)
        .where(printers.c.kind == "kitchen")
        .where(printers.c.enabled)
        .order_by(printers.c.name)
        .limit(1)
    ).first()


# -- jobs ---------------------------------------------------------------------------------------
def _target(tx: Tx, station_id: str | None, printer_id: str | None) -> Any:
    if printer_id is not None:
        row = _printer_row(tx.conn, tx.store_id, printer_id)
        if row is None:
            raise PrintingError.PRINTER_UNKNOWN.problem(
                f"There is no printer {printer_id!r} in this store.", field="printer_id"
            )
        return row
    if station_id is not None:
        row = station_printer(tx.conn, tx.store_id, station_id)
        if row is not None:
            return row
    row = receipt_printer(tx.conn, tx.store_id)
    if row is None:
        where = f"station {station_id!r} or " if station_id else ""
        raise PrintingError.PRINTER_NONE.problem(
            f"There is no enabled printer for {where}the receipts; add one under printers.",
            field="printer_id",
        )
    return row


def enqueue(
    tx: Tx,
    *,
    station_id: str | None = None,
    printer_id: str | None = None,
    kind: str,
    document: dict[str, Any],
    dedupe_key: str,
    actor: str | None = None,
) -> str | None:
    """Queue one print job in the caller's transaction; the job id, or None if already queued.

    ``station_id`` picks the station's kitchen printer (or the receipt printer when the station
    has none); ``printer_id`` picks one directly; neither picks the receipt printer. The same
    ``dedupe_key`` never prints twice. The document is rendered once here so a job that could
    never print is refused now (Problem 422) rather than failing at the printer later.
    Raises Problem 409 ``printer-none`` when the store has no printer to use; nothing is
    written then, so a caller may catch it and carry on.
    """
    if kind not in JOB_KINDS:
        raise PrintingError.PRINT_KIND_INVALID.problem(
            f"kind must be kitchen or receipt, not {kind!r}.", field="kind"
        )
    if not 1 <= len(dedupe_key) <= 200:
        raise PrintingError.DEDUPE_KEY_INVALID.problem(
            "dedupe_key must be 1-200 characters.", field="dedupe_key"
        )
    exists = tx.conn.execute(
        sa.select(print_jobs.c.id)
        .where(print_jobs.c.store_id == tx.store_id)
        .where(print_jobs.c.dedupe_key == dedupe_key)
    ).first()
    if exists is not None:
        return None
    target = _target(tx, station_id, printer_id)
    try:
        render.render(kind, document, paper_width=target.paper_width)
    except (render.RenderError, TypeError, ValueError, KeyError) as exc:
        raise PrintingError.PRINT_DOCUMENT_INVALID.problem(
            f"The {kind} document is not printable: {exc}", field="document"
        ) from exc
    job_id = new_id()
    tx.append(
        f"print-job:{job_id}",
        "PrintJobQueued",
        {
            "id": job_id,
            "printer_id": target.id,
            "station_id": station_id,
            "kind": kind,
            "document": document,
            "dedupe_key": dedupe_key,
            "at_ms": tx.journal.wall_ms(),
        },
        actor,
    )
    return job_id


def job_exists(conn: Connection, store_id: str, dedupe_prefix: str) -> bool:
    return (
        conn.execute(
            sa.select(print_jobs.c.id)
            .where(print_jobs.c.store_id == store_id)
            .where(print_jobs.c.dedupe_key.startswith(dedupe_prefix))
            .limit(1)
        ).first()
        is not None
    )


def list_jobs(
    conn: Connection, store_id: str, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Jobs for staff to see; by default the ones not printed yet, oldest first."""
    q = (
        sa.select(print_jobs, printers.c.name.label("printer_name"))
        .join(printers, printers.c.id == print_jobs.c.printer_id, isouter=True)
        .where(print_jobs.c.store_id == store_id)
    )
    if status is None:
        q = q.where(print_jobs.c.status.in_(OPEN_STATUSES))
    else:
        q = q.where(print_jobs.c.status == status)
    rows = conn.execute(q.order_by(print_jobs.c.created_at_ms, print_jobs.c.id).limit(limit))
    return [_job_json(r) for r in rows]


def _job_json(r: Any) -> dict[str, Any]:
    m = dict(r._mapping)
    return {
        k: m[k]
        for k in (
            "id",
            "printer_id",
            "printer_name",
            "first_printer_id",
            "station_id",
            "kind",
            "dedupe_key",
            "status",
            "attempts",
            "total_attempts",
            "maybe_printed",
            "last_error",
            "next_attempt_at_ms",
            "rerouted_from",
            "created_at_ms",
            "printed_at_ms",
        )
    } | {"order_number": (m["document"] or {}).get("order_number")}


def get_job(conn: Connection, job_id: str) -> Any:
    return conn.execute(sa.select(print_jobs).where(print_jobs.c.id == job_id)).first()


def open_counts(conn: Connection, store_id: str) -> dict[str, dict[str, int]]:
    """printer id -> {status: count} for jobs not printed yet."""
    result: dict[str, dict[str, int]] = {}
    for pid, status, n in conn.execute(
        sa.select(print_jobs.c.printer_id, print_jobs.c.status, sa.func.count())
        .where(print_jobs.c.store_id == store_id)
        .where(print_jobs.c.status.in_(OPEN_STATUSES))
        .group_by(print_jobs.c.printer_id, print_jobs.c.status)
    ):
        result.setdefault(pid, {})[status] = int(n)
    return result


# -- what the worker records --------------------------------------------------------------------
def mark_sending(tx: Tx, job_id: str, printer_id: str) -> Any:
    """Record that an attempt starts; the job row as it was, or None if no longer due.

    This event is what makes a restart honest: a job left ``sending`` was perhaps printed, and
    its next copy says so (the one accepted duplicate).
    """
    job = get_job(tx.conn, job_id)
    if job is None or job.status == "printed" or job.printer_id != printer_id:
        return None
    tx.append(
        f"print-job:{job_id}",
        "PrintJobSending",
        {
            "id": job_id,
            "printer_id": printer_id,
            "attempt": job.total_attempts + 1,
            "at_ms": tx.journal.wall_ms(),
        },
    )
    return job


def mark_printed(tx: Tx, job_id: str, printer_id: str, size: int) -> None:
    tx.append(
        f"print-job:{job_id}",
        "PrintJobPrinted",
        {"id": job_id, "printer_id": printer_id, "bytes": size, "at_ms": tx.journal.wall_ms()},
    )


def mark_failed(
    tx: Tx,
    job_id: str,
    printer_id: str,
    error: str,
    *,
    bytes_sent: bool,
    retry_in_s: float,
    gave_up: bool,
) -> None:
    now = tx.journal.wall_ms()
    tx.append(
        f"print-job:{job_id}",
        "PrintJobFailed",
        {
            "id": job_id,
            "printer_id": printer_id,
            "error": error[:300],
            "bytes_sent": bytes_sent,
            "gave_up": gave_up,
            "next_attempt_at_ms": now + int(retry_in_s * 1000),
            "at_ms": now,
        },
    )


def reroute(tx: Tx, job_id: str, from_printer_id: str, to_printer_id: str, reason: str) -> None:
    tx.append(
        f"print-job:{job_id}",
        "PrintJobRerouted",
        {
            "id": job_id,
            "from_printer_id": from_printer_id,
            "to_printer_id": to_printer_id,
            "reason": reason[:300],
            "at_ms": tx.journal.wall_ms(),
        },
    )


def fallback_printer(conn: Connection, store_id: str, job: Any, printer: Any) -> Any:
    """Where a job goes when its printer keeps failing: the printer's backup, else (kitchen
    tickets) the receipt printer; never one it already gave up on. None if nowhere."""
    tried = {*job.rerouted_from, printer.id}
    if printer.backup_printer_id and printer.backup_printer_id not in tried:
        backup = _printer_row(conn, store_id, printer.backup_printer_id)
        if backup is not None and backup.enabled:
            return backup
    if job.kind == "kitchen":
        rp = receipt_printer(conn, store_id)
        if rp is not None and rp.id not in tried:
            return rp
    return None


# -- customer receipts --------------------------------------------------------------------------
def receipt_document(
    conn: Connection, store_id: str, order_id: str, *, header: str = "Hearth", now_ms: int
) -> dict[str, Any]:
    """The receipt of an order as the ordering projection and the payments show it now."""

    order = ordering.order_json(ordering.get_order(conn, store_id, order_id))
    where = order["channel"]
    if order["table_id"]:
        code = conn.execute(
            sa.select(dining_tables.c.code).where(dining_tables.c.id == order["table_id"])
        ).scalar()
        where = f"桌 {code}" if code else where
    lines = []
    for ln in order["lines"]:
        if ln["state"] == "voided":
            continue
        lines.append(
            {
                "name_zh": ln["name_zh"],
                "name_en": ln["name_en"],
                "quantity": ln["quantity"],
                "spec": ln.get("spec_name_zh"),
                "line_total": ln["line_total"],
                "modifiers": [m.get("name_zh") or m.get("name_en", "") for m in ln["modifiers"]],
            }
        )
    return {
        "order_id": order_id,
        "order_number": order["number"],
        "where": where,
        "header": header,
        "guests": order["guests"],
        "opened_at_ms": order["opened_at_ms"],
        "printed_at_ms": now_ms,
        "currency": order["currency"],
        "lines": lines,
        "totals": order["totals"],
        "payments": payments_of(conn, store_id, order_id),
    }


def payments_of(conn: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    """The order's payments, as the receipt shows them."""
    return [
        {k: p.get(k) for k in ("tender", "provider", "amount", "tip", "change_due", "status")}
        for p in payments_for_receipt(conn, store_id, order_id)
    ]


def print_receipt(
    tx: Tx,
    order_id: str,
    *,
    printer_id: str | None,
    request_key: str,
    header: str,
    actor: str | None,
) -> dict[str, Any]:
    """Queue a customer receipt for an order; a second one for the same order says REPRINT."""
    doc = receipt_document(
        tx.conn, tx.store_id, order_id, header=header, now_ms=tx.journal.wall_ms()
    )
    reprint = job_exists(tx.conn, tx.store_id, f"receipt:{order_id}:")
    doc["reprint"] = reprint
    job_id = enqueue(
        tx,
        printer_id=printer_id,
        kind="receipt",
        document=doc,
        dedupe_key=f"receipt:{order_id}:{request_key}"[:200],
        actor=actor,
    )
    job = get_job(tx.conn, job_id) if job_id else None
    return {
        "job_id": job_id,
        "order_id": order_id,
        "reprint": reprint,
        "printer_id": job.printer_id if job else None,
        "total": doc["totals"]["total"],
    }


def reprint_job(
    tx: Tx, job_id: str, *, printer_id: str | None, request_key: str, actor: str | None
) -> dict[str, Any]:
    """Print another copy of an earlier job (a lost ticket, a smudged receipt), marked as a
    reprint, on the same printer or the one chosen."""
    job = get_job(tx.conn, job_id)
    if job is None or job.store_id != tx.store_id:
        raise not_found(PrintingError.PRINT_JOB_NOT_FOUND, job_id)
    doc = dict(job.document)
    if job.kind == "kitchen":
        doc["kind"] = "reprint"
    else:
        doc["reprint"] = True
    new = enqueue(
        tx,
        printer_id=printer_id or job.printer_id,
        kind=job.kind,
        document=doc,
        dedupe_key=f"reprint:{job_id}:{request_key}"[:200],
        actor=actor,
    )
    row = get_job(tx.conn, new) if new else None
    return {"job_id": new, "reprint_of": job_id, "printer_id": row.printer_id if row else None}


def print_test_page(
    tx: Tx, printer_id: str, *, request_key: str, actor: str | None
) -> dict[str, Any]:
    row = _printer_row(tx.conn, tx.store_id, printer_id)
    if row is None:
        raise not_found(PrintingError.PRINTER_NOT_FOUND, printer_id)
    doc = {
        "printer_name": row.name,
        "address": f"{row.host}:{row.port}",
        "at_ms": tx.journal.wall_ms(),
    }
    job_id = enqueue(
        tx,
        printer_id=printer_id,
        kind="test",
        document=doc,
        dedupe_key=f"test:{printer_id}:{request_key}"[:200],
        actor=actor,
    )
    return {"job_id": job_id, "printer_id": printer_id}
