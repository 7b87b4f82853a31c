"""Each store's doctor report, open alerts, version and last backup travel to HQ with the
sync; backups are copied to HQ (gzip parts, checked by SHA-256) and fetched back. A store
reads and writes only its own."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth import __version__
from hearth.bootstrap import build_node, create_app
from hearth.core.node import Node
from hearth.hq import fleet as hq_fleet
from hearth.hq import service as hq_service
from hearth.hq.owners import add_owner
from hearth.hq.tables import fleet_backups
from hearth.ops import fleet
from hearth.ops.domain import Severity
from hearth.sync import reports
from hearth.sync import service as sync
from hearth.testing.builders import a_small_restaurant, fast_settings
from hearth.testing.waiting import wait_until
from tests.integration.hq_server import RunningHQ, running_hq
from tests.integration.test_hq_fixtures import HQHarness, Store, hq_harness

__all__ = ["hq_harness"]


@pytest.fixture(autouse=True)
def hq_backup_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "hq-backups"
    monkeypatch.setenv("HEARTH_HQ_BACKUP_DIR", str(folder))
    return folder


def a_report(worst: str = "warn", **extra: Any) -> dict[str, Any]:
    finding = {
        "check": "printer.Hot",
        "severity": worst,
        "cause": {"zh": "打印机 Hot 没纸了", "en": "printer Hot is out of paper"},
        "works": {"zh": "点单照常", "en": "ordering works"},
        "fix": {"zh": "装纸", "en": "load a new roll"},
        "safe_fix": None,
        "facts": {},
    }
    return {
        "version": "9.9.9",
        "reported_at_ms": 1,
        "report": {"worst": worst, "findings": [finding]},
        "alerts": [{"key": "printer.Hot", "severity": "fail"}],
        "backup": {"file": "b.db", "taken_at_ms": 5, "size": 10, "verified": True},
        **extra,
    }


def owner(h: HQHarness) -> dict[str, str]:
    add_owner(h.hq, "H01", "Boss", "correct horse")
    r = h.client.post("/api/hq/auth/sign-in", json={"code": "H01", "password": "correct horse"})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_a_report_is_kept_per_store_and_shown_to_the_owner(hq_harness: HQHarness) -> None:
    a, b = hq_harness.enrol("A"), hq_harness.enrol("B")
    r = hq_harness.client.post("/sync/v1/report", headers=a.auth, json=a_report("fail"))
    assert r.status_code == 200, r.text
    hq_harness.client.post("/sync/v1/report", headers=b.auth, json=a_report("ok"))
    hq_harness.client.post("/sync/v1/report", headers=a.auth, json=a_report("warn"))
    health = hq_harness.client.get("/api/hq/fleet/health", headers=owner(hq_harness)).json()
    assert set(health["stores"]) == {"A", "B"}
    assert health["stores"]["A"]["worst"] == "warn"  # the latest replaced the first
    assert health["stores"]["A"]["version"] == "9.9.9"
    assert health["stores"]["A"]["findings"][0]["fix"]["en"] == "load a new roll"
    assert health["stores"]["A"]["alerts"] == [{"key": "printer.Hot", "severity": "fail"}]
    assert health["stores"]["B"]["worst"] == "ok"
    assert hq_harness.client.get("/api/hq/fleet/health").status_code == 401


def test_a_stolen_store_id_writes_no_report_and_reads_no_backup(
    hq_harness: HQHarness, tmp_path: Path
) -> None:
    a, b = hq_harness.enrol("A"), hq_harness.enrol("B")
    r = hq_harness.client.post("/sync/v1/report", headers=a.auth, json=a_report(store_id="B"))
    assert (r.status_code, r.json()["code"]) == (403, "sync-wrong-store")
    assert (
        "B"
        not in hq_harness.client.get("/api/hq/fleet/health", headers=owner(hq_harness)).json()[
            "stores"
        ]
    )
    db = a_database(tmp_path / "b.db")
    upload(hq_harness, b, db)
    assert hq_harness.client.get("/sync/v1/backups", headers=a.auth).json()["backups"] == []
    r = hq_harness.client.get(f"/sync/v1/backups/{db.name}", headers=a.auth)
    assert (r.status_code, r.json()["code"]) == (404, "fleet-backup-not-found")
    r = hq_harness.client.post(
        f"/sync/v1/backups/{db.name}/complete",
        headers=a.auth,
        json={"store_id": "B", "parts": 1, "sha256": "0" * 64, "size": 1, "taken_at_ms": 1},
    )
    assert (r.status_code, r.json()["code"]) == (403, "sync-wrong-store")
    r = hq_harness.client.get(f"/sync/v1/backups/{db.name}", headers=b.auth)
    assert r.status_code == 200 and gzip.decompress(r.content) == db.read_bytes()


def test_a_report_without_a_credential_or_with_a_bad_severity_is_refused(
    hq_harness: HQHarness,
) -> None:
    a = hq_harness.enrol("A")
    assert hq_harness.client.post("/sync/v1/report", json=a_report()).status_code == 401
    r = hq_harness.client.post(
        "/sync/v1/report", headers=a.auth, json=a_report() | {"report": {"worst": "meh"}}
    )
    assert (r.status_code, r.json()["code"]) == (422, "fleet-report-invalid")


def a_database(path: Path, rows: int = 3000) -> Path:
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.executemany("INSERT INTO t VALUES (?)", [(f"row {i} " * 20,) for i in range(rows)])
    return path


def upload(h: HQHarness, store: Store, db: Path, *, sha: str | None = None, at: int = 1) -> Any:
    data = gzip.compress(db.read_bytes())
    parts = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    for n, part in enumerate(parts):
        r = h.client.post(f"/sync/v1/backups/{db.name}/parts/{n}", headers=store.auth, content=part)
        assert r.status_code == 200, r.text
    return h.client.post(
        f"/sync/v1/backups/{db.name}/complete",
        headers=store.auth,
        json={
            "parts": len(parts),
            "sha256": sha or hashlib.sha256(db.read_bytes()).hexdigest(),
            "size": db.stat().st_size,
            "taken_at_ms": at,
        },
    )


def test_hq_keeps_a_copy_only_when_its_checksum_matches_and_keeps_the_last_n(
    hq_harness: HQHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEARTH_HQ_BACKUPS_KEEP", "2")
    a = hq_harness.enrol("A")
    bad = upload(hq_harness, a, a_database(tmp_path / "bad.db"), sha="1" * 64)
    assert (bad.status_code, bad.json()["code"]) == (422, "fleet-backup-checksum")
    for i in range(3):
        r = upload(hq_harness, a, a_database(tmp_path / f"s-{i}.db", rows=100 + i), at=i + 1)
        assert r.status_code == 200, r.text
    kept = hq_harness.client.get("/sync/v1/backups", headers=a.auth).json()["backups"]
    assert [b["name"] for b in kept] == ["s-2.db", "s-1.db"]
    files = sorted(p.name for p in hq_fleet.backup_root(hq_harness.hq).rglob("*.gz*"))
    assert files == ["s-1.db.gz", "s-2.db.gz"]  # the oldest and the bad one are gone
    r = hq_harness.client.post("/sync/v1/backups/x/parts/0", headers=a.auth, content=b"x")
    assert (r.status_code, r.json()["code"]) == (422, "fleet-backup-name-invalid")
    r = hq_harness.client.post("/sync/v1/backups/y.db/parts/3", headers=a.auth, content=b"x")
    assert (r.status_code, r.json()["code"]) == (409, "fleet-backup-part-out-of-order")


# -- a real store against a real HQ ----------------------------------------------------------


@pytest.fixture
def joined(tmp_path: Path) -> Iterator[tuple[Node, RunningHQ]]:
    with running_hq(tmp_path) as hq:
        node = build_node(
            fast_settings(f"sqlite:///{tmp_path}/store.db", backup_dir=str(tmp_path / "bk"))
        )
        a_small_restaurant(node)
        code = hq_service.create_store(hq.hq, node.settings.store_id, "炉火小馆")

        async def write(command: Any) -> Any:
            return await asyncio.to_thread(node.writer.run, command)

        asyncio.run(
            sync.enrol(
                node.engine, write, node.settings.store_id, hq.url, code, node.clock.now_ms()
            )
        )
        try:
            yield node, hq
        finally:
            node.close()


def test_the_sync_loop_sends_the_doctors_report_version_and_last_backup(
    joined: tuple[Node, RunningHQ],
) -> None:
    node, hq = joined
    with TestClient(create_app(node=node)):  # the node runs: its sync loop goes round
        wait_until(lambda: fleet_row(hq, node.settings.store_id), timeout=20, what="a report")
    got = hq_fleet.reports(hq.hq)[node.settings.store_id]
    assert got["version"] == __version__
    checks = {f["check"] for f in got["findings"]}
    assert {"database.integrity", "writer", "sync", "clock", "hq"} <= checks
    assert got["worst"] in {s.value for s in Severity}
    detail = hq_fleet.store_health(hq.hq, node.settings.store_id)
    assert detail["report"]["findings"] and detail["name"] == "炉火小馆"


def fleet_row(hq: RunningHQ, store_id: str) -> bool:
    return store_id in hq_fleet.reports(hq.hq)


def test_a_verified_backup_goes_to_hq_and_comes_back_checked(
    joined: tuple[Node, RunningHQ], tmp_path: Path
) -> None:
    from hearth.backup import service as backups

    node, hq = joined
    manifest = backups.take_backup(node.settings, node.now_ms())
    assert manifest.verified

    async def send() -> None:
        reporter = reports.reporter_of(node)
        reporter.queue_backup(
            reports.QueuedBackup(
                path=backups.backup_dir(node.settings) / manifest.file,
                sha256=manifest.sha256,
                size=manifest.size,
                taken_at_ms=manifest.taken_at_ms,
                manifest={"journal_top": manifest.journal_top, "verified": True},
            )
        )
        await reporter.send_now()
        assert reporter.last_error is None, reporter.last_error
        assert reporter.uploaded == [manifest.file]

    asyncio.run(send())
    with hq.hq.engine.connect() as conn:
        row = conn.execute(sa.select(fleet_backups)).one()
    assert (row.sha256, row.size, row.status) == (manifest.sha256, manifest.size, "kept")
    assert hq_fleet.reports(hq.hq)[node.settings.store_id]["backup_at_ms"] is not None

    # Fetched into a new box's empty backup folder: the digest checked, the file opened.
    other = node.settings.model_copy(update={"backup_dir": str(tmp_path / "fetched")})
    got = asyncio.run(fleet.fetch_from_hq(other))
    assert got.verified and got.sha256 == manifest.sha256 and got.file == manifest.file
    assert got.journal_top == manifest.journal_top
    assert backups.list_backups(tmp_path / "fetched")[0].file == manifest.file

    # Damaged at HQ: the fetch refuses it and leaves nothing behind.
    stored = next(hq_fleet.backup_root(hq.hq).rglob("*.gz"))
    data = bytearray(gzip.decompress(stored.read_bytes()))
    data[len(data) // 2] ^= 0xFF
    stored.write_bytes(gzip.compress(bytes(data)))
    with pytest.raises(reports.ChecksumMismatch):
        asyncio.run(
            fleet.fetch_from_hq(
                node.settings.model_copy(update={"backup_dir": str(tmp_path / "again")})
            )
        )
    assert not list((tmp_path / "again").glob("*.db"))


def test_with_backup_to_hq_on_each_verified_backup_is_copied_by_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hearth.backup.lifecycle import BackupRunner

    monkeypatch.setenv("HEARTH_FLEET_BACKUP_TO_HQ", "true")
    with running_hq(tmp_path) as hq:
        node = build_node(
            fast_settings(f"sqlite:///{tmp_path}/store.db", backup_dir=str(tmp_path / "bk"))
        )
        try:
            a_small_restaurant(node)
            code = hq_service.create_store(hq.hq, node.settings.store_id, "炉火小馆")

            async def write(command: Any) -> Any:
                return await asyncio.to_thread(node.writer.run, command)

            asyncio.run(
                sync.enrol(
                    node.engine, write, node.settings.store_id, hq.url, code, node.clock.now_ms()
                )
            )
            runner = node.parts.get(BackupRunner)
            with TestClient(create_app(node=node)) as client:
                manifest = client.portal.call(runner.take)  # as the hourly schedule does
                wait_until(
                    lambda: hq_fleet.list_backups(hq.hq, node.settings.store_id),
                    timeout=20,
                    what="the copy at HQ",
                )
        finally:
            node.close()
    kept = hq_fleet.list_backups(hq.hq, node.settings.store_id)
    assert [(b["name"], b["sha256"]) for b in kept] == [(manifest.file, manifest.sha256)]
    assert kept[0]["manifest"]["journal_top"] == manifest.journal_top


def test_the_report_reads_the_whole_database_at_most_hourly(
    joined: tuple[Node, RunningHQ],
) -> None:
    node, _ = joined
    first = asyncio.run(fleet.fleet_report(node))
    second = asyncio.run(fleet.fleet_report(node))
    cache = node.parts.get(fleet.DatabaseCheckCache)
    checks = [f["check"] for f in second["report"]["findings"]]
    assert checks.count("database.integrity") == 1 and checks.count("database.growth") == 1
    assert [f["check"] for f in first["report"]["findings"]].count("database.integrity") == 1
    assert cache.at_ms is not None


def test_restore_from_hq_backup_brings_a_lost_box_back(
    joined: tuple[Node, RunningHQ], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from hearth.backup import service as backups
    from hearth.cli import app

    node, hq = joined
    manifest = backups.take_backup(node.settings, node.now_ms())
    with node.engine.connect() as conn:
        credential = sync.load_credential(conn)
        top = sync.journal_top(conn)
    fleet.queue_backup(node, manifest)

    async def send() -> None:
        await reports.reporter_of(node).send_now()

    asyncio.run(send())
    assert hq_fleet.list_backups(hq.hq, node.settings.store_id)
    node.close()
    # The box's disk is gone: its database and its local backups.
    db = Path(node.settings.db_url.removeprefix("sqlite:///"))
    for p in [db, Path(f"{db}-wal"), Path(f"{db}-shm")]:
        p.unlink(missing_ok=True)
    for p in backups.backup_dir(node.settings).iterdir():
        p.unlink()
    result = CliRunner().invoke(
        app,
        [
            "restore",
            "--db",
            node.settings.db_url,
            "--from-hq-backup",
            "--hq",
            hq.url,
            "--credential",
            str(credential),
        ],
        env={"HEARTH_BACKUP_DIR": str(backups.backup_dir(node.settings)), "COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "SHA-256 checked" in result.output
    assert backups.live_top_of(db) == top
