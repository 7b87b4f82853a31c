"""The demo has a printer per station and a receipt printer, and `hearth demo` starts test
printers for them whose output a person can read under var/."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hearth.bootstrap import build_node, create_app
from hearth.demo import printing as demo
from hearth.demo.seed import seed
from hearth.printing import service
from hearth.printing.emulator import TestPrinter
from hearth.testing.builders import fast_settings
from hearth.testing.waiting import wait_until
from tests.integration.test_printing import FAST, a_ticket


def test_the_demo_prints_kitchen_tickets_to_files_a_person_can_read(tmp_path: Path, monkeypatch):
    settings = fast_settings(f"sqlite:///{tmp_path}/hearth.db", **FAST)
    # The demo's printers, each started on a port of its own choosing (the fixed demo ports
    # may be taken here) and saving where start_sidecars would; start_sidecars finds them
    # running and leaves them be.
    running: dict[int, TestPrinter] = {}
    ports = []
    for _port, name, key in demo.demo_ports():
        printer = TestPrinter(0).start()
        printer.save_to = demo.var_dir(settings) / f"printer-{printer.port}.bin"
        running[printer.port] = printer
        ports.append((printer.port, name, key))
    monkeypatch.setattr(demo, "demo_ports", lambda: ports)
    monkeypatch.setattr(demo, "_running", running)
    node = build_node(settings)
    try:
        seed(node)
        with node.engine.connect() as conn:
            printers = service.list_printers(conn, settings.store_id)
        assert len(printers) == 5
        assert sum(p["kind"] == "receipt" for p in printers) == 1
        kitchen = [p for p in printers if p["kind"] == "kitchen"]
        assert all(p["station_id"] and p["backup_printer_id"] for p in kitchen)

        lines = demo.start_sidecars("http://127.0.0.1:8000", settings)
        assert len(lines) == 5 and all("bytes saved to" in ln for ln in lines)
        hot = next(p for p in kitchen if p["name"].startswith("热菜"))
        with TestClient(create_app(node=node)):
            job = node.writer.run(
                lambda tx: service.enqueue(
                    tx,
                    station_id=hot["station_id"],
                    kind="kitchen",
                    document=a_ticket(5),
                    dedupe_key="demo-1",
                )
            )
            assert job is not None

            def printed() -> bool:
                with node.engine.connect() as conn:
                    return bool(service.get_job(conn, job).status == "printed")

            wait_until(printed, what="the ticket printed")
        text = (tmp_path / f"printer-{hot['port']}.txt").read_text(encoding="utf-8")
        assert "宫保鸡丁" in text and "#5" in text
        assert (tmp_path / f"printer-{hot['port']}.bin").read_bytes().startswith(b"\x1b@")
    finally:
        demo.stop_sidecars()
        node.close()


def test_a_port_already_in_use_is_left_alone(tmp_path: Path, monkeypatch):
    with pytest.MonkeyPatch.context() as mp:
        from hearth.printing.emulator import TestPrinter

        taken = TestPrinter().start()
        try:
            mp.setattr(demo, "demo_ports", lambda: [(taken.port, "前台 Front counter", None)])
            lines = demo.start_sidecars("http://x", fast_settings(f"sqlite:///{tmp_path}/a.db"))
            assert "in use" in lines[0]
        finally:
            taken.stop()
            demo.stop_sidecars()
