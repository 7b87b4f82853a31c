"""Lunch rush against a real store node: durable order submits per second and their latency.

A store node runs in its own process on loopback. Many concurrent waiters sign in, then each
keeps placing takeaway orders with modifiers (sent to the kitchen at once), adds a line to the
order, and pays it in cash, for a bounded time. Two references are measured on the same
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
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from rich.console import Console
from rich.table import Table

from bench.common import LiveNode, live_node, summary

console = Console()
GOAL_SUBMITS_PER_S = 2000
GOAL_P99_MS = 30.0


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


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    async def call(self, http: aiohttp.ClientSession, name: str, method: str, url: str,
                   expect: int | tuple[int, ...], **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            async with http.request(method, url, **kw) as r:
                body = await r.json(content_type=None) if r.status != 204 else None
                ok = r.status in (expect if isinstance(expect, tuple) else (expect,))
                failure = f"{name}: {r.status} {body.get('code') if isinstance(body, dict) else ''}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            ok, body, failure = False, None, f"{name}: {type(exc).__name__}"
        if ok:
            self.latencies[name].append((time.perf_counter() - t0) * 1000)
            return body
        self.errors[failure[:80]] += 1
        return None


async def rush(live: LiveNode, clients: int, seconds: float, pay: bool) -> dict[str, Any]:
    """aiohttp with keep-alive: httpx's async client tops out near 200 req/s here and would
    measure itself rather than the store node."""
    ids, rec = live.ids, Recorder()
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(live.base_url, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=60)) as http:
        async def sign_in() -> str | None:
            body = await rec.call(http, "POST /api/auth/pin", "POST", "/api/auth/pin", 200,
                                  json={"staff_code": "W01", "pin": ids.pins["W01"]},
                                  headers={"X-Terminal-Key": ids.terminal_key})
            return body["access_token"] if body else None

        tokens = [await sign_in() for _ in range(min(clients, 20))]
        deadline = time.perf_counter() + seconds
        completed = 0

        async def one_client(n: int) -> None:
            nonlocal completed
            token = tokens[n % len(tokens)]
            while time.perf_counter() < deadline:
                auth = {"Authorization": f"Bearer {token}"}
                order = await rec.call(http, "POST /api/orders", "POST", "/api/orders", 201,
                                       json={"channel": "takeaway", "submit": True, "lines": [
                                           {"item_id": ids.items["gbjd"], "modifier_option_ids": [
                                               ids.options["Mild"], ids.options["Add egg"]]},
                                           {"item_id": ids.items["rice"],
                                            "quantity": 1 + n % 3}]},
                                       headers={**auth, "Idempotency-Key": uuid.uuid4().hex})
                if order is None:
                    continue
                path = f"/api/orders/{order['id']}"
                order = await rec.call(http, "POST /api/orders/{id}/lines", "POST",
                                       f"{path}/lines", 200,
                                       json={"submit": True, "lines": [
                                           {"item_id": ids.items["rice"], "quantity": 1}]},
                                       headers={**auth, "Idempotency-Key": uuid.uuid4().hex})
                if order is None:
                    continue
                if pay:
                    due = order["totals"]["total"]
                    paid = await rec.call(http, "POST /api/orders/{id}/payments", "POST",
                                          f"{path}/payments", (200, 201),
                                          json={"tender": "cash", "amount": due,
                                                "tendered": due},
                                          headers={**auth, "Idempotency-Key": uuid.uuid4().hex})
                    if paid is None:
                        continue
                completed += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client(i) for i in range(clients)))
        elapsed = time.perf_counter() - started
    submits = len(rec.latencies["POST /api/orders"]) + len(
        rec.latencies["POST /api/orders/{id}/lines"])
    return {"seconds": elapsed, "orders_completed": completed,
            "orders_per_second": completed / elapsed, "submits_per_second": submits / elapsed,
            "endpoints": {k: summary(v) for k, v in rec.latencies.items()},
            "errors": dict(rec.errors)}


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

    with live_node() as live:
        paths = httpx.get(f"{live.base_url}/openapi.json").json()["paths"]
        pay = "/api/orders/{order_id}/payments" in paths
        console.print(f"Rush: {args.clients} clients for {args.seconds:.0f} s "
                      f"({'with' if pay else 'without'} cash payment) ...")
        cpu0 = live.meter.cpu_seconds()
        result = asyncio.run(rush(live, args.clients, args.seconds, pay))
        cpu = live.meter.cpu_seconds() - cpu0
        memory = live.meter.memory_kib()
        console.print("Reference (a): GET /livez on the same stack ...")
        bare = asyncio.run(bare_rate(live.base_url, args.clients, min(args.seconds, 5.0)))
        disk_single = sqlite_commit_rate(live.tmp / "ref1.db", 1)
        disk_grouped = sqlite_commit_rate(live.tmp / "ref10.db", 10)

    submits = result["submits_per_second"]
    table = Table(title=f"Order rush, {args.clients} clients, {result['seconds']:.0f} s "
                        "(durable: answered after COMMIT)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("goal / reference", justify="right")
    table.add_row("durable order submits / s", f"{submits:.0f}", f"≥ {GOAL_SUBMITS_PER_S}")
    table.add_row("… as share of reference (a)", f"{submits / bare['requests_per_second']:.0%}",
                  "≥ 50%")
    table.add_row("whole orders / s (place, add, pay)", f"{result['orders_per_second']:.0f}", "")
    for name, s in result["endpoints"].items():
        table.add_row(f"{name} p50 / p95 / p99 / max",
                      f"{s['p50_ms']:.1f} / {s['p95_ms']:.1f} / {s['p99_ms']:.1f} / "
                      f"{s['max_ms']:.0f} ms", f"p99 ≤ {GOAL_P99_MS:.0f} ms"
                      if name.startswith("POST /api/orders") else "")
    table.add_row("errors", json.dumps(result["errors"], ensure_ascii=False)
                  if result["errors"] else "0", "0")
    table.add_row("store node CPU", f"{cpu:.1f} s in {result['seconds']:.0f} s "
                  f"({cpu / result['seconds']:.0%} of a core)", "")
    table.add_row("store node memory (RSS / peak)",
                  f"{memory.get('VmRSS', 0) / 1024:.0f} / {memory.get('VmHWM', 0) / 1024:.0f} MiB",
                  "")
    table.add_row("(a) GET /livez, same stack", f"{bare['requests_per_second']:.0f} req/s "
                  f"(p99 {bare['p99_ms']:.1f} ms)", "reference")
    table.add_row("(b) SQLite FULL, 1 order/commit", f"{disk_single:.0f} /s", "reference")
    table.add_row("(b) SQLite FULL, 10 orders/commit", f"{disk_grouped:.0f} /s", "reference")
    console.print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "clients": args.clients, "rush": result, "node_cpu_seconds": cpu,
        "node_memory_kib": memory, "reference_bare_http": bare,
        "reference_sqlite_full_per_s": {"1": disk_single, "10": disk_grouped},
        "goals": {"submits_per_second": GOAL_SUBMITS_PER_S, "p99_ms": GOAL_P99_MS,
                  "share_of_bare_http": 0.5}}, indent=2, ensure_ascii=False))
    console.print(f"Written to {args.out}")


if __name__ == "__main__":
    main()
