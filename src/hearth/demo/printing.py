"""This module's part of the demo restaurant and of `hearth demo`'s side services.

The demo has a receipt printer and one kitchen printer per station, all pointing at test
printers on 127.0.0.1 that `hearth demo` starts beside the node. What they receive is saved
under var/ (the raw ESC/POS bytes and a decoded .txt) so a person can see what printed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.demo import catalogue
from hearth.ops.drill_faults import switchboard_of
from hearth.printing import service
from hearth.printing.emulator import TestPrinter

RECEIPT_PORT = 9101
FIRST_STATION_PORT = 9102
_running: dict[int, TestPrinter] = {}


def demo_ports() -> list[tuple[int, str, str | None]]:
    """(port, printer name, station key) for the receipt printer and each station's."""
    result: list[tuple[int, str, str | None]] = [(RECEIPT_PORT, "前台 Front counter", None)]
    for i, s in enumerate(catalogue.STATIONS):
        result.append((FIRST_STATION_PORT + i, f"{s.name_zh} {s.name_en}", s.key))
    return result


def seed_demo(node: Node, ids: dict[str, dict[str, str]]) -> None:
    """Add this module's demo data. ``ids`` maps kind -> demo key -> id (station, category,
    item, table...) as the core seed created them."""

    def add(tx: Tx) -> None:
        receipt_id: str | None = None
        for port, name, station_key in demo_ports():
            station_id = ids.get("station", {}).get(station_key) if station_key else None
            if station_key and station_id is None:
                continue
            pid = service.add_printer(
                tx,
                service.PrinterSpec(
                    name=name,
                    host="127.0.0.1",
                    port=port,
                    kind="kitchen" if station_key else "receipt",
                    station_id=station_id,
                    # A station printer that is down falls back to the front counter's.
                    backup_printer_id=receipt_id if station_key else None,
                    paper_width=80,
                ),
            )
            if station_key is None:
                receipt_id = pid

    node.writer.run(add)


def var_dir(settings: Any) -> Path:
    path = settings.sqlite_path() if hasattr(settings, "sqlite_path") else None
    return path.parent if path is not None else Path("var")


def start_sidecars(base_url: str, settings: Any) -> list[str]:
    """Start what the demo needs beside the node (emulators, a test printer) in daemon threads
    and return lines to print for a person trying the demo."""
    out = var_dir(settings)
    lines = []
    for port, name, _station in demo_ports():
        save = out / f"printer-{port}.bin"
        if port not in _running:
            printer = TestPrinter(port, save_to=save)
            try:
                printer.start()
            except OSError:
                lines.append(
                    f"Test printer for {name}: 127.0.0.1:{port} is in use; "
                    "leaving it to whatever listens there"
                )
                continue
            _running[port] = printer
        lines.append(
            f"Test printer for {name}: 127.0.0.1:{port} (bytes saved to {save}, "
            f"text to {save.with_suffix('.txt')})"
        )
    return lines


def put_on_switchboard(node: Node) -> None:
    """Tell the drills which printers are the demo's own test printers (they can be switched
    out of paper or off); a printer not on the board is a real one and its drill is guided."""
    board = switchboard_of(node)
    for port, printer in _running.items():
        board.add_printer(f"127.0.0.1:{port}", printer)


def stop_sidecars() -> None:
    """Stop the demo's test printers (tests; `hearth demo` just exits)."""
    for port in list(_running):
        with contextlib.suppress(Exception):
            _running.pop(port).stop()
