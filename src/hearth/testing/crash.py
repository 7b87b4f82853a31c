"""The crash harness: SIGKILL a real store node at random moments while clients order and pay.

Used by the quick crash test in `make test` (a few kills) and by `make crash` (100). The clients
keep a ledger of what the node acknowledged; after every restart each acknowledged order and
payment must be there exactly once, the journal's seq must have no gap, and (checked with the
node stopped) replaying the journal must reproduce every projection.

A request the kill left unanswered is sent again after the restart with the same
Idempotency-Key, as a till does: whether or not the node had committed it, the retry must end
with exactly one order (each order carries its key in its note, so a second one would show).
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from hearth.bootstrap import build_node
from hearth.core.rebuild import rebuild
from hearth.core.tables import journal
from hearth.ordering.tables import orders
from hearth.payments.tables import payments
from hearth.testing.builders import DemoIds, a_small_restaurant, fast_settings
from hearth.testing.process import NodeProcess


@dataclass
class Ledger:
    """What the node acknowledged to the clients (appends from several threads: list.append
    is atomic under the GIL)."""

    orders: list[str] = field(default_factory=list)
    payments: list[tuple[str, str]] = field(default_factory=list)  # (order id, payment id)
    # Requests the kill left unanswered: (path, body, Idempotency-Key), retried after restart.
    unanswered: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    retried: int = 0


@dataclass
class CrashReport:
    kills: int = 0
    orders_acknowledged: int = 0
    payments_acknowledged: int = 0
    lost_orders: int = 0
    duplicate_orders: int = 0
    lost_payments: int = 0
    duplicate_payments: int = 0
    retried_after_restart: int = 0
    seq_gaps: int = 0
    rebuild_checks: int = 0
    rebuild_mismatches: list[str] = field(default_factory=list)
    journal_events: int = 0

    @property
    def clean(self) -> bool:
        return not (
            self.lost_orders
            or self.duplicate_orders
            or self.lost_payments
            or self.duplicate_payments
            or self.seq_gaps
            or self.rebuild_mismatches
        )


def _record(ledger: Ledger, path: str, r: httpx.Response) -> dict[str, Any] | None:
    """Note what the node acknowledged; the answer's body, or None when it was refused."""
    if path == "/api/orders":
        if r.status_code != 201:
            return None
        order: dict[str, Any] = r.json()
        ledger.orders.append(order["id"])
        return order
    if r.status_code in (200, 201) and r.json().get("status") == "succeeded":
        paid: dict[str, Any] = r.json()
        ledger.payments.append((paid["order_id"], paid["id"]))
        return paid
    return None


def _send(
    http: httpx.Client,
    auth: dict[str, str],
    ledger: Ledger,
    path: str,
    body: dict[str, Any],
    key: str,
) -> dict[str, Any] | None:
    try:
        r = http.post(path, json=body, headers={**auth, "Idempotency-Key": key})
    except httpx.HTTPError:
        # The node is down: it may or may not have committed this. Retry it after restart.
        ledger.unanswered.append((path, body, key))
        return None
    return _record(ledger, path, r)


def _client(
    base: str, token: str, ids: DemoIds, ledger: Ledger, stop: threading.Event, seed: int, pay: bool
) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=5) as http:
        auth = {"Authorization": f"Bearer {token}"}
        while not stop.is_set():
            key = uuid.uuid4().hex
            body = {
                "channel": "takeaway",
                "submit": rng.random() < 0.7,
                "note": key,
                "lines": [
                    {"item_id": ids.items["rice"], "quantity": rng.randint(1, 3)},
                    {"item_id": ids.items["gbjd"], "modifier_option_ids": [ids.options["Mild"]]},
                ],
            }
            order = _send(http, auth, ledger, "/api/orders", body, key)
            if order is None or not pay or rng.random() < 0.3:
                continue
            due = order["totals"]["total"]
            _send(
                http,
                auth,
                ledger,
                f"/api/orders/{order['id']}/payments",
                {"tender": "cash", "amount": due, "tendered": due},
                uuid.uuid4().hex,
            )


