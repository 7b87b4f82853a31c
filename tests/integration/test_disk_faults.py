"""The writer's disk fills up or fails: the till gets a clear 503, never an acknowledgement
without a commit, nothing half-written, and the node takes orders again by itself (no restart)
once the disk does.

The store's database lives on the power-cut file system (hearth.testing.powercut_fs), whose
switches make the disk full or fail the Nth write or fsync for real, under SQLite.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hearth.bootstrap import build_node, create_app
from hearth.core.node import Node
from hearth.ops import checks
from hearth.ops.domain import Severity
from hearth.ordering.tables import orders
from hearth.testing.builders import DemoIds, a_small_restaurant, fast_settings
from hearth.testing.powercut_fs import PowerCutDisk
from hearth.testing.waiting import subscribers_caught_up, wait_until


@pytest.fixture(scope="module")
def disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PowerCutDisk]:
    tmp = tmp_path_factory.mktemp("disk-faults")
    with PowerCutDisk(tmp / "disk", tmp / "mnt", log=tmp / "fs.log") as d:
        yield d


class Till:
    def __init__(self, client: TestClient, ids: DemoIds, node: Node) -> None:
        self.client, self.ids, self.node = client, ids, node
        r = client.post(
            "/api/auth/pin",
            json={"staff_code": "C01", "pin": ids.pins["C01"]},
            headers={"X-Terminal-Key": ids.terminal_key},
        )
        assert r.status_code == 200, r.text
        self.auth = {"Authorization": f"Bearer {r.json()['access_token']}"}

    def order(self, key: str) -> Any:
        body = {
            "channel": "takeaway",
            "submit": True,
            "note": key,
            "lines": [{"item_id": self.ids.items["rice"], "quantity": 2}],
        }
        return self.client.post(
            "/api/orders", json=body, headers={**self.auth, "Idempotency-Key": key}
        )

    def quiet(self) -> None:
        """Wait until the subscribers have handled every event (and what they appended in
        turn), so the next write to the disk is the till's: the Nth-write fault hits it."""
        while True:
            top = self.node.writer.journal.next_seq
            wait_until(subscribers_caught_up(self.node), what="subscribers caught up")
            if self.node.writer.journal.next_seq == top:
                return

    def notes(self) -> list[str]:
        with self.node.engine.connect() as conn:
            return [r.note for r in conn.execute(sa.select(orders.c.note))]


@pytest.fixture(scope="module")
def till(disk: PowerCutDisk) -> Iterator[Till]:
    """One node for the fault tests (a node costs seconds to build); each test clears its
    faults, and asserts on what changed, not on totals."""
    node = build_node(fast_settings(f"sqlite:///{disk.mount}/store.db"))
    ids = a_small_restaurant(node)
    try:
        with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
            yield Till(client, ids, node)
    finally:
        node.close()


FAULTS = {
    "disk full": ({"full": True}, "disk-full"),
    "disk fills during the commit": ({"space_left": 3000}, "disk-full"),
    "I/O error on a write": ({"eio_write_in": 2}, "io-error"),
    "I/O error on an fsync": ({"eio_fsync_in": 1}, "io-error"),
}


@pytest.fixture(autouse=True)
def _faults_cleared(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "disk" in request.fixturenames:
        request.getfixturevalue("disk").clear_faults()


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_a_failing_disk_refuses_with_503_and_recovers_without_a_restart(
    disk: PowerCutDisk, till: Till, fault: str
) -> None:
    switches, cause = FAULTS[fault]
    assert till.order(uuid.uuid4().hex).status_code == 201
    before = till.notes()
    till.quiet()
    disk.set_faults(**switches)
    key = uuid.uuid4().hex
    r = till.order(key)
    assert r.status_code == 503, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "storage-unavailable"
    assert problem["cause"] == cause
    assert problem["title_zh"] and problem["cause_zh"]
    assert "Nothing was saved" in problem["detail"]
    assert r.headers["Retry-After"] == "5"
    assert till.notes() == before, "a refused order must not be in the database"
    fault_seen = till.node.writer.storage_fault
    assert fault_seen is not None and fault_seen.cause == cause

    # The disk frees (or the error passes): the same request goes through, once, no restart.
    disk.clear_faults()
    r = till.order(key)
    assert r.status_code == 201, r.text
    assert till.order(uuid.uuid4().hex).status_code == 201
    assert till.notes().count(key) == 1
    assert till.node.writer.storage_fault is None
    assert till.node.writer.last_storage_fault is not None
    with till.node.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_the_disk_stays_full_for_a_while(disk: PowerCutDisk, till: Till) -> None:
    """Every order while the disk is full gets the 503 (the reopened connection too), the
    doctor's state says so, and the first order after space is freed is saved."""
    till.quiet()
    disk.set_faults(full=True)
    keys = [uuid.uuid4().hex for _ in range(3)]
    assert [till.order(k).status_code for k in keys] == [503, 503, 503]
    fault = till.node.writer.storage_fault
    assert fault is not None and fault.failures >= 3 and fault.cause_en == "the disk is full"
    (finding,) = asyncio.run(checks.storage(till.node))
    assert finding.severity is Severity.FAIL and finding.facts["cause"] == "disk-full"
    assert "the disk is full" in finding.cause.en and "磁盘已满" in finding.cause.zh
    disk.clear_faults()
    assert [till.order(k).status_code for k in keys] == [201, 201, 201]
    (finding,) = asyncio.run(checks.storage(till.node))
    assert finding.severity is Severity.OK
    assert sorted(n for n in till.notes() if n in keys) == sorted(keys)


def test_acknowledged_orders_survive_a_power_cut_after_a_failed_fsync(tmp_path: Path) -> None:
    """After an fsync fails the kernel forgets the pages it could not write (Linux since 4.13):
    SQLite must not build later commits on them. Every order acknowledged before and after the
    failure is there after a power cut, and the database is whole."""
    disk = PowerCutDisk(tmp_path / "disk", tmp_path / "mnt", log=tmp_path / "fs.log")
    disk.mount_fs()
    url = f"sqlite:///{disk.mount}/store.db"
    acked: list[str] = []
    try:
        node = build_node(fast_settings(url))
        ids = a_small_restaurant(node)
        with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
            till = Till(client, ids, node)
            for n in range(12):
                if n in (3, 8):
                    till.quiet()
                    disk.set_faults(eio_fsync_in=1)
                key = uuid.uuid4().hex
                r = till.order(key)
                assert r.status_code in (201, 503), r.text
                if r.status_code == 201:
                    acked.append(key)
        assert len(acked) == 10
        node.close()
        disk.power_cut("tear", seed=3)
        disk.mount_fs()
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            notes = {r.note for r in conn.execute(sa.select(orders.c.note))}
        engine.dispose()
        assert set(acked) <= notes
    finally:
        disk.unmount()
