"""Backups taken on a live store, verified, rotated on the node's clock, and restored with one
command (refusing to lose what HQ does not hold, and bringing back what HQ does)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hearth.backup import domain
from hearth.backup import service as backups
from hearth.backup.lifecycle import BackupRunner
from hearth.bootstrap import build_node
from hearth.cli import app as cli
from hearth.core.clock import ManualClock
from hearth.core.node import Node
from hearth.testing.builders import a_small_restaurant, fast_settings
from tests.integration.test_sync_hq import Hq, enrol, hq, take_orders, top_and_digest

__all__ = ["hq"]  # the in-process HQ fixture, as test_sync_hq runs it

HOUR = domain.HOUR_MS


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The in-process HQ beside a SQLite store (HQ's own file is hq.db)."""
    return sqlite_url


def live_path(node: Node) -> Path:
    path = node.settings.sqlite_path()
    assert path is not None
    return path


def live_totals(node: Node, top: int) -> backups.Totals:
    with sqlite3.connect(live_path(node)) as conn:
        return backups.totals_at(conn, top)


def restore(node: Node, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["restore", "--db", node.settings.db_url, *args])
    result.said = " ".join(result.output.split())  # type: ignore[attr-defined]  # unwrapped
    return result


def journal_top(node: Node) -> int:
    with sqlite3.connect(live_path(node)) as conn:
        return backups.journal_top_of(conn)


def test_a_backup_taken_while_orders_are_paid_verifies_and_matches_the_store_at_its_top(api):
    node = api.node
    waiter, cashier = api.login("W01"), api.login("C01")
    assert api.post("/api/shifts/open", {"float": 50000}, cashier).status_code in (200, 201)
    stop = threading.Event()
    paid: list[int] = []
    errors: list[str] = []

    def till() -> None:
        while not stop.is_set():
            r = api.post(
                "/api/orders",
                {
                    "channel": "takeaway",
                    "submit": True,
                    "lines": [{"item_id": api.ids.items["rice"]}],
                },
                waiter,
            )
            if r.status_code != 201:
                errors.append(r.text)
                return
            order = r.json()
            total = order["totals"]["total"]
            p = api.post(
                f"/api/orders/{order['id']}/payments",
                {"tender": "cash", "amount": total, "tendered": total},
                cashier,
            )
            if p.status_code not in (200, 201):
                errors.append(p.text)
                return
            paid.append(total)

    thread = threading.Thread(target=till)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while len(paid) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        manifest = backups.take_backup(node.settings, node.clock.now_ms())
        at_backup = len(paid)
        deadline = time.monotonic() + 20
        while len(paid) < at_backup + 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(20)
    assert not errors, errors
    assert manifest.verified, manifest.problems
    top = manifest.journal_top
    assert journal_top(node) > top  # the till kept ordering during and after the backup
    live = live_totals(node, top)
    assert manifest.totals == {
        "journal_top": top,
        "journal_count": top,
        "orders": live.orders,
        "paid_total": live.paid_total,
    }
    assert live.orders >= 5 and live.paid_total >= 5 * min(paid)
    assert manifest.digest is not None and len(manifest.digest) == 64
    folder = backups.backup_dir(node.settings)
    assert (folder / manifest.file).is_file()
    assert backups.list_backups(folder)[0].file == manifest.file


def test_the_owner_backs_up_from_the_api_and_lists_backups(api):
    owner, manager = api.login("O01"), api.login("M01")
    assert api.post("/api/backup/now", {}, manager).status_code == 403
    r = api.post("/api/backup/now", {}, owner, key="press-1")
    assert r.status_code == 200, r.text
    again = api.post("/api/backup/now", {}, owner, key="press-1")
    assert again.json()["file"] == r.json()["file"]  # a retried press takes no second copy
    listed = api.client.get("/api/backup", headers=manager).json()
    assert [b["file"] for b in listed["backups"]] == [r.json()["file"]]
    assert listed["backups"][0]["verified"] is True and listed["backups"][0]["age_s"] >= 0


def flip_bytes(path: Path) -> None:
    """Garbage over the start of every page past the first: the b-tree headers."""
    data = bytearray(path.read_bytes())
    for page in range(4096, len(data), 4096):
        data[page : page + 16] = bytes(b ^ 0xFF for b in data[page : page + 16])
    path.write_bytes(bytes(data))


def test_a_damaged_backup_fails_its_check_and_is_never_restored(node, restaurant):
    take_orders(node, restaurant, 5)
    first = backups.take_backup(node.settings, node.clock.now_ms())
    take_orders(node, restaurant, 5)
    second = backups.take_backup(node.settings, node.clock.now_ms() + HOUR)
    folder = backups.backup_dir(node.settings)
    flip_bytes(folder / second.file)
    assert backups.check_file(folder / second.file)  # integrity_check names the damage
    again = backups.verify(live_path(node), folder / second.file, "store-001", 0)
    assert not again.verified
    chosen, skipped = backups.pick(folder, None)
    assert chosen is not None and chosen.file == first.file and skipped == [second.file]
    node.close()
    result = restore(node, "--force")
    assert result.exit_code == 0, result.output
    assert "Skipped" in result.said and first.file in result.said
    assert journal_top(node) == first.journal_top


