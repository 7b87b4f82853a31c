"""Fault drills over the API: a real fault held for a moment, noticed by the doctor, taken off,
recovered, nothing lost, every step journaled; refused in a service period unless the owner
forces it, refused where the fault cannot be put on, and a retried start starts nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hearth.core.tables import journal
from hearth.ops import drills
from hearth.ops.drill_faults import switchboard_of
from hearth.printing import service as printing
from hearth.printing.emulator import TestPrinter
from hearth.testing.builders import a_kitchen, a_small_restaurant
from hearth.testing.ports import HOST
from hearth.testing.waiting import wait_until
from tests.integration.test_payments_fixtures import Till, make_node, open_till, providers

__all__ = ["providers"]
OWNER = "O01"
ALL_DAY = [["00:00", "12:00"], ["12:00", "00:00"]]


@pytest.fixture
def store(tmp_path: Path, providers: Any) -> Iterator[tuple[Till, str]]:
    node = make_node(
        tmp_path,
        printer_probe_interval_s=0.3,
        printer_connect_timeout_s=0.5,
        backup_interval_s=0,
    )
    ids = a_small_restaurant(node)
    stations = a_kitchen(node, ids)
    printer = TestPrinter().start()
    pid = str(
        node.writer.run(
            lambda tx: printing.add_printer(
                tx,
                printing.PrinterSpec(
                    name="Hot printer", host=HOST, port=printer.port, station_id=stations["hot"]
                ),
            )
        )
    )
    switchboard_of(node).add_printer(printer.address, printer)
    drills.drills_of(node).timing = drills.Timing(poll_s=0.1, recover_timeout_s=15, sync_wait_s=1)
    try:
        for till in open_till(node, ids, providers):
            yield till, pid
    finally:
        printer.stop()
        node.close()


def finished(till: Till, drill_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        r = till.get(f"/api/ops/drills/{drill_id}", who=OWNER).json()
        return r if r["status"] != "running" else None

    return wait_until(done, timeout=30, interval=0.1, what="the drill finished")


def test_a_printer_drill_is_noticed_recovered_and_journaled(store: tuple[Till, str]) -> None:
    till, printer_id = store
    r = till.client.put(
        "/api/ops/drills/periods",
        json={"periods": []},
        headers={**till.login(OWNER), "Idempotency-Key": "periods-1"},
    )
    assert r.status_code == 200, r.text
    r = till.post(
        "/api/ops/drills",
        {"fault": "printer-down", "target": printer_id, "duration_s": 1.5},
        who=OWNER,
    )
    assert r.status_code == 202, r.text
    till.order("rice")  # an order during the drill: it must be there after
    report = finished(till, r.json()["id"])
    kinds = [s["kind"] for s in report["steps"]]
    assert kinds == [
        "injected",
        "detected",
        "staff-saw",
        "fell-back",
        "removed",
        "recovered",
        "checked",
    ], report["steps"]
    assert report["status"] == "passed", report
    assert 0 <= report["detected_after_ms"] <= drills.DETECT_GOAL_MS
    assert report["recovered_after_ms"] <= drills.RECOVER_GOAL_MS
    assert report["nothing_lost"] is True
    saw = next(s for s in report["steps"] if s["kind"] == "staff-saw")
    assert "Hot printer" in saw["en"] and "Hot printer" in saw["zh"]
    checked = report["steps"][-1]["facts"]
    assert checked["orders_made"] == checked["orders_present"] >= 1
    assert checked["journal_gaps"] == 0
    with till.node.engine.connect() as conn:
        types = [
            t
            for (t,) in conn.execute(
                sa.select(journal.c.type).where(journal.c.stream == f"drill:{report['id']}")
            )
        ]
    assert types == ["DrillStarted"] + ["DrillStep"] * 7 + ["DrillFinished"]


def test_refusals_service_periods_and_a_retried_start(store: tuple[Till, str]) -> None:
    till, _ = store
    put = {**till.login(OWNER), "Idempotency-Key": "periods-all-day"}
    r = till.client.put("/api/ops/drills/periods", json={"periods": ALL_DAY}, headers=put)
    assert r.status_code == 200, r.text
    bad = {**till.login(OWNER), "Idempotency-Key": "periods-bad"}
    r = till.client.put("/api/ops/drills/periods", json={"periods": [["25:00", "1"]]}, headers=bad)
    assert r.status_code == 422 and r.json()["errors"], r.text  # the document states the rule

    r = till.post("/api/ops/drills", {"fault": "restore"}, who=OWNER)
    assert (r.status_code, r.json()["code"]) == (409, "drill-in-service-period"), r.text
    assert "force" in r.json()["detail"]
    r = till.post("/api/ops/drills", {"fault": "restore", "force": True}, who="M01")
    assert (r.status_code, r.json()["code"]) == (403, "drill-owner-only")
    r = till.post("/api/ops/drills", {"fault": "node-killed", "force": True}, who=OWNER)
    assert (r.status_code, r.json()["code"]) == (409, "drill-unavailable")
    assert "hearth drill node-killed" in r.json()["detail"]
    r = till.post("/api/ops/drills", {"fault": "provider-down", "force": True}, who=OWNER)
    assert (r.status_code, r.json()["code"]) == (409, "drill-unavailable")  # real gateways
    r = till.post("/api/ops/drills", {"fault": "hq-cut", "force": True}, who=OWNER)
    assert (r.status_code, r.json()["code"]) == (409, "drill-unavailable")  # no HQ

    body = {"fault": "restore", "force": True, "duration_s": 1}
    first = till.post("/api/ops/drills", body, key="start-restore", who=OWNER)
    again = till.post("/api/ops/drills", body, key="start-restore", who=OWNER)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    report = finished(till, first.json()["id"])
    assert report["status"] == "passed", report
    assert report["forced"] is True and report["nothing_lost"] is True
    recovered = next(s for s in report["steps"] if s["kind"] == "recovered")
    assert recovered["facts"]["gaps"] == 0 and recovered["facts"]["journal_top"] > 0
    listing = till.get("/api/ops/drills", who="M01").json()
    assert [d["id"] for d in listing["drills"]] == [first.json()["id"]]
    assert listing["in_period"] is not None and listing["periods"] == ALL_DAY


@pytest.mark.parametrize(
    ("periods", "hhmm", "inside"),
    [
        ([["11:00", "14:00"]], "11:00", True),
        ([["11:00", "14:00"]], "14:00", False),
        ([["11:00", "14:00"], ["17:00", "21:00"]], "18:30", True),
        ([["22:00", "02:00"]], "01:59", True),  # wraps midnight
        ([["22:00", "02:00"]], "12:00", False),
        ([], "12:00", False),
        ([["10:00", "10:00"]], "03:00", True),  # all the way round: the whole day
    ],
)
def test_service_period_rule(periods: list[list[str]], hhmm: str, inside: bool) -> None:
    assert (drills.in_period(drills.check_periods(periods), hhmm) is not None) is inside


def test_drill_command_says_what_it_needs() -> None:
    from typer.testing import CliRunner

    from hearth.cli import app

    result = CliRunner().invoke(app, ["drill", "kds-dark", "--lang", "en"])
    assert result.exit_code == 1
    assert "--url" in result.output and "--token" in result.output
