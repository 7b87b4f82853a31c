"""Printer tables: the store's network printers and the print jobs queued for them.

Both are projections of the journal (see projections.py), so `hearth rebuild` reproduces them
and a job queued before a crash is still there after it. Live health (online, slow, offline)
is an observation, not state, and lives in memory (see worker.py).
"""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

printers = sa.Table(
    "printers",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("port", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # kitchen | receipt
    sa.Column("station_id", sa.String(36), nullable=True),
    sa.Column("backup_printer_id", sa.String(36), nullable=True),
    sa.Column("paper_width", sa.Integer, nullable=False),  # 58 or 80 (mm)
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("created_at_ms", sa.BigInteger, nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("store_id", "name", name="uq_printer_name"),
)
sa.Index("ix_printers_station", printers.c.station_id)

print_jobs = sa.Table(
    "print_jobs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("printer_id", sa.String(36), nullable=False),  # where it goes now
    sa.Column("first_printer_id", sa.String(36), nullable=False),  # where it was meant to go
    sa.Column("station_id", sa.String(36), nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),  # kitchen | receipt | test
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("dedupe_key", sa.String(200), nullable=False),
    # queued -> sending -> printed; a failed attempt goes back to queued, or to failed once
    # the retries on every printer it may use are spent (it is still retried, more slowly).
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),  # on the current printer
    sa.Column("total_attempts", sa.Integer, nullable=False),
    # An attempt wrote bytes that may have come out of a printer: the next copy says "reprint".
    sa.Column("maybe_printed", sa.Boolean, nullable=False),
    sa.Column("last_error", sa.String(300), nullable=True),
    sa.Column("next_attempt_at_ms", sa.BigInteger, nullable=False),
    sa.Column("rerouted_from", sa.JSON, nullable=False),  # printer ids already given up on
    sa.Column("actor", sa.String(36), nullable=True),
    sa.Column("created_at_ms", sa.BigInteger, nullable=False),
    sa.Column("printed_at_ms", sa.BigInteger, nullable=True),
    sa.UniqueConstraint("store_id", "dedupe_key", name="uq_print_job_dedupe"),
)
sa.Index("ix_print_jobs_status", print_jobs.c.status, print_jobs.c.next_attempt_at_ms)
sa.Index("ix_print_jobs_printer", print_jobs.c.printer_id)
