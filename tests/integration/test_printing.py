"""Kitchen tickets reach a real (test) network printer once, through faults and restarts."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hearth.bootstrap import build_node, create_app
from hearth.core.errors import Problem
from hearth.core.node import Node
from hearth.core.rebuild import rebuild
from hearth.kitchen import service as kitchen
from hearth.printing import service
from hearth.printing.emulator import TestPrinter
from hearth.testing.builders import DemoIds, a_small_restaurant, fast_settings
from hearth.testing.waiting import wait_until
from tests.conftest import Api

FAST = {
    "printer_connect_timeout_s": 0.5,
    "printer_write_timeout_s": 0.8,
    "printer_retry_base_s": 0.05,
    "printer_retry_max_s": 0.2,
    "printer_reroute_after": 2,
    "printer_probe_interval_s": 0.2,
    "printer_poll_s": 0.1,
}


@dataclass
class Kitchen:
    """A store node with stations and test printers, and its app running (worker started)."""

    api: Api
    node: Node
    ids: DemoIds
    hot: str  # station ids
    bar: str
    devices: dict[str, TestPrinter] = field(default_factory=dict)  # printer name -> server
    printer_ids: dict[str, str] = field(default_factory=dict)  # printer name -> id
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        """Sign in once per staff member (each sign-in is a journal event)."""
        if who not in self.tokens:
            self.tokens[who] = self.api.login(who)
        return self.tokens[who]

    def add_printer(
        self,
        name: str,
        *,
        kind: str = "kitchen",
        station_id: str | None = None,
        backup: str | None = None,
        paper: int = 80,
        device: TestPrinter | None = None,
    ) -> str:
        dev = device or TestPrinter().start()
        self.devices[name] = dev
        pid = self.node.writer.run(
            lambda tx: service.add_printer(
                tx,
                service.PrinterSpec(
                    name=name,
                    host="127.0.0.1",
                    port=dev.port,
                    kind=kind,
                    station_id=station_id,
                    backup_printer_id=self.printer_ids.get(backup) if backup else None,
                    paper_width=paper,
                ),
            )
        )
        self.printer_ids[name] = pid
        return pid

    def enqueue(
        self, doc: dict[str, Any] | None = None, key: str | None = None, **kw: Any
    ) -> str | None:
        kw.setdefault("station_id", self.hot)
        kw.setdefault("kind", "kitchen")
        return self.node.writer.run(
            lambda tx: service.enqueue(
                tx,
                document=doc if doc is not None else a_ticket(),
                dedupe_key=key if key is not None else uuid.uuid4().hex,
                **kw,
            )
        )

    def job(self, job_id: str | None) -> Any:
        assert job_id is not None
        with self.node.engine.connect() as conn:
            return service.get_job(conn, job_id)

    def seq(self) -> int:
        return self.node.writer.journal.next_seq


def a_ticket(number: int = 27, **kw: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "order_number": number,
        "where": "桌 A01",
        "station": {"name_zh": "热菜", "name_en": "Hot Kitchen"},
        "sent_at_ms": int(time.time() * 1000),
        "rush": False,
        "kind": "new",
        "lines": [
            {
                "name_zh": "宫保鸡丁",
                "name_en": "Kung Pao Chicken",
                "quantity": 2,
                "modifiers": ["微辣"],
                "note": "不要花生",
                "seat": 1,
                "course": 1,
                "marker": None,
            }
        ],
    }
    return doc | kw


def start_kitchen(node: Node, ids: DemoIds) -> tuple[str, str]:
    hot = node.writer.run(lambda tx: kitchen.create_station(tx, "hot", "热菜", "Hot Kitchen"))
    bar = node.writer.run(lambda tx: kitchen.create_station(tx, "bar", "吧台", "Bar"))
    return hot, bar


@pytest.fixture
def printing_node(tmp_path: Path) -> Iterator[Node]:
    n = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db", **FAST))
    yield n
    n.close()


def running_kitchen(node: Node) -> Iterator[Kitchen]:
    """A small restaurant with two stations and its app running; stops its test printers."""
    ids = a_small_restaurant(node)
    hot, bar = start_kitchen(node, ids)
    with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
        k = Kitchen(Api(client, ids, node), node, ids, hot, bar)
        try:
            yield k
        finally:
            for dev in k.devices.values():
                dev.stop()


@pytest.fixture
def kit(printing_node: Node) -> Iterator[Kitchen]:
    yield from running_kitchen(printing_node)


# -- the happy path ------------------------------------------------------------------------------
def test_a_queued_ticket_prints_exactly_once_with_its_chinese_text(kit):
    kit.add_printer("热菜打印机", station_id=kit.hot)
    job_id = kit.enqueue(a_ticket())
    assert job_id is not None
    dev = kit.devices["热菜打印机"]
    jobs = dev.wait_for_jobs(1)
    assert len(jobs) == 1
    text = dev.text(jobs[0])
    for expected in ("#27", "宫保鸡丁", "x2", "微辣", "不要花生", "热菜 Hot Kitchen"):
        assert expected in text
    assert "reprint" not in text
    wait_until(lambda: kit.job(job_id).status == "printed", what="printed")
    time.sleep(0.4)  # several worker polls later: still one copy
    assert len(dev.jobs) == 1


def test_the_same_dedupe_key_prints_once(kit):
    kit.add_printer("热菜打印机", station_id=kit.hot)
    first = kit.enqueue(a_ticket(), key="order:1:send:1")
    second = kit.enqueue(a_ticket(), key="order:1:send:1")
    assert first is not None and second is None
    wait_until(lambda: kit.job(first).status == "printed")
    time.sleep(0.3)
    assert len(kit.devices["热菜打印机"].jobs) == 1


def test_station_printer_then_receipt_printer_then_a_chosen_one(kit):
    kit.add_printer("前台 Receipt", kind="receipt")
    kit.add_printer("吧台打印机", station_id=kit.bar)
    to_bar = kit.enqueue(station_id=kit.bar)
    to_receipt = kit.enqueue(station_id=kit.hot)  # the hot station has no printer
    chosen = kit.enqueue(station_id=None, printer_id=kit.printer_ids["吧台打印机"])
    assert kit.job(to_bar).printer_id == kit.printer_ids["吧台打印机"]
    assert kit.job(to_receipt).printer_id == kit.printer_ids["前台 Receipt"]
    assert kit.job(chosen).printer_id == kit.printer_ids["吧台打印机"]
    assert len(kit.devices["吧台打印机"].wait_for_jobs(2)) == 2
    assert len(kit.devices["前台 Receipt"].wait_for_jobs(1)) == 1


# -- faults --------------------------------------------------------------------------------------
def test_a_printer_that_is_down_is_retried_then_the_ticket_goes_to_its_backup(kit):
    kit.add_printer("备用 Backup", station_id=None)
    kit.add_printer("热菜打印机", station_id=kit.hot, backup="备用 Backup")
    main = kit.devices["热菜打印机"]
    main.down()
    job_id = kit.enqueue(a_ticket())
    backup = kit.devices["备用 Backup"]
    jobs = backup.wait_for_jobs(1)
    assert len(jobs) == 1
    assert "Rerouted from: 热菜打印机" in backup.text(jobs[0])
    assert "宫保鸡丁" in backup.text(jobs[0])
    job = wait_until(lambda: (j := kit.job(job_id)).status == "printed" and j)
    assert job.printer_id == kit.printer_ids["备用 Backup"]
    assert job.rerouted_from == [kit.printer_ids["热菜打印机"]]
    assert job.total_attempts == 3, "two failures on the main printer, one print on the backup"
    main.up()
    time.sleep(0.4)
    assert main.jobs == [] and len(backup.jobs) == 1, "printed once, on the backup only"


def test_a_printer_that_comes_back_gets_the_ticket_once(kit):
    kit.add_printer("热菜打印机", station_id=kit.hot)
    dev = kit.devices["热菜打印机"]
    dev.down()
    job_id = kit.enqueue(a_ticket())
    wait_until(lambda: kit.job(job_id).total_attempts >= 2, what="retries")
    assert dev.jobs == []
    dev.up()
    wait_until(lambda: kit.job(job_id).status == "printed", what="printed after coming back")
    assert len(dev.jobs) == 1
    assert "reprint" not in dev.text(dev.jobs[0]), "nothing reached paper before"


def test_a_hung_printer_times_out_shows_the_job_failed_and_prints_it_when_it_recovers(kit):
    kit.add_printer("热菜打印机", station_id=kit.hot)
    dev = kit.devices["热菜打印机"]
    dev.mode = "hung"
    job_id = kit.enqueue(a_ticket())
    m = kit.api.login("M01")
    failed = wait_until(
        lambda: kit.api.client.get("/api/printers/jobs?status=failed", headers=m).json(),
        what="failed job",
    )
    assert failed[0]["id"] == job_id and failed[0]["order_number"] == 27
    assert "did not answer" in failed[0]["last_error"]
    assert kit.api.client.get("/healthz").status_code == 200, "the node carries on"
    health = wait_until(
        lambda: [
            h
            for h in kit.api.client.get("/api/printers/health", headers=m).json()
            if h["state"] in ("slow", "fault")
        ]
    )
    assert health[0]["queued"] + health[0]["failed"] == 1
    dev.mode = "ok"
    wait_until(lambda: kit.job(job_id).status == "printed", what="printed after recovery")
    assert len(dev.jobs) == 1
    assert "(重印 reprint)" in dev.text(dev.jobs[0]), (
        "bytes went out before: say it may be a second copy"
    )


def test_a_connection_dropped_mid_job_is_printed_again_whole_and_marked(kit):
    kit.add_printer("热菜打印机", station_id=kit.hot)
    dev = kit.devices["热菜打印机"]
    dev.mode, dev.drop_after = "drop", 20
    job_id = kit.enqueue(a_ticket())
    wait_until(lambda: dev.dropped, what="a dropped connection")
    dev.mode = "ok"
    wait_until(lambda: kit.job(job_id).status == "printed")
    assert len(dev.jobs) == 1
    text = dev.text(dev.jobs[0])
    assert "宫保鸡丁" in text and "(重印 reprint)" in text


def test_a_slow_printer_within_the_timeout_still_prints(kit):
    kit.add_printer("热菜打印机", station_id=kit.hot)
    dev = kit.devices["热菜打印机"]
    dev.mode, dev.slow_s = "slow", 0.2  # within the 0.8 s timeout
    job_id = kit.enqueue(a_ticket())
    wait_until(lambda: kit.job(job_id).status == "printed")
    assert len(dev.jobs) == 1


def test_health_shows_online_offline_and_slow_printers(kit):
    kit.add_printer("A ok", station_id=kit.hot)
    kit.add_printer("B down", station_id=kit.bar)
    kit.add_printer("C hung", kind="receipt")
    kit.devices["B down"].down()
    kit.devices["C hung"].mode = "hung"
    m = kit.api.login("K01")

    def states() -> dict[str, str] | None:
        rows = kit.api.client.get("/api/printers/health", headers=m).json()
        got = {r["name"]: r["state"] for r in rows}
        return got if "unknown" not in got.values() else None

    got = wait_until(states, what="every printer checked")
    assert got == {"A ok": "online", "B down": "offline", "C hung": "slow"}


# -- restart -------------------------------------------------------------------------------------
def test_jobs_queued_before_a_restart_print_after_it(tmp_path):
    url = f"sqlite:///{tmp_path}/store.db"
    dev = TestPrinter().start()
    try:
        node = build_node(fast_settings(url, **FAST))
        ids = a_small_restaurant(node)
        hot, _ = start_kitchen(node, ids)
        pid = node.writer.run(
            lambda tx: service.add_printer(
                tx, service.PrinterSpec("热菜打印机", "127.0.0.1", dev.port, station_id=hot)
            )
        )
        queued = node.writer.run(
            lambda tx: service.enqueue(
                tx, station_id=hot, kind="kitchen", document=a_ticket(1), dedupe_key="a"
            )
        )
        in_flight = node.writer.run(
            lambda tx: service.enqueue(
                tx, station_id=hot, kind="kitchen", document=a_ticket(2), dedupe_key="b"
            )
        )
        assert queued is not None and in_flight is not None
        # The node died after it started sending job 2 and before it heard back.
        node.writer.run(lambda tx: service.mark_sending(tx, in_flight, pid))
        node.close()
        assert dev.jobs == [], "nothing printed while the node was down"

        node = build_node(fast_settings(url, **FAST))
        with TestClient(create_app(node=node)):
            jobs = dev.wait_for_jobs(2)

            def printed() -> bool:
                with node.engine.connect() as conn:  # a fresh snapshot each time
                    return all(
                        service.get_job(conn, j).status == "printed" for j in (queued, in_flight)
                    )

            wait_until(printed, what="both printed")
        node.close()
        texts = sorted(dev.text(j) for j in jobs)
        assert len(jobs) == 2
        assert "#1" in texts[0] and "reprint" not in texts[0]
        assert "#2" in texts[1] and "(重印 reprint)" in texts[1], "the accepted duplicate says so"
    finally:
        dev.stop()


# -- bad input -----------------------------------------------------------------------------------
def test_bad_jobs_are_refused_and_nothing_is_written(kit):
    kit.add_printer("热菜打印机", station_id=kit.hot)
    before = kit.seq()
    for kw in (
        {"printer_id": "no-such-printer"},
        {"kind": "menu"},
        {"doc": {"order_number": "x"}},
        {"key": ""},
    ):
        with pytest.raises(Problem) as err:
            kit.enqueue(**kw)
        assert err.value.status == 422, kw
    assert kit.seq() == before


def test_no_printer_at_all_is_a_clear_problem(kit):
    with pytest.raises(Problem) as err:
        kit.enqueue(station_id=kit.hot)
    assert err.value.code == "printer-none"


# -- rebuild -------------------------------------------------------------------------------------
def test_rebuild_reproduces_printers_and_jobs(printing_node):
    node = printing_node
    ids = a_small_restaurant(node)
    hot, _ = start_kitchen(node, ids)
    with TestClient(create_app(node=node), raise_server_exceptions=False) as client:
        k = Kitchen(Api(client, ids, node), node, ids, hot, "")
        try:
            k.add_printer("备用 Backup")
            k.add_printer("热菜打印机", station_id=hot, backup="备用 Backup")
            k.devices["热菜打印机"].down()
            rerouted = k.enqueue(a_ticket(1))
            printed = k.enqueue(a_ticket(2), printer_id=k.printer_ids["备用 Backup"])
            m = k.api.login("M01")
            r = client.patch(
                f"/api/printers/{k.printer_ids['备用 Backup']}",
                json={"paper_width": 58},
                headers=m | {"Idempotency-Key": uuid.uuid4().hex},
            )
            assert r.status_code == 200 and r.json()["paper_width"] == 58
            wait_until(
                lambda: k.job(rerouted).status == "printed" and k.job(printed).status == "printed"
            )
        finally:
            for dev in k.devices.values():
                dev.stop()
    # With the node's background work stopped, replay the journal into empty projections.
    report = rebuild(node.engine, node.projectors, keep=False)
    assert report.matches, report.mismatched
    assert report.tables["printers"] == 2 and report.tables["print_jobs"] == 2
