"""Fault response: each fault class injected for real on a running store node, timed.

For each class the node runs a drill (``hearth.ops.drills``) while tills keep ordering and
paying cash: the time until the doctor notices (goal <= 10 s), the time until it is well
again after the fault is removed (goal <= 60 s), and whether anything was lost (the journal
has no gap, every order and payment made meanwhile is there, HQ holds it all). The classes:
a payment provider down in the emulator, the HQ link cut, a KDS screen's socket dropped, a
printer's socket closed (and, beside it, a printer out of paper), the node killed (SIGKILL of
a node process; a supervisor starts it again), and the writer's disk full (the database on
the power-cut FUSE file system, ``hearth.testing.powercut_fs``, with its disk-full switch).

The store is a real node served by uvicorn on loopback in this process (so the drill can reach
the test printers on its switchboard), with the payment emulator and a real HQ app beside it.
``FaultStore`` is also what tests/integration/test_module_independence.py drives.

    python -m bench.fault_response [--hold 4] [--json bench/results/fault_response.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from rich.table import Table

from bench.common import percentile
from hearth.bootstrap import build_node, create_app
from hearth.core.node import Node
from hearth.hq import service as hq_service
from hearth.hq.app import build_hq, create_hq_app
from hearth.hq.config import HQSettings
from hearth.kitchen.fallback import screens_of
from hearth.ops import drills as drills_mod
from hearth.ops.drill_faults import switchboard_of
from hearth.payments.emulator import Emulator
from hearth.printing import service as printing
from hearth.printing.emulator import TestPrinter
from hearth.sync import service as sync_service
from hearth.testing.builders import DemoIds, a_kitchen, a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess
from hearth.testing.waiting import wait_until

DETECT_GOAL_S = 10.0
RECOVER_GOAL_S = 60.0


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, int]:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    return server, thread, int(sock.getsockname()[1])


@dataclass
class FaultStore:
    """A store node on loopback with its emulator, test printers and HQ, ready to break."""

    workdir: Path
    with_hq: bool = True
    node: Node | None = None
    ids: DemoIds | None = None
    stations: dict[str, str] = field(default_factory=dict)
    printers: dict[str, TestPrinter] = field(default_factory=dict)  # printer id -> printer
    emulator: Emulator | None = None
    url: str = ""
    _servers: list[tuple[uvicorn.Server, threading.Thread]] = field(default_factory=list)
    _tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    _hq: Any = None

    def start(self) -> FaultStore:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.emulator = Emulator(qr_autopay_ms=200).start()
        keys = {
            k.removeprefix("HEARTH_").lower(): v for k, v in self.emulator.settings_env().items()
        }
        settings = fast_settings(
            f"sqlite:///{self.workdir}/store.db",
            payment_call_timeout_ms=500,
            payment_breaker_cooldown_ms=2000,
            printer_probe_interval_s=1.0,
            printer_connect_timeout_s=0.5,
            kitchen_fallback_after_s=3.0,
            backup_interval_s=0,
            **keys,
        )
        node = self.node = build_node(settings)
        ids = self.ids = a_small_restaurant(node)
        self.stations = a_kitchen(node, ids)
        receipt = TestPrinter().start()
        receipt_id = self._add_printer("Front counter", receipt, None, None)
        for key, sid in self.stations.items():
            p = TestPrinter().start()
            self._add_printer(f"{key} printer", p, sid, receipt_id)
        if self.with_hq:
            self._start_hq()
        server, thread, port = _serve(create_app(node=node))
        self._servers.append((server, thread))
        self.url = f"http://127.0.0.1:{port}"
        drills_mod.drills_of(node).timing = drills_mod.Timing(
            poll_s=0.25, recover_timeout_s=RECOVER_GOAL_S + 10, sync_wait_s=20
        )
        return self

    def _add_printer(
        self, name: str, printer: TestPrinter, station_id: str | None, backup: str | None
    ) -> str:
        assert self.node is not None
        pid = str(
            self.node.writer.run(
                lambda tx: printing.add_printer(
                    tx,
                    printing.PrinterSpec(
                        name=name,
                        host=printer.host,
                        port=printer.port,
                        kind="kitchen" if station_id else "receipt",
                        station_id=station_id,
                        backup_printer_id=backup,
                    ),
                )
            )
        )
        self.printers[pid] = printer
        switchboard_of(self.node).add_printer(printer.address, printer)
        return pid

    def _start_hq(self) -> None:
        assert self.node is not None
        node = self.node
        settings = HQSettings(
            db_url=f"sqlite:///{self.workdir}/hq.db", argon2_time_cost=1, argon2_memory_kib=1024
        )
        hq = self._hq = build_hq(settings)
        server, thread, port = _serve(create_hq_app(settings, hq))
        self._servers.append((server, thread))
        code = hq_service.create_store(hq, node.settings.store_id, "炉火小馆 · 演练")

        async def write(command: Any) -> Any:
            return await asyncio.to_thread(node.writer.run, command)

        asyncio.run(
            sync_service.enrol(
                node.engine,
                write,
                node.settings.store_id,
                f"http://127.0.0.1:{port}",
                code,
                node.clock.now_ms(),
            )
        )

    def stop(self) -> None:
        for server, thread in reversed(self._servers):
            server.should_exit = True
            thread.join(15)
        for p in self.printers.values():
            p.stop()
        if self.emulator is not None:
            self.emulator.stop()
        if self.node is not None:
            self.node.close()
        if self._hq is not None:
            self._hq.engine.dispose()

    # -- a till --------------------------------------------------------------------------
    def auth(self, code: str) -> dict[str, str]:
        assert self.ids is not None
        if code not in self._tokens:
            r = httpx.post(
                f"{self.url}/api/auth/pin",
                json={"staff_code": code, "pin": self.ids.pins[code]},
                headers={"X-Terminal-Key": self.ids.terminal_key},
                timeout=10,
            )
            r.raise_for_status()
            self._tokens[code] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self._tokens[code]

    def post(self, path: str, body: Any, who: str = "C01") -> httpx.Response:
        headers = self.auth(who) | {"Idempotency-Key": uuid.uuid4().hex}
        return httpx.post(f"{self.url}{path}", json=body, headers=headers, timeout=30)

    def get(self, path: str, who: str = "M01") -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers=self.auth(who), timeout=30)

    def order_and_cash(self) -> float:
        """One takeaway order sent to the kitchen and paid in cash; its wall time in ms."""
        assert self.ids is not None
        start = time.perf_counter()
        lines = [{"item_id": self.ids.items["rice"], "quantity": 1}]
        r = self.post("/api/orders", {"channel": "takeaway", "lines": lines, "submit": True}, "W01")
        r.raise_for_status()
        order = r.json()
        total = int(order["totals"]["total"])
        p = self.post(
            f"/api/orders/{order['id']}/payments",
            {"tender": "cash", "amount": total, "tendered": total},
        )
        assert p.status_code == 200 and p.json()["status"] == "succeeded", p.text
        return (time.perf_counter() - start) * 1000

    @contextmanager
    def screen(self, station: str) -> Iterator[dict[str, int]]:
        """A kitchen screen on ``station``'s live feed that reconnects when cut, as the KDS
        page does; counts its connections."""
        seen = {"connections": 0}
        stop = threading.Event()
        headers = self.auth("K01")
        url = f"{self.url}/api/kitchen/stations/{self.stations[station]}/feed"

        def run() -> None:
            while not stop.is_set():
                try:
                    with httpx.stream("GET", url, headers=headers, timeout=5) as r:
                        seen["connections"] += 1
                        for _ in r.iter_lines():
                            if stop.is_set():
                                return
                except httpx.HTTPError:
                    pass
                stop.wait(0.5)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        try:
            yield seen
        finally:
            stop.set()
            thread.join(10)


# -- one drill, timed -------------------------------------------------------------------------


@dataclass
class Result:
    fault: str
    detected_s: float | None
    recovered_s: float | None
    nothing_lost: bool | None
    orders: int = 0
    p95_ms: float = 0.0
    note: str = ""

    @property
    def passed(self) -> bool:
        return (
            self.detected_s is not None
            and self.detected_s <= DETECT_GOAL_S
            and self.recovered_s is not None
            and self.recovered_s <= RECOVER_GOAL_S
            and bool(self.nothing_lost)
        )


def run_drill(store: FaultStore, fault: str, target: str | None, hold_s: float) -> Result:
    """Start the drill over the API as the owner; keep a till busy until it finishes."""
    body = {"fault": fault, "target": target, "duration_s": hold_s, "force": True}
    r = store.post("/api/ops/drills", body, "O01")
    assert r.status_code == 202, r.text
    drill_id = r.json()["id"]
    took: list[float] = []
    deadline = time.monotonic() + hold_s + RECOVER_GOAL_S + 60
    report: dict[str, Any] = {}
    while time.monotonic() < deadline:
        took.append(store.order_and_cash())
        report = store.get(f"/api/ops/drills/{drill_id}").json()
        if report["status"] != "running":
            break
        time.sleep(0.2)
    det, rec = report.get("detected_after_ms"), report.get("recovered_after_ms")
    return Result(
        fault,
        det / 1000 if det is not None else None,
        rec / 1000 if rec is not None else None,
        report.get("nothing_lost"),
        len(took),
        percentile(took, 95),
        report.get("summary_en") or "",
    )


def node_killed(workdir: Path) -> Result:
    """SIGKILL a node process mid-rush; a supervisor (this function) starts it again. Detection
    is the supervisor seeing the process gone; recovery is until /readyz answers again; every
    order acknowledged before the kill must be there after."""
    db_url = f"sqlite:///{workdir}/killed.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    setup.close()
    proc = NodeProcess(db_url, log=workdir / "killed.log")
    proc.start()
    r = httpx.post(
        f"{proc.base_url}/api/auth/pin",
        json={"staff_code": "W01", "pin": ids.pins["W01"]},
        headers={"X-Terminal-Key": ids.terminal_key},
        timeout=10,
    )
    auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
    acked: list[str] = []
    lines = [{"item_id": ids.items["rice"], "quantity": 1}]
    for _ in range(20):
        o = httpx.post(
            f"{proc.base_url}/api/orders",
            json={"channel": "takeaway", "lines": lines, "submit": True},
            headers=auth | {"Idempotency-Key": uuid.uuid4().hex},
            timeout=10,
        )
        if o.status_code == 201 or o.status_code == 200:
            acked.append(o.json()["id"])
    assert proc.proc is not None
    pid = proc.proc.pid
    t0 = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    proc.proc.wait(10)
    detected = time.monotonic() - t0
    proc.start()
    recovered = time.monotonic() - t0
    try:
        missing = [
            oid
            for oid in acked
            if httpx.get(f"{proc.base_url}/api/orders/{oid}", headers=auth, timeout=10).status_code
            != 200
        ]
    finally:
        proc.stop()
    return Result(
        "node-killed",
        detected,
        recovered,
        not missing and bool(acked),
        len(acked),
        note=f"{len(acked)} acknowledged orders, {len(missing)} missing after the restart",
    )


def disk_full(workdir: Path, hold_s: float) -> Result:
    """The writer's disk full: the node's database on the power-cut file system
    (``hearth.testing.powercut_fs``) with its ``full`` switch on (every data write fails with
    ENOSPC, statfs says no space). Detection is the doctor naming the database or its disk;
    recovery is, after the switch is off, an order acknowledged again and the doctor content;
    every order acknowledged before, during and after must be there."""
    from hearth.testing.powercut_fs import PowerCutDisk

    backing, mount = workdir / "disk-backing", workdir / "disk"
    backing.mkdir(parents=True, exist_ok=True)
    mount.mkdir(parents=True, exist_ok=True)
    with PowerCutDisk(backing, mount, log=workdir / "fuse.log") as disk:
        db_url = f"sqlite:///{mount}/store.db"
        setup = build_node(fast_settings(db_url, backup_interval_s=0))
        ids = a_small_restaurant(setup)
        setup.close()
        disk.sync()
        proc = NodeProcess(db_url, log=workdir / "disk-node.log")
        proc.start()
        try:

            def auth(code: str) -> dict[str, str]:
                r = httpx.post(
                    f"{proc.base_url}/api/auth/pin",
                    json={"staff_code": code, "pin": ids.pins[code]},
                    headers={"X-Terminal-Key": ids.terminal_key},
                    timeout=10,
                )
                r.raise_for_status()
                return {"Authorization": f"Bearer {r.json()['access_token']}"}

            waiter, manager = auth("W01"), auth("M01")
            lines = [{"item_id": ids.items["rice"], "quantity": 1}]
            acked: list[str] = []
            refused: list[int] = []

            def order() -> bool:
                r = httpx.post(
                    f"{proc.base_url}/api/orders",
                    json={"channel": "takeaway", "lines": lines, "submit": True},
                    headers=waiter | {"Idempotency-Key": uuid.uuid4().hex},
                    timeout=30,
                )
                if r.status_code in (200, 201):
                    acked.append(str(r.json()["id"]))
                    return True
                refused.append(r.status_code)
                return False

            def doctor_bad() -> bool:
                found = httpx.get(
                    f"{proc.base_url}/api/ops/doctor", headers=manager, timeout=30
                ).json()["findings"]
                return any(
                    f["check"].startswith(("database", "writer")) and f["severity"] != "ok"
                    for f in found
                )

            for _ in range(5):
                order()
            disk.set_faults(full=True)
            t0 = time.monotonic()
            detected = None
            while time.monotonic() - t0 < max(hold_s, DETECT_GOAL_S + 5):
                order()
                if detected is None and doctor_bad():
                    detected = time.monotonic() - t0
                    break
                time.sleep(0.25)
            time.sleep(max(0.0, hold_s - (time.monotonic() - t0)))
            disk.clear_faults()
            t1 = time.monotonic()
            recovered = None
            while time.monotonic() - t1 < RECOVER_GOAL_S + 10:
                if order() and not doctor_bad():
                    recovered = time.monotonic() - t1
                    break
                time.sleep(0.25)
            missing = [
                oid
                for oid in acked
                if httpx.get(
                    f"{proc.base_url}/api/orders/{oid}", headers=waiter, timeout=10
                ).status_code
                != 200
            ]
        finally:
            proc.stop()
    return Result(
        "disk-full",
        detected,
        recovered,
        not missing,
        len(acked),
        note=f"{len(acked)} orders acknowledged, {len(missing)} missing; refused while full: "
        f"{sorted(set(refused))}",
    )


def table(results: list[Result]) -> Table:
    t = Table(title="Fault response: detection (goal <= 10 s), recovery (goal <= 60 s)")
    for col in ("fault", "detected s", "recovered s", "nothing lost", "till p95 ms", "result"):
        t.add_column(col)
    for r in results:
        t.add_row(
            r.fault,
            f"{r.detected_s:.1f}" if r.detected_s is not None else "-",
            f"{r.recovered_s:.1f}" if r.recovered_s is not None else "-",
            "yes" if r.nothing_lost else "NO",
            f"{r.p95_ms:.0f}" if r.orders else "-",
            "[green]PASS[/]" if r.passed else "[red]MISS[/]",
        )
    return t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hold", type=float, default=6.0, help="seconds each fault is held")
    parser.add_argument("--json", type=Path, default=Path("bench/results/fault_response.json"))
    args = parser.parse_args()
    console = Console()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="hearth-faults-") as tmp:
        store = FaultStore(Path(tmp) / "store").start()
        try:
            plans = [
                ("provider-down", "alipay"),
                ("hq-cut", None),
                ("kds-dark", "hot"),
                ("printer-off", None),
                ("printer-down", None),
            ]
            for fault, target in plans:
                console.print(f"[bold]drill[/] {fault} …")
                if fault == "kds-dark":
                    with store.screen("hot"):
                        screens = screens_of(store.node) if store.node is not None else None
                        assert screens is not None
                        wait_until(
                            lambda s=screens: s.online.get(store.stations["hot"]),
                            timeout=30,
                            what="the hot station's screen connected",
                        )
                        results.append(run_drill(store, fault, store.stations["hot"], args.hold))
                elif fault.startswith("printer-"):
                    pid = next(
                        p for p, _ in store.printers.items() if p != next(iter(store.printers))
                    )
                    results.append(run_drill(store, fault, pid, args.hold))
                else:
                    results.append(run_drill(store, fault, target, args.hold))
                console.print(f"  {results[-1].note}")
        finally:
            store.stop()
        console.print("[bold]drill[/] node-killed …")
        results.append(node_killed(Path(tmp)))
        console.print(f"  {results[-1].note}")
        console.print("[bold]drill[/] disk-full …")
        try:
            results.append(disk_full(Path(tmp), args.hold))
            console.print(f"  {results[-1].note}")
        except Exception as exc:  # no FUSE on this box: say so, measure the rest
            console.print(f"[yellow]disk full not measured:[/] {exc!r}")
    console.print(table(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            [r.__dict__ | {"passed": r.passed} for r in results], indent=2, ensure_ascii=False
        )
    )


if __name__ == "__main__":
    main()