def _retry_unanswered(base: str, token: str, ledger: Ledger) -> None:
    """After the restart, send every unanswered request again with its own key."""
    pending, ledger.unanswered = ledger.unanswered, []
    with httpx.Client(base_url=base, timeout=10) as http:
        auth = {"Authorization": f"Bearer {token}"}
        for path, body, key in pending:
            _send(http, auth, ledger, path, body, key)
            ledger.retried += 1


def _check_ledger(engine: Any, ledger: Ledger, report: CrashReport, pay: bool) -> None:
    with engine.connect() as conn:
        stored = [r.id for r in conn.execute(sa.select(orders.c.id))]
        notes = [r.note for r in conn.execute(sa.select(orders.c.note)) if r.note]
        seqs = [r.seq for r in conn.execute(sa.select(journal.c.seq).order_by(journal.c.seq))]
    report.lost_orders = len(set(ledger.orders) - set(stored))
    # An order placed twice for one request shows as two orders with that request's key.
    report.duplicate_orders = (
        (len(stored) - len(set(stored)))
        + (len(notes) - len(set(notes)))
        + (len(ledger.orders) - len(set(ledger.orders)))
    )
    report.seq_gaps = sum(1 for a, b in itertools.pairwise(seqs) if b != a + 1) + (
        1 if seqs and seqs[0] != 1 else 0
    )
    report.journal_events = len(seqs)
    if not pay:
        return
    by_order: dict[str, set[str]] = {}
    for order_id, payment_id in ledger.payments:
        by_order.setdefault(order_id, set()).add(payment_id)
    # One read of the payments projection (what GET /orders/{id}/payments serves): per-order
    # HTTP calls made each check grow with the ledger and slowed the 100-kill run to a crawl.
    with engine.connect() as conn:
        succeeded: dict[str, list[str]] = {}
        for row in conn.execute(
            sa.select(payments.c.order_id, payments.c.id).where(payments.c.status == "succeeded")
        ):
            succeeded.setdefault(row.order_id, []).append(row.id)
    lost = duplicated = 0
    for order_id, expected in by_order.items():
        listed = succeeded.get(order_id, [])
        lost += len(expected - set(listed))
        duplicated += len(listed) - len(set(listed)) + max(0, len(listed) - 1)
    report.lost_payments, report.duplicate_payments = lost, duplicated


def run_crash_suite(
    tmp: Path,
    kills: int,
    clients: int = 8,
    seed: int = 7,
    rebuild_every: int = 10,
    pay: bool | None = None,
    progress: Callable[[int, CrashReport], None] | None = None,
) -> CrashReport:
    db_url = f"sqlite:///{tmp}/store.db"
    setup = build_node(fast_settings(db_url))
    ids = a_small_restaurant(setup)
    setup.close()
    node = NodeProcess(db_url, log=tmp / "node.log")
    node.start()
    staff = httpx.post(
        f"{node.base_url}/api/auth/pin",
        json={"staff_code": "C01", "pin": ids.pins["C01"]},
        headers={"X-Terminal-Key": ids.terminal_key},
    ).json()["access_token"]
    if pay is None:
        paths = httpx.get(f"{node.base_url}/openapi.json").json()["paths"]
        pay = "/api/orders/{order_id}/payments" in paths
    ledger, report, rng = Ledger(), CrashReport(), random.Random(seed)
    reader = sa.create_engine(db_url)
    try:
        for n in range(1, kills + 1):
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=_client,
                    args=(node.base_url, staff, ids, ledger, stop, seed * 1000 + n * 10 + i, pay),
                )
                for i in range(clients)
            ]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.3, 1.5))
            node.kill()
            stop.set()
            for t in threads:
                t.join()
            report.kills = n
            if rebuild_every and (n % rebuild_every == 0 or n == kills):
                check = build_node(fast_settings(db_url))
                result = rebuild(check.engine, check.projectors, keep=False)
                check.close()
                report.rebuild_checks += 1
                if not result.matches:
                    report.rebuild_mismatches.append(f"after kill {n}: {result.mismatched}")
            node.start()
            _retry_unanswered(node.base_url, staff, ledger)
            _check_ledger(reader, ledger, report, pay)
            report.retried_after_restart = ledger.retried
            report.orders_acknowledged = len(ledger.orders)
            report.payments_acknowledged = len(ledger.payments)
            if progress:
                progress(n, report)
    finally:
        node.stop()
        reader.dispose()
    return report
