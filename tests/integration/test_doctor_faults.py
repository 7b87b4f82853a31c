"""The doctor's checks beyond the box and the printer's own words: a printer out of paper or
with its cover open (real ESC/POS status, DLE EOT 2 and 4), the clock against HQ, HQ's round
trip, name lookups that never hang, and the database's size a year ahead."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from hearth.core.clock import ManualClock
from hearth.core.digest import GENESIS
from hearth.core.node import Node
from hearth.ops import rules
from hearth.ops import service as doctor
from hearth.ops.domain import Severity
from hearth.printing import client
from hearth.printing import module as printing_module
from hearth.printing.emulator import TestPrinter
from hearth.printing.lifecycle import worker_of
from hearth.sync.tables import sync_state
from hearth.testing.builders import a_kitchen, a_small_restaurant
from hearth.testing.ports import HOST, closed_port
from tests.integration.hq_server import SkewedClock, running_hq
from tests.integration.test_doctor import add_printer, findings, printers_probed
from tests.integration.test_payments_fixtures import Till, make_node, open_till, providers

__all__ = ["providers"]


# -- the printer's own words -----------------------------------------------------------------


def test_the_probe_reads_paper_out_cover_open_and_paper_low_from_the_printer() -> None:
    with TestPrinter() as printer:
        assert asyncio.run(client.probe(HOST, printer.port)).state == "online"
        printer.paper_out = True
        got = asyncio.run(client.probe(HOST, printer.port))
        assert (got.state, got.reason) == ("fault", "paper_out")
        assert "out of paper" in (got.error or "")
        printer.paper_out, printer.cover_open = False, True
        got = asyncio.run(client.probe(HOST, printer.port))
        assert (got.state, got.reason) == ("fault", "cover_open")
        printer.cover_open, printer.paper_near_end = False, True
        got = asyncio.run(client.probe(HOST, printer.port))
        assert (got.state, got.reason) == ("online", "paper_low")


def test_the_emulator_answers_each_status_command_as_escpos_says() -> None:
    p = TestPrinter()
    assert [p.status_byte(n) for n in (1, 2, 3, 4)] == [0x12, 0x12, 0x12, 0x12]
    p.paper_out = True
    assert p.status_byte(1) & 0x08 and p.status_byte(2) & 0x20 and p.status_byte(4) & 0x60
    p.paper_out, p.cover_open = False, True
    assert p.status_byte(1) & 0x08 and p.status_byte(2) & 0x04 and not p.status_byte(4) & 0x60


def _condition(node: Node, printer: str, condition: str) -> float:
    for metric in printing_module.metrics(node):
        if metric.name == "hearth_printer_condition":
            for s in metric.samples:
                if s.labels == {"printer": printer, "condition": condition}:
                    return float(s.value)
    raise AssertionError("no hearth_printer_condition sample")


@pytest.fixture
def paper_store(tmp_path: Path, providers: Any) -> Iterator[tuple[Till, TestPrinter]]:
    """A small restaurant whose hot station prints on a test printer we can empty."""
    node = make_node(tmp_path, printer_connect_timeout_s=1.0)
    ids = a_small_restaurant(node)
    stations = a_kitchen(node, ids)
    printer = TestPrinter().start()
    add_printer(node, "Hot printer", printer.port, stations["hot"])
    try:
        for till in open_till(node, ids, providers):
            yield till, printer
    finally:
        printer.stop()
        node.close()


def test_a_printer_out_of_paper_is_named_with_the_fix_and_in_the_metrics(
    paper_store: tuple[Till, TestPrinter],
) -> None:
    till, emulator = paper_store
    printers_probed(till)
    worker = worker_of(till.node)
    assert worker is not None
    printer = next(iter(worker.health))
    emulator.paper_out = True
    asyncio.run(worker.probe_all())
    found = findings(till)["printer.Hot printer"]
    assert found["severity"] == "fail", found
    assert found["cause"]["en"] == "printer Hot printer is out of paper"
    assert "没纸" in found["cause"]["zh"]
    assert "load a new roll" in found["fix"]["en"]
    assert "kitchen screens" in found["works"]["en"]
    assert _condition(till.node, "Hot printer", "paper_out") == 1
    emulator.paper_out, emulator.cover_open = False, True
    asyncio.run(worker.probe_all())
    found = findings(till)["printer.Hot printer"]
    assert "cover is open" in found["cause"]["en"] and "close" in found["fix"]["en"]
    emulator.cover_open = False
    asyncio.run(worker.probe_all())
    assert findings(till)["printer.Hot printer"]["severity"] == "ok"
    assert _condition(till.node, "Hot printer", "paper_out") == 0
    assert worker.health[printer].reason is None


# -- HQ: its clock, its round trip, the names ------------------------------------------------


def joined(node: Node, url: str) -> None:
    node.writer.run(
        lambda tx: tx.conn.execute(
            sa.insert(sync_state).values(
                id=1,
                hq_url=url,
                store_id=node.settings.store_id,
                credential="c",
                epoch=1,
                acked_seq=0,
                acked_digest=GENESIS,
                catalogue_version=0,
                status="ok",
                enrolled_at_ms=node.now_ms(),
            )
        )
    )


def run(node: Node) -> dict[str, dict[str, Any]]:
    found = asyncio.run(doctor.run_doctor(node, live=False))
    return {f.check: f.to_json() for f in found}


def test_a_clock_a_minute_and_a_half_off_hq_fails_and_says_how_to_fix_it(tmp_path: Path) -> None:
    node = make_node(tmp_path)
    try:
        with running_hq(tmp_path, SkewedClock(-90_000)) as hq:  # HQ 90 s behind: we are ahead
            joined(node, hq.url)
            found = run(node)
    finally:
        node.close()
    clock = found["clock"]
    assert clock["severity"] == "fail", clock
    assert "ahead of HQ" in clock["cause"]["en"] and "NTP" in clock["fix"]["en"]
    assert 85_000 < clock["facts"]["skew_ms"] < 95_000
    assert found["hq"]["severity"] == "ok" and found["hq"]["facts"]["rtt_ms"] < 1000
    assert found["dns.hq"]["severity"] == "ok"


def test_a_clock_within_five_seconds_is_fine(tmp_path: Path) -> None:
    node = make_node(tmp_path)
    try:
        with running_hq(tmp_path, SkewedClock(2_000)) as hq:
            joined(node, hq.url)
            found = run(node)
    finally:
        node.close()
    assert found["clock"]["severity"] == "ok", found["clock"]


def test_a_dead_hq_and_a_name_that_does_not_resolve_cost_at_most_the_deadline(
    tmp_path: Path,
) -> None:
    node = make_node(tmp_path)
    try:
        with closed_port() as refused:
            joined(node, f"http://{HOST}:{refused}")
            start = time.monotonic()
            found = run(node)
            took = time.monotonic() - start
        assert took < 10, took
        assert found["hq"]["severity"] == "warn"
        assert "HQ does not answer" in found["hq"]["cause"]["en"]
        assert found["hq"]["works"]["en"] and found["hq"]["fix"]["zh"]
        node.writer.run(
            lambda tx: tx.conn.execute(
                sa.update(sync_state).values(hq_url="http://hq.hearth-test.invalid:9")
            )
        )
        start = time.monotonic()
        found = run(node)
        assert time.monotonic() - start < 10
    finally:
        node.close()
    dns = found["dns.hq"]
    assert dns["severity"] == "warn", dns
    assert "hq.hearth-test.invalid" in dns["cause"]["en"] and "DNS" in dns["fix"]["en"]


def test_a_lookup_that_never_answers_is_cut_at_its_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hearth.ops import probes

    def hang(*_a: Any, **_k: Any) -> Any:
        time.sleep(3)
        raise OSError("late")

    monkeypatch.setattr(probes.socket, "getaddrinfo", hang)
    start = time.monotonic()
    got = asyncio.run(probes.resolve("alipay", "openapi.alipay.com", timeout_s=0.3))
    assert time.monotonic() - start < 1.5
    assert got.addresses == () and "no answer" in (got.error or "")


# -- the year ahead --------------------------------------------------------------------------


@given(
    db=st.integers(1, 10**10),
    events=st.integers(1, 10**8),
    days=st.lists(st.integers(0, 10**6), min_size=1, max_size=14),
)
def test_the_projection_grows_with_the_median_day_at_the_files_bytes_per_event(
    db: int, events: int, days: list[int]
) -> None:
    g = rules.project_size(db, events, days)
    assert g.projected_bytes >= db
    days_sorted = sorted(days)
    assert min(days_sorted) <= g.events_per_day <= max(days_sorted)
    assert abs(g.projected_bytes - (db + db / events * g.events_per_day * 365)) <= 1


def test_one_holiday_does_not_move_the_projection() -> None:
    usual = rules.project_size(100 * rules.MB, 100_000, [1000] * 13)
    holiday = rules.project_size(100 * rules.MB, 100_000, [1000] * 12 + [20_000])
    assert holiday.projected_bytes == usual.projected_bytes


def test_growth_beyond_the_free_disk_fails() -> None:
    g = rules.project_size(1000 * rules.MB, 1_000_000, [10_000] * 14)  # +3.6 GB a year
    assert rules.judge_growth(g, 10_000 * rules.MB).severity is Severity.OK
    assert rules.judge_growth(g, 4000 * rules.MB).severity is Severity.WARN
    assert rules.judge_growth(g, 2000 * rules.MB).severity is Severity.FAIL


def test_the_doctor_projects_a_year_from_the_journal_of_the_last_days(tmp_path: Path) -> None:
    from hearth.bootstrap import build_node
    from hearth.ordering.service import Channel, Context, LineInput, place_order
    from hearth.testing.builders import fast_settings

    clock = ManualClock()
    node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db"), clock=clock)
    try:
        ids = a_small_restaurant(node)
        item = ids.items["rice"]
        for day in range(5):
            n = 30 if day != 2 else 300  # one busy day among quiet ones
            ctx = Context(None, clock.now_ms(), node.settings.timezone)
            node.writer.run_batch(
                [
                    lambda tx, ctx=ctx: place_order(
                        tx, ctx, channel=Channel.TAKEAWAY, table_id=None, lines=[LineInput(item)]
                    )
                ]
                * n
            )
            clock.advance(rules.DAY_MS)
        found = run(node)["database.growth"]
    finally:
        node.close()
    assert found["severity"] == "ok", found
    facts = found["facts"]
    assert facts["days_seen"] >= 4
    assert 50 <= facts["events_per_day"] <= 70, facts  # two events an order; not the busy day
    assert facts["projected_bytes"] > facts["db_bytes"]
    assert "a year from now" in found["cause"]["en"]
