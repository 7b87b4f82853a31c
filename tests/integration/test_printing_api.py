"""Printer configuration, health, test pages and customer receipts over the HTTP API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hearth.bootstrap import build_node
from hearth.printing.emulator import TestPrinter
from hearth.testing.builders import fast_settings
from hearth.testing.waiting import wait_until
from tests.integration.test_printing import FAST, Kitchen, running_kitchen
from tests.integration.test_printing import a_ticket as a_ticket_doc


@pytest.fixture
def kit(tmp_path: Path) -> Iterator[Kitchen]:
    node = build_node(fast_settings(f"sqlite:///{tmp_path}/store.db", **FAST))
    try:
        yield from running_kitchen(node)
    finally:
        node.close()


def post(kit: Kitchen, path: str, body: Any, who: str = "M01", key: str | None = None) -> Any:
    """POST as ``who``, signing in once per test (a sign-in is itself a journal event)."""
    return kit.api.post(path, body, kit.headers(who), key)


def a_printer(dev: TestPrinter, **kw: Any) -> dict[str, Any]:
    return {
        "name": "前台收银 Front",
        "host": "127.0.0.1",
        "port": dev.port,
        "kind": "receipt",
        "paper_width": 58,
    } | kw


def an_order(kit: Kitchen) -> dict[str, Any]:
    ids = kit.ids
    r = post(
        kit,
        "/api/orders",
        {
            "table_id": ids.tables["A01"],
            "guests": 2,
            "lines": [
                {
                    "item_id": ids.items["gbjd"],
                    "quantity": 2,
                    "modifier_option_ids": [ids.options["Mild"]],
                },
                {"item_id": ids.items["cola"], "spec_id": ids.specs["large"]},
            ],
        },
        "W01",
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_a_manager_adds_and_changes_printers_and_staff_can_see_them(kit):
    dev = TestPrinter().start()
    kit.devices["front"] = dev
    r = post(kit, "/api/printers", a_printer(dev))
    assert r.status_code == 201, r.text
    printer = r.json()
    assert printer["port"] == dev.port and printer["enabled"] is True
    r = post(
        kit,
        "/api/printers",
        {
            "name": "热菜",
            "host": "127.0.0.1",
            "station_id": kit.hot,
            "backup_printer_id": printer["id"],
        },
    )
    assert r.status_code == 201, r.text
    hot = r.json()
    assert hot["port"] == 9100 and hot["kind"] == "kitchen" and hot["paper_width"] == 80
    m = kit.api.login("M01")
    r = kit.api.client.patch(
        f"/api/printers/{hot['id']}",
        json={"enabled": False},
        headers=m | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 200 and r.json()["enabled"] is False
    listed = kit.api.client.get("/api/printers", headers=kit.api.login("K01")).json()
    assert [p["name"] for p in listed] == ["前台收银 Front", "热菜"]
    health = kit.api.client.get("/api/printers/health", headers=kit.api.login("W01")).json()
    assert {h["name"]: h["state"] for h in health}["热菜"] == "disabled"


def test_only_managers_configure_printers(kit):
    dev = TestPrinter().start()
    kit.devices["front"] = dev
    for who in ("C01", "W01", "K01"):
        post(kit, "/api/printers/receipts", {"order_id": ""}, who)  # sign in first
    before = kit.seq()
    for who in ("C01", "W01", "K01"):
        r = post(kit, "/api/printers", a_printer(dev), who)
        assert r.status_code == 403, (who, r.text)
    assert kit.seq() == before


def test_bad_printer_settings_are_refused_and_nothing_is_written(kit):
    dev = TestPrinter().start()
    kit.devices["front"] = dev
    ok = post(kit, "/api/printers", a_printer(dev)).json()
    m = kit.api.login("M01") | {"Idempotency-Key": uuid.uuid4().hex}
    before = kit.seq()
    for body, field in (
        (a_printer(dev, name="x", port=70000), "port"),
        (a_printer(dev, name="x", port=0), "port"),
        (a_printer(dev, name="x", paper_width=76), "paper_width"),
        (a_printer(dev, name="x", kind="label"), "kind"),
        (a_printer(dev, name="x", station_id="no-such-station"), "station_id"),
        (a_printer(dev, name="x", backup_printer_id="nope"), "backup_printer_id"),
        (a_printer(dev, name="x", host="10.0.0.1 9100"), "host"),
        (a_printer(dev, name="x", host="printer\u0000one"), "host"),
        (a_printer(dev, name="x", host="-kitchen.local"), "host"),
        (a_printer(dev, name="x", price=1), "price"),
    ):
        r = post(kit, "/api/printers", body)
        assert r.status_code == 422, (body, r.text)
        assert field in r.text, (field, r.text)
    r = post(kit, "/api/printers", a_printer(dev))
    assert r.status_code == 409 and r.json()["code"] == "printer-name-taken"
    for body in (
        {"port": 65536},
        {"name": None},
        {"backup_printer_id": ok["id"]},
        {"host": "kitchen printer"},
    ):
        r = kit.api.client.patch(f"/api/printers/{ok['id']}", json=body, headers=m)
        assert r.status_code == 422, (body, r.text)
    r = kit.api.client.patch("/api/printers/no-such-printer", json={"enabled": False}, headers=m)
    assert r.status_code == 404 and r.json()["code"] == "printer-not-found"
    assert kit.seq() == before


def test_backups_cannot_go_round_in_a_circle(kit):
    a = kit.add_printer("A")
    b = kit.add_printer("B", backup="A")
    m = kit.api.login("M01") | {"Idempotency-Key": uuid.uuid4().hex}
    r = kit.api.client.patch(f"/api/printers/{a}", json={"backup_printer_id": b}, headers=m)
    assert r.status_code == 422 and r.json()["code"] == "backup-cycle"


def test_a_test_page_prints_chinese_on_the_chosen_printer(kit):
    pid = kit.add_printer("热菜打印机", station_id=kit.hot, paper=58)
    r = post(kit, f"/api/printers/{pid}/test", {}, "K01")
    assert r.status_code == 201, r.text
    dev = kit.devices["热菜打印机"]
    text = dev.text(dev.wait_for_jobs(1)[0])
    assert "打印测试 TEST" in text and "宫保鸡丁" in text and "58 mm, 32" in text
    r = post(kit, "/api/printers/no-such-printer/test", {}, "K01")
    assert r.status_code == 404


def test_a_receipt_prints_the_order_with_its_totals_and_a_second_one_says_reprint(kit):
    kit.add_printer("前台 Front", kind="receipt")
    order = an_order(kit)
    before = kit.seq()
    key = uuid.uuid4().hex
    r = post(kit, "/api/printers/receipts", {"order_id": order["id"]}, "C01", key)
    assert r.status_code == 201, r.text
    assert r.json()["reprint"] is False and r.json()["total"] == order["totals"]["total"]
    again = post(kit, "/api/printers/receipts", {"order_id": order["id"]}, "C01", key)
    assert again.json() == r.json(), "a retried request is the same print, not a second one"
    dev = kit.devices["前台 Front"]
    text = dev.text(dev.wait_for_jobs(1)[0])
    total = order["totals"]["total"]
    for expected in (
        "宫保鸡丁 x2",
        "+ 微辣",
        "可乐(大杯) x1",
        "桌 A01",
        "合计 TOTAL",
        f"¥{total // 100}.{total % 100:02d}",
        f"#{order['number']}",
    ):
        assert expected in text, (expected, text)
    assert "REPRINT" not in text
    r2 = post(kit, "/api/printers/receipts", {"order_id": order["id"]}, "W01")
    assert r2.status_code == 201 and r2.json()["reprint"] is True
    jobs = dev.wait_for_jobs(2)
    assert len(jobs) == 2 and "REPRINT" in dev.text(jobs[1])
    assert kit.seq() > before


def test_a_receipt_shows_the_payments_taken(kit):
    kit.add_printer("前台 Front", kind="receipt")
    order = an_order(kit)
    total = order["totals"]["total"]
    cashier = kit.api.login("C01")
    shift = kit.api.post("/api/shifts/open", {"float": 50000}, cashier)
    assert shift.status_code in (200, 201), shift.text
    paid = kit.api.post(
        f"/api/orders/{order['id']}/payments",
        {"tender": "cash", "amount": total, "tendered": total + 2000},
        cashier,
    )
    assert paid.status_code in (200, 201), paid.text
    r = post(kit, "/api/printers/receipts", {"order_id": order["id"]}, "C01")
    assert r.status_code == 201, r.text
    dev = kit.devices["前台 Front"]
    text = dev.text(dev.wait_for_jobs(1)[0])
    assert "现金 Cash" in text and "找零 Change" in text and "¥20.00" in text
    assert "已付 Paid" in text


def test_receipts_for_unknown_orders_or_printers_write_nothing(kit):
    kit.add_printer("前台 Front", kind="receipt")
    order = an_order(kit)
    post(kit, "/api/printers/receipts", {}, "C01")  # sign in first
    before = kit.seq()
    r = post(kit, "/api/printers/receipts", {"order_id": "no-such-order"}, "C01")
    assert r.status_code == 404 and r.json()["code"] == "order-not-found"
    r = post(
        kit,
        "/api/printers/receipts",
        {"order_id": order["id"], "printer_id": "no-such-printer"},
        "C01",
    )
    assert r.status_code == 422 and r.json()["field"] == "printer_id"
    r = post(kit, "/api/printers/receipts", {"order_id": order["id"], "copies": 3}, "C01")
    assert r.status_code == 422
    assert kit.seq() == before
    assert kit.devices["前台 Front"].jobs == []


def test_staff_see_the_jobs_waiting_for_a_printer(kit):
    kit.add_printer("热菜打印机", station_id=kit.hot)
    kit.devices["热菜打印机"].down()
    job = kit.enqueue()
    w = kit.api.login("W01")
    rows = wait_until(lambda: kit.api.client.get("/api/printers/jobs", headers=w).json())
    assert rows[0]["id"] == job and rows[0]["printer_name"] == "热菜打印机"
    assert rows[0]["status"] in ("queued", "sending", "failed")
    r = kit.api.client.get("/api/printers/jobs?status=lost", headers=w)
    assert r.status_code == 422
    assert kit.api.client.get("/api/printers/jobs?status=printed", headers=w).json() == []


def test_a_lost_ticket_is_reprinted_marked_as_a_reprint(kit):
    kit.add_printer("热菜打印机", station_id=kit.hot)
    job = kit.enqueue(a_ticket_doc())
    dev = kit.devices["热菜打印机"]
    dev.wait_for_jobs(1)
    key = uuid.uuid4().hex
    r = post(kit, f"/api/printers/jobs/{job}/reprint", {}, "K01", key)
    assert r.status_code == 201, r.text
    assert post(kit, f"/api/printers/jobs/{job}/reprint", {}, "K01", key).json() == r.json()
    jobs = dev.wait_for_jobs(2)
    assert len(jobs) == 2
    text = dev.text(jobs[1])
    assert "重印 REPRINT" in text and "宫保鸡丁" in text
    r = post(kit, "/api/printers/jobs/no-such-job/reprint", {}, "K01")
    assert r.status_code == 404


def test_jobs_on_a_printer_switched_off_move_to_its_backup(kit):
    kit.add_printer("备用 Backup")
    main = kit.add_printer("热菜打印机", station_id=kit.hot, backup="备用 Backup")
    kit.devices["热菜打印机"].mode = "hung"  # so the job is still waiting when switched off
    m = kit.headers("M01") | {"Idempotency-Key": uuid.uuid4().hex}
    job = kit.enqueue(a_ticket_doc(), printer_id=main)
    r = kit.api.client.patch(f"/api/printers/{main}", json={"enabled": False}, headers=m)
    assert r.status_code == 200
    backup = kit.devices["备用 Backup"]
    assert len(backup.wait_for_jobs(1)) == 1
    row = wait_until(lambda: (j := kit.job(job)).status == "printed" and j)
    assert row.printer_id == kit.printer_ids["备用 Backup"]
    kit.devices["热菜打印机"].mode = "ok"