def test_restore_refuses_to_lose_events_hq_lacks_and_with_force_warns_and_restores(
    node, restaurant
):
    take_orders(node, restaurant, 3)
    taken = backups.take_backup(node.settings, node.clock.now_ms())
    take_orders(node, restaurant, 4)  # 8 events only the live store holds
    top = journal_top(node)
    busy = restore(node)
    # the node still has the database open
    assert busy.exit_code == 1 and "open in another process" in busy.said
    node.close()
    refused = restore(node)
    assert refused.exit_code == 1, refused.output
    assert f"seq {taken.journal_top + 1}..{top}" in refused.said
    assert "--force" in refused.said
    assert journal_top(node) == top  # nothing was touched
    forced = restore(node, "--force")
    assert forced.exit_code == 0, forced.output
    assert "Warning" in forced.said and f"{top - taken.journal_top} event(s)" in forced.said
    assert journal_top(node) == taken.journal_top
    reopened = build_node(node.settings)
    try:
        assert reopened.writer.journal.next_seq == taken.journal_top + 1
    finally:
        reopened.close()


def test_hourly_backups_rotate_to_a_day_of_hours_and_a_day_each_before(tmp_path):
    clock = ManualClock()
    node = build_node(
        fast_settings(f"sqlite:///{tmp_path}/store.db", backup_interval_s=3600.0), clock=clock
    )
    a_small_restaurant(node)
    runner = node.parts.get(BackupRunner)

    async def three_days() -> None:
        async def until(check: Any) -> None:
            deadline = time.monotonic() + 20
            while not check():
                assert time.monotonic() < deadline, "timed out"
                await asyncio.sleep(0.005)

        await runner.start()
        try:
            for hour in range(1, 73):
                await until(lambda: clock.sleepers == 1)  # the backup loop is parked
                clock.advance(HOUR)
                await until(lambda h=hour: runner.taken == h)
        finally:
            await runner.stop()

    try:
        asyncio.run(three_days())
    finally:
        node.close()
    start = ManualClock().now_ms()
    kept = {m.taken_at_ms for m in backups.list_backups(backups.backup_dir(node.settings))}
    # the last 24 hours one an hour, and the last of each day before
    assert kept == {start + h * HOUR for h in [23, 47, *range(49, 73)]}
    files = sorted(p.name for p in backups.backup_dir(node.settings).iterdir())
    assert len(files) == 2 * 26  # each with its manifest, no partial copies left


def test_restoring_an_enrolled_store_brings_back_from_hq_what_came_after_the_backup(
    node, restaurant, hq: Hq
):
    syncer = enrol(node, hq)
    take_orders(node, restaurant, 5)
    assert asyncio.run(syncer.round()).drained
    taken = backups.take_backup(node.settings, node.clock.now_ms())
    take_orders(node, restaurant, 20)  # 40 events after the backup, all sent to HQ
    assert asyncio.run(syncer.round()).drained
    top, digest = top_and_digest(node)
    assert top > taken.journal_top + 30 and hq.acked(node.settings.store_id) == (top, digest)
    node.close()
    done = restore(node)
    assert done.exit_code == 0, done.output
    assert f"Brought back {top - taken.journal_top} event(s) from HQ" in done.said
    back = build_node(node.settings)
    try:
        assert top_and_digest(back) == (top, digest)
        from hearth.sync.service import load_state

        with back.engine.connect() as conn:
            state = load_state(conn)
        assert state is not None and state.acked_seq == top
    finally:
        back.close()
    check = CliRunner().invoke(cli, ["rebuild", "--check", "--db", node.settings.db_url])
    assert check.exit_code == 0, check.output
    assert "Every projection matches the journal" in check.output


def test_hearth_backup_takes_a_verified_copy_and_lists_what_is_kept(node, restaurant):
    take_orders(node, restaurant, 3)
    result = CliRunner().invoke(cli, ["backup", "--db", node.settings.db_url])
    said = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    kept = backups.list_backups(backups.backup_dir(node.settings))
    assert len(kept) == 1 and kept[0].verified and kept[0].journal_top == journal_top(node)
    assert "Backed up and verified" in said and "Backups kept" in said


def test_restore_at_a_time_takes_the_last_good_backup_before_it(node, restaurant):
    import datetime as dt

    take_orders(node, restaurant, 2)
    now = node.clock.now_ms()
    first = backups.take_backup(node.settings, now)
    take_orders(node, restaurant, 2)
    backups.take_backup(node.settings, now + HOUR)
    node.close()
    at = dt.datetime.fromtimestamp((now + HOUR // 2) / 1000, dt.UTC).isoformat()
    result = restore(node, "--at", at, "--force")
    assert result.exit_code == 0, result.output
    assert first.file in result.said and journal_top(node) == first.journal_top
    bad = restore(node, "--at", "half past noon")
    assert bad.exit_code == 1 and "is not a time" in bad.said


def test_a_store_without_a_backup_takes_its_first_soon_after_start_and_then_each_hour(tmp_path):
    clock = ManualClock()
    node = build_node(
        fast_settings(
            f"sqlite:///{tmp_path}/store.db", backup_interval_s=3600.0, backup_first_after_s=30.0
        ),
        clock=clock,
    )
    a_small_restaurant(node)
    runner = node.parts.get(BackupRunner)
    assert runner.first_wait_s() == 30.0  # nothing kept: soon

    async def first_one() -> None:
        await runner.start()
        try:
            while clock.sleepers != 1:
                await asyncio.sleep(0.005)
            clock.advance(30_000)
            deadline = time.monotonic() + 20
            while runner.taken != 1:
                assert time.monotonic() < deadline, "no first backup"
                await asyncio.sleep(0.005)
        finally:
            await runner.stop()

    try:
        asyncio.run(first_one())
        # A restart ten minutes later waits for the rest of the hour, not a whole new one.
        clock.advance(10 * 60 * 1000)
        assert runner.first_wait_s() == 3600.0 - 10 * 60
    finally:
        node.close()
