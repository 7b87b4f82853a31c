"""The lunch-rush load generator, run as a process of its own by ``bench/order_rush.py``.

Keeping the clients out of the process that starts the node and reads ``/proc`` means the
figures are the node's, and this process's own CPU time is reported so a reader can see when
the load generator, not the node, was the limit (both share this machine's two cores).

Each client is a waiter with a table of their own: sign in with a PIN on the registered till,
then until the time is up: open the table with a dine-in order with modifiers sent to the
kitchen, add a dish and send it, and pay the bill in cash. Requests are bounded by the time
limit and by one in flight per client.

    python -m bench.rush_client CONFIG.json OUT.json
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import summary


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    async def call(
        self, http: aiohttp.ClientSession, name: str, url: str, expect: tuple[int, ...], **kw: Any
    ) -> Any:
        t0 = time.perf_counter()
        try:
            async with http.post(url, **kw) as r:
                body = await r.json(content_type=None) if r.status != 204 else None
                ok = r.status in expect
                failure = f"{name}: {r.status} {body.get('code') if isinstance(body, dict) else ''}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            ok, body, failure = False, None, f"{name}: {type(exc).__name__}"
        if ok:
            self.latencies[name].append((time.perf_counter() - t0) * 1000)
            return body
        self.errors[failure[:80]] += 1
        return None


async def rush(cfg: dict[str, Any]) -> dict[str, Any]:
    """aiohttp with keep-alive: httpx's async client tops out near 200 req/s here and would
    measure itself rather than the store node."""
    rec, items, options = Recorder(), cfg["items"], cfg["options"]
    clients, tables = cfg["clients"], cfg["tables"]
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(
        cfg["base_url"], connector=connector, timeout=aiohttp.ClientTimeout(total=60)
    ) as http:
        deadline = time.perf_counter() + cfg["seconds"]
        completed = 0

        async def waiter(n: int) -> None:
            nonlocal completed
            signed = await rec.call(
                http,
                "POST /api/auth/pin",
                "/api/auth/pin",
                (200,),
                json={"staff_code": cfg["staff_code"], "pin": cfg["pin"]},
                headers={"X-Terminal-Key": cfg["terminal_key"]},
            )
            if signed is None:
                return
            auth = {"Authorization": f"Bearer {signed['access_token']}"}
            table_id = tables[n % len(tables)]
            while time.perf_counter() < deadline:
                order = await rec.call(
                    http,
                    "POST /api/orders",
                    "/api/orders",
                    (201,),
                    json={
                        "channel": "dine_in",
                        "table_id": table_id,
                        "guests": 2,
                        "submit": True,
                        "lines": [
                            {
                                "item_id": items["gbjd"],
                                "seat": 1,
                                "modifier_option_ids": [options["Mild"], options["Add egg"]],
                            },
                            {"item_id": items["rice"], "quantity": 1 + n % 3},
                        ],
                    },
                    headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
                )
                if order is None:
                    continue
                path = f"/api/orders/{order['id']}"
                order = await rec.call(
                    http,
                    "POST /api/orders/{id}/lines",
                    f"{path}/lines",
                    (200,),
                    json={"submit": True, "lines": [{"item_id": items["plum"], "seat": 2}]},
                    headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
                )
                if order is None:
                    continue
                due = order["totals"]["total"]
                paid = await rec.call(
                    http,
                    "POST /api/orders/{id}/payments",
                    f"{path}/payments",
                    (200, 201),
                    json={"tender": "cash", "amount": due, "tendered": due},
                    headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
                )
                if paid is not None:
                    completed += 1

        started = time.perf_counter()
        await asyncio.gather(*(waiter(i) for i in range(clients)))
        elapsed = time.perf_counter() - started
    submits = len(rec.latencies["POST /api/orders"]) + len(
        rec.latencies["POST /api/orders/{id}/lines"]
    )
    return {
        "seconds": elapsed,
        "orders_completed": completed,
        "orders_per_second": completed / elapsed,
        "submits_per_second": submits / elapsed,
        "endpoints": {k: summary(v) for k, v in rec.latencies.items()},
        "errors": dict(rec.errors),
    }


def main() -> None:
    config, out = Path(sys.argv[1]), Path(sys.argv[2])
    cfg = json.loads(config.read_text())
    before = resource.getrusage(resource.RUSAGE_SELF)
    try:
        import uvloop

        result = uvloop.run(rush(cfg))
    except ImportError:  # pragma: no cover - uvloop is pinned for Linux
        result = asyncio.run(rush(cfg))
    after = resource.getrusage(resource.RUSAGE_SELF)
    result["client_cpu_seconds"] = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime
    )
    out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
