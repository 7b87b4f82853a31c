"""``hearth doctor`` on a running node: names each fault with its fix, never hangs on a dead
peer, fixes what is safe, and packs a support bundle without secrets or phone numbers."""

from __future__ import annotations

import json
import socket
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from hearth.cli import app
from hearth.core.digest import GENESIS
from hearth.kitchen.fallback import screens_of
from hearth.ops.checks import wal_bytes
from hearth.printing import service as printing
from hearth.printing.emulator import TestPrinter
from hearth.printing.lifecycle import worker_of
from hearth.sync.tables import sync_state
from hearth.testing.builders import a_kitchen, a_small_restaurant
from hearth.testing.ports import HOST, closed_port
from hearth.testing.waiting import wait_until
from tests.integration.test_payments_fixtures import Till, make_node, open_till, providers

__all__ = ["providers"]
CODE = "M01"  # a manager


def findings(till: Till, who: str = CODE) -> dict[str, dict[str, Any]]:
    r = till.get("/api/ops/doctor", who=who)
    assert r.status_code == 200, r.text
    return {f["check"]: f for f in r.json()["findings"]}


def add_printer(till_node: Any, name: str, port: int, station_id: str | None) -> str:
    return str(
        till_node.writer.run(
            lambda tx: printing.add_printer(
                tx, printing.PrinterSpec(name=name, host=HOST, port=port, station_id=station_id)
            )
        )
    )


@pytest.fixture
def store(tmp_path: Path, providers: Any) -> Iterator[tuple[Till, dict[str, str]]]:
    """A small restaurant with its kitchen stations and a printer that answers."""
    node = make_node(tmp_path, printer_connect_timeout_s=1.0)
    ids = a_small_restaurant(node)
    stations = a_kitchen(node, ids)
    printer = TestPrinter().start()
    add_printer(node, "Hot printer", printer.port, stations["hot"])
    try:
        for till in open_till(node, ids, providers):
            yield till, stations
    finally:
        printer.stop()
        node.close()


def screens_on(till: Till, stations: dict[str, str]) -> None:
    for sid in stations.values():
        screens_of(till.node).opened(sid)


def printers_probed(till: Till) -> None:
    worker = worker_of(till.node)
    assert worker is not None
    wait_until(
        lambda: worker.health and all(h.state != "unknown" for h in worker.health.values()),
        what="the printers probed",
    )


def test_a_healthy_store_is_all_ok(store: Any) -> None:
    till, stations = store
    screens_on(till, stations)
    printers_probed(till)
    found = findings(till)
    assert found["backup"]["severity"] == "warn"
    assert found["backup"]["cause"]["en"] == "no backup has been taken yet"
    r = till.post("/api/backup/now", None, who="O01")
    assert r.status_code in (200, 201), r.text
    found = findings(till)
    bad = {k: f["cause"]["en"] for k, f in found.items() if f["severity"] != "ok"}
    assert not bad, bad
    assert {
        "database.integrity",
        "database.wal",
        "database.disk",
        "writer",
        "sync",
        "payments.alipay",
        "printer.Hot printer",
        "kds.Hot Kitchen",
        "orders.kitchen",
        "orders.payments",
        "backup",
    } <= set(found)


def test_a_cashier_may_not_run_the_doctor(store: Any) -> None:
    till, _ = store
    assert till.get("/api/ops/doctor", who="C01").status_code == 403


def test_a_station_without_a_screen_is_a_warning_that_says_what_still_works(store: Any) -> None:
    till, stations = store
    screens_of(till.node).opened(stations["hot"])
    found = findings(till)
    bar = found["kds.Bar"]
    assert bar["severity"] == "warn"
    assert "Bar" in bar["cause"]["en"] and bar["works"]["zh"] and bar["fix"]["en"]
    assert found["kds.Hot Kitchen"]["severity"] == "ok"


def test_a_provider_that_is_down_fails_by_name_with_the_fix(store: Any) -> None:
    till, _ = store
    till.providers["alipay"].mode = "down"
    for _ in range(3):  # the breaker opens after three failed calls; wechat takes each one
        order = till.order("gbjd")
        p = till.pay(order["id"], tender="wallet_qr", amount=3800).json()
        assert p["provider"] == "wechat", p
    found = findings(till)
    alipay = found["payments.alipay"]
    assert alipay["severity"] == "fail", alipay
    assert "alipay" in alipay["cause"]["en"] and "alipay" in alipay["cause"]["zh"]
    assert "another way" in alipay["fix"]["en"] and alipay["works"]["en"]
    assert found["payments.wechat"]["severity"] == "ok"


