"""SIGKILL the store node while cashiers take wallet and card payments through the provider
emulator; after each restart the node settles what was in flight, and the emulator's own
ledger is the judge: no bill charged twice, no capture the store does not know, every payment
the store calls paid is captured, every bill settled or flagged for a person.

A till whose request got no answer (the node died under it) sends it again with the same
Idempotency-Key once the node is back, as the POS does; the provider sees the same intent id.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.payments.emulator import codes
from hearth.testing.payment_ledger import judge, open_payments
from hearth.testing.payment_rig import DISHES, PaymentRig
from tests.integration.test_payment_faults import store_view

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

SEED = 20261126
KILLS = 3
TILLS = 8
# Answers slow enough that a kill often lands between the provider's charge and the node's
# record of it, and some lost outright, so the settler has real work after each restart.
FAULTS = (
    {"mode": "slow", "probability": 0.3, "delay_ms": 250},
    {"mode": "lost_answer", "probability": 0.05},
)
NODE = {
    "payment_call_timeout_ms": "600",
    "payment_budget_ms": "2000",
    "payment_settle_interval_ms": "250",
    "payment_reverse_unknown_after_ms": "3000",
}


@dataclass
class Bill:
    order_id: str
    total: int
    cash: int = 0
    attempts: list[str] = field(default_factory=list)


class NodeDown(Exception):
    pass


RESENT: list[str] = []  # requests the kills left unanswered, sent again with their key


async def send(
    c: httpx.AsyncClient,
    up: asyncio.Event,
    method: str,
    url: str,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    """One request, resent with the same key (in ``headers``) until the node answers."""
    for _ in range(400):  # bounded: the node is never down for long in this test
        await up.wait()
        try:
            return await c.request(method, url, json=body, headers=headers)
        except httpx.HTTPError:
            RESENT.append(f"{method} {url}")
            await asyncio.sleep(0.1)
    raise NodeDown(url)


def a_tender(rng: random.Random, due: int) -> dict[str, Any]:
    kind = rng.choice(["wallet_scan", "wallet_scan", "card", "wallet_qr"])
    if kind == "wallet_scan":
        return {
            "tender": kind,
            "amount": due,
            "auth_code": rng.choice([codes.ALIPAY_CODE, codes.WECHAT_CODE]),
        }
    return {"tender": kind, "amount": due}


async def take_bill(rig: PaymentRig, c: httpx.AsyncClient, up: asyncio.Event, i: int) -> Bill:
    assert rig.ids is not None
    rng = random.Random(SEED * 7919 + i)
    dishes = {k: rng.randint(1, 3) for k in rng.sample(sorted(DISHES), rng.randint(1, 2))}
    lines = [{"item_id": rig.ids.items[k], "quantity": q} for k, q in dishes.items()]
    r = await send(
        c,
        up,
        "POST",
        f"{rig.url}/api/orders",
        rig.auth("W01") | {"Idempotency-Key": uuid.uuid4().hex},
        {"channel": "takeaway", "lines": lines, "submit": True},
    )
    assert r.status_code == 201, r.text
    order = r.json()
    bill = Bill(order["id"], int(order["totals"]["total"]))
    for attempt in range(4):
        view = await send(
            c, up, "GET", f"{rig.url}/api/orders/{bill.order_id}/payments", rig.auth("C01")
        )
        due = int(view.json()["due"])
        if due == 0:
            break
        body = (
            a_tender(rng, due)
            if attempt < 3
            else {"tender": "cash", "amount": due, "tendered": due}
        )
        r = await send(
            c,
            up,
            "POST",
            f"{rig.url}/api/orders/{bill.order_id}/payments",
            rig.auth("C01") | {"Idempotency-Key": uuid.uuid4().hex},
            body,
        )
        out = r.json()
        status = str(out.get("status"))
        for _ in range(60):  # a QR waits for the customer; a pending one for the settler
            if status != "pending" or "id" not in out:
                break
            await asyncio.sleep(0.1)
            p = await send(c, up, "GET", f"{rig.url}/api/payments/{out['id']}", rig.auth("C01"))
            status = str(p.json().get("status"))
        bill.attempts.append(f"{body['tender']}:{status}")
        if body["tender"] == "cash" and status == "succeeded":
            bill.cash += due
    return bill


async def rush_with_kills(rig: PaymentRig, bills: int) -> list[Bill]:
    assert rig.node is not None
    node = rig.node
    up = asyncio.Event()
    up.set()
    rng = random.Random(SEED)
    queue = iter(range(bills))
    done: list[Bill] = []
    async with httpx.AsyncClient(timeout=10) as c:

        async def till() -> None:
            for i in queue:
                done.append(await take_bill(rig, c, up, i))

        async def killer() -> None:
            for _ in range(KILLS):
                await asyncio.sleep(rng.uniform(1.0, 2.5))
                up.clear()
                node.kill()
                await asyncio.to_thread(node.start)
                up.set()

        await asyncio.gather(killer(), *[till() for _ in range(TILLS)])
    return done


def test_a_node_killed_mid_payment_settles_without_a_second_charge(tmp_path: Path) -> None:
    rig = PaymentRig(tmp_path / "rig", node_settings=NODE, seed=SEED).start()
    assert rig.emulator is not None
    try:
        for fault in FAULTS:
            rig.emulator.state.faults.add({"provider": "*", **fault})
        bills = asyncio.run(rush_with_kills(rig, bills=150))
        rig.emulator.clear_faults()
        view: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the settler finishes what the kills left open
            view = asyncio.run(store_view(rig, bills))  # type: ignore[arg-type]
            if not open_payments(view):
                break
            time.sleep(0.5)
        book = rig.emulator.ledger()
    finally:
        rig.stop()

    assert len(bills) == 150
    verdict = judge(book, view, {b.order_id: b.total - b.cash for b in bills})
    trades, doubles, lost = verdict.trades, verdict.doubles, verdict.lost
    unknown, unsettled, flagged = verdict.unknown_to_store, verdict.unsettled, verdict.flagged
    payments_resent = sum(1 for r in RESENT if r.startswith("POST") and r.endswith("/payments"))
    print(
        f"\npayment crash: bills={len(bills)} kills={KILLS} trades={len(trades)} "
        f"requests resent after a kill={len(RESENT)} (payments: {payments_resent}) "
        f"captures kept={sum(1 for t in trades.values() if t['kept'] > 0)} "
        f"repeat charge requests={book['repeat_charge_requests']} "
        f"flagged={len(flagged)} doubles={len(doubles)} lost={len(lost)} "
        f"unknown to store={len(unknown)} unsettled={len(unsettled)}"
    )
    assert len(trades) > 50, "the wallets and card should have taken most bills"
    assert RESENT, "the kills should have cut requests off mid-flight"
    assert doubles == [], f"bills charged twice: {doubles[:5]}"
    assert lost == [], f"paid in the store, not captured: {lost[:5]}"
    assert unknown == [], f"captured, unknown to the store: {unknown[:5]}"
    assert unsettled == [], f"bills neither paid nor flagged: {unsettled[:5]}"
