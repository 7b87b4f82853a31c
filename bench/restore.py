"""Restore time for a store of a given size (issue 14 item 4: "measure restore time for a 2 GB
store").

A store database is built for real (the demo restaurant, orders placed through the writer),
then grown to the target size by cloning its journal rows in bulk with fresh event ids, seqs
and streams (the journal is what grows in a store that runs for years). The benchmark then
takes an online backup with ``hearth.backup.service.take_backup`` (copy, integrity_check,
totals against the live store, digest, manifest) and restores it with
``hearth.backup.service.restore`` (check the backup's file digest and integrity, copy it over
the store database, migrate) as ``hearth restore`` does, timing each phase, and prints seconds
and MB/s, with a linear extrapolation to 2 GB. There is no target: it reports.

    python -m bench.restore [--size-mb 200] [--orders 500] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sqlite3
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from hearth.backup import service as backups
from hearth.bootstrap import build_node, projectors
from hearth.core.config import Settings
from hearth.core.writer import Command
from hearth.ordering.service import Channel, Context, LineInput, place_order
from hearth.testing.builders import a_small_restaurant, fast_settings

console = Console()
MB = 1024 * 1024


def build_store(settings: Settings, orders: int) -> None:
    """The demo restaurant and ``orders`` real takeaway orders, through the node's writer."""
    node = build_node(settings)
    ids = a_small_restaurant(node)
    items = list(ids.items.values())
    for start in range(0, orders, 100):
        ctx = Context(None, node.clock.now_ms(), node.settings.timezone)
        batch: list[Command[Any]] = [
            partial(
                place_order,
                ctx=ctx,
                channel=Channel.TAKEAWAY,
                table_id=None,
                lines=[LineInput(items[i % len(items)])],
            )
            for i in range(start, min(orders, start + 100))
        ]
        node.writer.run_batch(batch)
    node.close()


def size_of(path: Path) -> int:
    return path.stat().st_size + sum(p.stat().st_size for p in (Path(f"{path}-wal"),) if p.exists())


def grow(path: Path, target: int) -> int:
    """Clone the journal in bulk until the file reaches ``target`` bytes; the events."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    round_ = 0
    while size_of(path) < target:
        round_ += 1
        top = conn.execute("SELECT MAX(seq) FROM journal").fetchone()[0]
        take = min(top, 200_000)
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO journal (seq, event_id, store_id, device_id, stream, stream_version,"
            " type, payload, hlc, actor, recorded_at_ms) "
            "SELECT ? + ROW_NUMBER() OVER (ORDER BY seq), lower(hex(randomblob(16))), store_id,"
            " device_id, stream || '~' || ?, stream_version, type, payload, hlc, actor,"
            " recorded_at_ms FROM journal WHERE seq > ? - ? ORDER BY seq",
            (top, f"{round_}", top, take),
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    top = conn.execute("SELECT MAX(seq) FROM journal").fetchone()[0]
    conn.close()
    return int(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size-mb",
        type=int,
        default=200,
        help="the store database's size to build (2048 for the issue's 2 GB)",
    )
    parser.add_argument("--orders", type=int, default=500, help="real orders placed first")
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="build in this folder and keep it (default: a temporary folder, removed)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hearth-restore-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "store.db"
        settings = fast_settings(
            f"sqlite:///{db}", backup_dir=str(folder / "backups"), backup_interval_s=0
        )
        t0 = time.perf_counter()
        build_store(settings, args.orders)
        events = grow(db, args.size_mb * MB)
        built_s = time.perf_counter() - t0
        size = size_of(db)
        console.print(f"Built a store of {size / MB:.0f} MB, {events:,} events, in {built_s:.1f} s")

        t0 = time.perf_counter()
        manifest = backups.take_backup(settings, int(time.time() * 1000))
        backup_s = time.perf_counter() - t0
        assert manifest.verified, manifest.problems

        phases: dict[str, float] = {}
        started = time.perf_counter()

        def progress(what: str, done: int, total: int) -> None:
            phases.setdefault(what, time.perf_counter())

        report = asyncio.run(backups.restore(settings, projectors(), progress=progress))
        restore_s = time.perf_counter() - started
        assert report.journal_top == manifest.journal_top

    marks = [*sorted(phases.items(), key=lambda kv: kv[1]), ("end", started + restore_s)]
    table = Table(title=f"Backup and restore of a {size / MB:.0f} MB store")
    for col in ("step", "seconds", "MB/s", "2 GB (linear)"):
        table.add_column(col, justify="left" if col == "step" else "right")

    def row(name: str, seconds: float) -> None:
        table.add_row(
            name,
            f"{seconds:.2f}",
            f"{size / MB / seconds:.0f}" if seconds else "-",
            f"{seconds * 2048 * MB / size:.1f} s",
        )

    row("backup (online copy + verify + digest)", backup_s)
    for (name, at), (_next, until) in itertools.pairwise(marks):
        row(f"  restore: {name}", until - at)
    row("restore, total (hearth restore)", restore_s)
    console.print(table)
    console.print(
        f"Restore: {restore_s:.1f} s at {size / MB / restore_s:.0f} MB/s; a 2 GB "
        f"store, linearly: {restore_s * 2048 * MB / size:.0f} s (no target set: "
        f"reported only)."
    )


if __name__ == "__main__":
    main()
