"""Judging a store's payments by the provider emulator's own books, for the fault suite and the
payment crash test: the provider's ledger, not the store's word, says what was charged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

View = dict[str, dict[str, Any]]  # order id -> GET /api/orders/{id}/payments
Key = tuple[str, str]  # (provider, payment id), the intent id the provider saw


def open_payments(view: View, flagged: bool = False) -> list[dict[str, Any]]:
    """Payments still open; with ``flagged`` also those held for a person (a reverse the
    provider refused), which no waiting settles."""
    statuses = {"unknown", "pending", "created"} | ({"needs_attention"} if flagged else set())
    return [
        p
        for v in view.values()
        for p in v["payments"]
        if p["status"] in statuses or p.get("forward_state") == "queued"
    ]


@dataclass
class Verdict:
    doubles: list[str] = field(default_factory=list)  # bills charged more than once
    lost: list[Key] = field(default_factory=list)  # paid for the store, not captured
    unknown_to_store: list[Key] = field(default_factory=list)  # captured, not paid for us
    unsettled: list[str] = field(default_factory=list)  # neither paid nor flagged
    flagged: set[str] = field(default_factory=set)  # bills held for a person
    declined_later: set[str] = field(default_factory=set)  # offline, declined when forwarded
    settled: int = 0
    trades: dict[Key, dict[str, Any]] = field(default_factory=dict)


def judge(book: dict[str, Any], view: View, owed: dict[str, int]) -> Verdict:
    """``book``: the emulator's ledger; ``view``: the store's bills; ``owed``: per order, what
    the providers may keep at most (the total less any cash taken)."""
    v = Verdict(trades={(t["provider"], t["intent_id"]): t for t in book["trades"]})
    # 1. No double charge, judged by the provider's books.
    v.doubles = [
        bill
        for bill, b in book["bills"].items()
        if len(b["captures_kept"]) > 1 or b["kept"] > owed.get(bill, 0)
    ]
    # 2. No payment lost, both ways.
    payments = [p for bill in view.values() for p in bill["payments"]]
    store_paid = {
        (p["provider"], p["id"]): p
        for p in payments
        if p["status"] == "succeeded"
        and p["tender"] in ("wallet_scan", "wallet_qr", "card")
        and p.get("forward_state") in (None, "forwarded")
    }
    v.lost = [
        k
        for k, p in store_paid.items()
        if k not in v.trades or v.trades[k]["kept"] != p["amount"] + p["tip"]
    ]
    store_all = {(p["provider"], p["id"]): p for p in payments}
    v.unknown_to_store = [
        k
        for k, t in v.trades.items()
        if t["kept"] > 0
        and k not in store_paid
        and store_all.get(k, {}).get("status") not in ("unknown", "pending", "needs_attention")
    ]
    # 3. Every bill settled or flagged.
    v.declined_later = {p["order_id"] for p in payments if p.get("forward_state") == "declined"}
    v.flagged = {p["order_id"] for p in open_payments(view, flagged=True)} | v.declined_later
    v.unsettled = [o for o, bill in view.items() if int(bill["due"]) > 0 and o not in v.flagged]
    v.settled = sum(1 for o, bill in view.items() if int(bill["due"]) == 0 and o not in v.flagged)
    return v
