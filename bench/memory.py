"""Memory of a store node as it takes 100,000 orders: it must level off, not grow with history.

Places orders with modifiers (sent to the kitchen) over HTTP from concurrent clients and reads
the node's resident memory from /proc at checkpoints.

    python -m bench.memory [--orders 100000] [--clients 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from pathlib import Path

import aiohttp
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from bench.common import LiveNode, live_node

console = Console()
GOAL_MIB = 512


async def place(
    live: LiveNode, token: str, total: int, clients: int, checkpoints: list[int]
) -> list[tuple[int, float, dict[str, int]]]:
    ids, placed, errors = live.ids, 0, 0
    samples: list[tuple[int, float, dict[str, int]]] = [(0, 0.0, live.meter.memory_kib())]
    started = time.perf_counter()
    pending = list(checkpoints)
    async with aiohttp.ClientSession(
        live.base_url, connector=aiohttp.TCPConnector(limit=clients)
    ) as http:
        with Progress(
            TextColumn("Orders"),
            BarColumn(),
            TextColumn("{task.completed:,}"),
            TextColumn("{task.description}"),
            console=console,
        ) as bar:
            task = bar.add_task("", total=total)

            async def one(n: int) -> None:
                nonlocal placed, errors
                while placed < total:
                    placed += 1
                    body = {
                        "channel": "takeaway",
                        "submit": True,
                        "lines": [
                            {
                                "item_id": ids.items["gbjd"],
                                "modifier_option_ids": [ids.options["Mild"]],
                            },
                            {"item_id": ids.items["rice"], "quantity": 1 + n % 3},
                        ],
                    }
                    async with http.post(
                        "/api/orders",
                        json=body,
                        headers={
                            "Authorization": f"Bearer {token}",
                            "Idempotency-Key": uuid.uuid4().hex,
                        },
                    ) as r:
                        await r.read()
                        if r.status != 201:
                            errors += 1
                    bar.update(task, completed=placed)
                    while pending and placed >= pending[0]:
                        mem = live.meter.memory_kib()
                        samples.append((pending.pop(0), time.perf_counter() - started, mem))
                        bar.update(task, description=f"RSS {mem.get('VmRSS', 0) / 1024:.0f} MiB")

            await asyncio.gather(*(one(i) for i in range(clients)))
    if errors:
        console.print(f"[red]{errors} orders refused[/]")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path("bench/results/memory.json"))
    args = parser.parse_args()
    checkpoints = [args.orders * k // 10 for k in range(1, 11)]
    with live_node() as live:
        token = live.token("W01")
        samples = asyncio.run(place(live, token, args.orders, args.clients, checkpoints))
        time.sleep(1)
        final = live.meter.memory_kib()
    table = Table(title=f"Store node memory while taking {args.orders:,} orders")
    table.add_column("orders", justify="right")
    table.add_column("elapsed", justify="right")
    table.add_column("RSS", justify="right")
    table.add_column("peak", justify="right")
    for n, at, mem in samples:
        table.add_row(
            f"{n:,}",
            f"{at:.0f} s",
            f"{mem.get('VmRSS', 0) / 1024:.0f} MiB",
            f"{mem.get('VmHWM', 0) / 1024:.0f} MiB",
        )
    table.add_row(
        "after",
        "",
        f"{final.get('VmRSS', 0) / 1024:.0f} MiB",
        f"{final.get('VmHWM', 0) / 1024:.0f} MiB (goal ≤ {GOAL_MIB} MiB)",
    )
    console.print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "orders": args.orders,
                "samples": [{"orders": n, "seconds": at, **mem} for n, at, mem in samples],
                "final": final,
            },
            indent=2,
        )
    )
    console.print(f"Written to {args.out}")


if __name__ == "__main__":
    main()