def test_fix_checkpoints_the_wal_and_says_so(store: Any) -> None:
    till, stations = store
    screens_on(till, stations)
    for _ in range(5):
        till.order("gbjd", "mpdf")
    before = wal_bytes(till.node)
    assert before > 0
    r = till.post("/api/ops/doctor/fix", None, who=CODE)
    assert r.status_code == 200, r.text
    fixes = {x["fix"]: x for x in r.json()["fixes"]}
    assert fixes["checkpoint-wal"]["ok"], fixes
    assert "checkpointed" in fixes["checkpoint-wal"]["en"]
    assert wal_bytes(till.node) < before


def test_fix_needs_an_idempotency_key(store: Any) -> None:
    till, _ = store
    r = till.client.post("/api/ops/doctor/fix", headers=till.login(CODE))
    assert r.status_code in (400, 422, 428), r.text
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.fixture
def silent_printer() -> Iterator[int]:
    """Takes connections (the kernel's backlog) and never reads or answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def test_dead_peers_cost_the_doctor_no_more_than_its_deadline(
    tmp_path: Path, providers: Any, silent_printer: int
) -> None:
    node = make_node(tmp_path, printer_connect_timeout_s=1.0)
    ids = a_small_restaurant(node)
    stations = a_kitchen(node, ids)
    add_printer(node, "Silent", silent_printer, stations["hot"])
    with closed_port() as refused:
        add_printer(node, "Gone", refused, stations["bar"])
        node.writer.run(
            lambda tx: tx.conn.execute(
                sa.insert(sync_state).values(
                    id=1,
                    hq_url=f"http://{HOST}:{refused}",
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
        tills = open_till(node, ids, providers)
        try:
            till = next(tills)
            wait_until(
                lambda: till.get("/api/sync/status", who=CODE).json()["hq_reachable"] is False,
                timeout=15,
                what="HQ unreachable",
            )
            printers_probed(till)
            start = time.monotonic()
            found = findings(till)
            took = time.monotonic() - start
            assert took < 10, took
            assert found["printer.Gone"]["severity"] == "fail"
            assert found["printer.Silent"]["severity"] in ("warn", "fail")
            assert found["sync"]["severity"] in ("warn", "fail")
            assert "HQ" in found["sync"]["cause"]["en"]
            assert found["sync"]["safe_fix"] == "wake-sync"
        finally:
            next(tills, None)  # leaves the client: stops the node's tasks
            node.close()


def test_the_bundle_holds_no_secret_and_no_full_phone_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path}/store.db"
    node = make_node(tmp_path)
    a_small_restaurant(node)
    node.close()
    secrets = {
        "HEARTH_PAYMENT_STRIPE_API_KEY": "sk_live_TOPSECRET1",
        "HEARTH_DELIVERY_MEITUAN_SECRET": "mt-TOPSECRET2",
        "HEARTH_PAYMENT_WECHAT_PRIVATE_KEY": "-----BEGIN TOPSECRET3-----",
    }
    for k, v in secrets.items():
        monkeypatch.setenv(k, v)
    log = tmp_path / "hearth.log"
    log.write_text(
        "order.created phone=13812345678 token=TOPSECRET4\n"
        '{"event": "call", "customer_phone": "13912345678", '
        '"hq_credential": "TOPSECRET5"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "bundle.zip"
    result = CliRunner().invoke(
        app, ["doctor", "--db", db, "--bundle", str(out), "--log-file", str(log), "--lang", "en"]
    )
    assert result.exit_code == 1, result.output  # no backup taken yet: a warning
    assert "backup" in result.output
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        text = "\n".join(z.read(n).decode() for n in names)
    assert {"report.json", "settings.json", "log.txt"} <= names
    for secret in [*secrets.values(), "TOPSECRET4", "TOPSECRET5", "13812345678", "13912345678"]:
        assert secret not in text
    assert "138****5678" in text and "139****5678" in text
    with zipfile.ZipFile(out) as z:
        assert json.loads(z.read("settings.json"))["store_id"]
        report = json.loads(z.read("report.json"))
    assert {f["check"] for f in report["findings"]} >= {"database.integrity", "backup"}
