"""Lunch rush against a real store node: durable order submits per second and their latency.

A store node runs in its own process on loopback, and the load generator
(``bench/rush_client.py``) in another. Many concurrent waiters sign in, then each serves a
table of their own: a dine-in order with modifiers sent to the kitchen at once, a dish added
and sent, the bill paid in cash, for a bounded time. Two references are measured on the same
machine in the same run so the figures can be read as ratios on a noisy machine:

(a) the bare request rate of the same server stack answering ``GET /livez`` (no database):
    the ceiling for Python HTTP here;
(b) SQLite with synchronous=FULL committing order-sized transactions one by one and ten at a
    time: the ceiling for the disk.

    python -m bench.order_rush [--clients 200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from rich.console import Console
from rich.table import Table

from bench.common import LiveNode, live_node, summary

console = Console(width=110)
GOAL_SUBMITS_PER_S = 2000
GOAL_P99_MS = 30.0
SUBMITS = ("POST /api/orders", "POST /api/orders/{id}/lines")


def verdict(ok: bool) -> str:
    return "[green]PASS[/]" if ok else "[red]MISS[/]"


def sqlite_commit_rate(path: Path, group: int, seconds: float = 2.0) -> float:
    """Rows per second when committing ``group`` order-sized rows per durable transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, body TEXT)")
    body = "x" * 600  # about one order with its lines and journal event
    rows, deadline = 0, time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        conn.execute("BEGIN")
        for _ in range(group):
            conn.execute("INSERT INTO t VALUES (?, ?)", (uuid.uuid4().hex, body))
        conn.execute("COMMIT")
        rows += group
    conn.close()
    return rows / (time.perf_counter() - start)


def tables_for_waiters(count: int) -> Any:
    """A ``prepare`` hook for ``live_node``: a table of its own for every waiter."""

    def prepare(node: Any, ids: Any) -> None:
        from hearth.ordering import service as ordering

        ctx = ordering.Context(None, int(time.time() * 1000), node.settings.timezone)
        area = node.writer.run(lambda tx: ordering.create_area(tx, ctx, "午市", "Rush hall"))
        ids.tables.update(
            node.writer.run(
                lambda tx: {
                    f"R{i:03d}": ordering.create_table(tx, ctx, area, f"R{i:03d}", 4)
                    for i in range(count)
                }
            )
        )

    return prepare


def rush_command(live: LiveNode, clients: int, seconds: float, out: Path) -> list[str]:
    """The load generator's command line, its settings written beside the node's database."""
    ids = live.ids
    config = live.tmp / "rush.json"
    config.write_text(
        json.dumps(
            {
                "base_url": live.base_url,
                "clients": clients,
                "seconds": seconds,
                "terminal_key": ids.terminal_key,
                "staff_code": "W01",
                "pin": ids.pins["W01"],
                "tables": [t for code, t in sorted(ids.tables.items()) if code.startswith("R")],
                "items": ids.items,
                "options": ids.options,
            }
        )
    )
    return [sys.executable, "-m", "bench.rush_client", str(config), str(out)]


def rush(live: LiveNode, clients: int, seconds: float) -> dict[str, Any]:
    """Run the load generator (``bench/rush_client.py``) as a process of its own."""
    out = live.tmp / "rush-result.json"
    subprocess.run(rush_command(live, clients, seconds, out), check=True, timeout=seconds + 120)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


async def bare_rate(base: str, clients: int, seconds: float) -> dict[str, Any]:
    """Reference (a): the same server stack answering a handler that does nothing."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession(base, connector=aiohttp.TCPConnector(limit=clients)) as h:

        async def one() -> None:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                async with h.get("/livez") as r:
                    await r.read()
                if r.status == 200:
                    latencies.append((time.perf_counter() - t0) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {"requests_per_second": len(latencies) / elapsed, **summary(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/order_rush.json"))
    args = parser.parse_args()

    with live_node(prepare=tables_for_waiters(args.clients)) as live:
        console.print(
            f"Rush: {args.clients} waiters for {args.seconds:.0f} s, each signs in "
            "and serves a table of their own: order with modifiers, add, pay cash ..."
        )
        cpu0 = live.meter.cpu_seconds()
        result = rush(live, args.clients, args.seconds)
        cpu = live.meter.cpu_seconds() - cpu0
        memory = live.meter.memory_kib()
        console.print("Reference (a): GET /livez on the same stack ...")
        bare = asyncio.run(bare_rate(live.base_url, args.clients, min(args.seconds, 5.0)))
        disk_single = sqlite_commit_rate(live.tmp / "ref1.db", 1)
        disk_grouped = sqlite_commit_rate(live.tmp / "ref10.db", 10)

    submits = result["submits_per_second"]
    table = Table(
        title=f"Order rush, {args.clients} clients, {result['seconds']:.0f} s "
        "(durable: answered after COMMIT)"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("goal / reference", justify="right")
    table.add_column("verdict")
    share = submits / bare["requests_per_second"]
    table.add_row(
        "durable order submits / s",
        f"{submits:.0f}",
        f"≥ {GOAL_SUBMITS_PER_S}",
        verdict(submits >= GOAL_SUBMITS_PER_S),
    )
    table.add_row("… as share of reference (a)", f"{share:.0%}", "≥ 50%", verdict(share >= 0.5))
    table.add_row("whole orders / s (place, add, pay)", f"{result['orders_per_second']:.0f}", "")
    for name, s in result["endpoints"].items():
        table.add_row(
            f"{name} p50 / p95 / p99 / max",
            f"{s['p50_ms']:.1f} / {s['p95_ms']:.1f} / {s['p99_ms']:.1f} / {s['max_ms']:.0f} ms",
            *(
                (f"p99 ≤ {GOAL_P99_MS:.0f} ms", verdict(s["p99_ms"] <= GOAL_P99_MS))
                if name in SUBMITS
                else ("", "")
            ),
        )
    table.add_row(
        "errors",
        json.dumps(result["errors"], ensure_ascii=False) if result["errors"] else "0",
        "0",
        verdict(not result["errors"]),
    )
    table.add_row(
        "store node CPU",
        f"{cpu:.1f} s in {result['seconds']:.0f} s ({cpu / result['seconds']:.0%} of a core)",
        "",
    )
    table.add_row(
        "load generator CPU (its own process)",
        f"{result['client_cpu_seconds']:.1f} s "
        f"({result['client_cpu_seconds'] / result['seconds']:.0%} of a core)",
        "",
    )
    table.add_row(
        "store node memory (RSS / peak)",
        f"{memory.get('VmRSS', 0) / 1024:.0f} / {memory.get('VmHWM', 0) / 1024:.0f} MiB",
        "",
    )
    table.add_row(
        "(a) GET /livez, same stack",
        f"{bare['requests_per_second']:.0f} req/s (p99 {bare['p99_ms']:.1f} ms)",
        "reference",
    )
    table.add_row("(b) SQLite FULL, 1 order/commit", f"{disk_single:.0f} /s", "reference")
    table.add_row("(b) SQLite FULL, 10 orders/commit", f"{disk_grouped:.0f} /s", "reference")
    console.print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "clients": args.clients,
                "rush": result,
                "node_cpu_seconds": cpu,
                "node_memory_kib": memory,
                "reference_bare_http": bare,
                "reference_sqlite_full_per_s": {"1": disk_single, "10": disk_grouped},
                "goals": {
                    "submits_per_second": GOAL_SUBMITS_PER_S,
                    "p99_ms": GOAL_P99_MS,
                    "share_of_bare_http": 0.5,
                },
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    console.print(f"Written to {args.out}")


if __name__ == "__main__":
    main()
