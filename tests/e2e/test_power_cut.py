"""Power cuts, not just kills: the store node's database sits on a file system that loses every
write not yet fsynced (and sometimes tears the last one) when the power goes. After each cut
every acknowledged order and payment is there, the database is whole, and the node starts by
itself. `make powercut` (and `make chaos`) runs the same harness 60 times.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from hearth.testing.powercut_fs import PowerCutDisk, run_power_cut_suite

pytestmark = pytest.mark.slow


def _rows(db: Path) -> list[int]:
    with closing(sqlite3.connect(db)) as conn:  # closed: an open file holds the mount
        return [r[0] for r in conn.execute("SELECT x FROM t ORDER BY x")]


@pytest.mark.parametrize("synchronous", ["FULL", "OFF"])
def test_the_disk_loses_what_was_not_synced_and_keeps_what_was(
    tmp_path: Path, synchronous: str
) -> None:
    """The tool itself: SQLite's commits survive a cut when it fsyncs (FULL) and are lost when
    it does not (OFF), so a clean power-cut run means something."""
    disk = PowerCutDisk(tmp_path / "disk", tmp_path / "mnt")
    disk.mount_fs()
    try:
        db = disk.mount / "t.db"
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x INTEGER)")
        disk.sync()  # the table itself reaches the disk either way
        conn.execute(f"PRAGMA synchronous={synchronous}")
        for x in range(20):
            conn.execute("INSERT INTO t VALUES (?)", (x,))
        assert len(_rows(db)) == 20  # a second connection sees them through the overlay
        lost = disk.stats()["dirty_pages"]
        disk.cut("tear", seed=1)  # with the connection open: closing it would checkpoint
        conn.close()
        disk.unmount()
        disk.mount_fs()
        with closing(sqlite3.connect(db)) as check:
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        if synchronous == "FULL":
            assert lost == 0 and _rows(db) == list(range(20))
        else:
            assert lost > 0 and _rows(db) == []
    finally:
        disk.unmount()


def test_every_acknowledged_order_and_payment_survives_power_cuts(tmp_path: Path) -> None:
    report = run_power_cut_suite(tmp_path, cuts=3, clients=4)
    assert report.cuts == 3 and report.modes == {"scatter": 1, "drop": 1, "tear": 1}, report
    assert report.orders_acknowledged > 30, "the tills should have had orders acknowledged"
    assert report.payments_acknowledged > 0, report
    assert not report.restart_failures, report
    assert not report.integrity_failures, report
    assert report.lost_orders == 0 and report.duplicate_orders == 0, report
    assert report.lost_payments == 0 and report.duplicate_payments == 0, report
    assert report.seq_gaps == 0, report
    assert report.clean
