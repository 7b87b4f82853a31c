"""The emulator's own books: what each "provider" really captured, refunded and reversed.

The fault suite trusts this ledger, not the store: a double charge is two captures that are
still kept for the same bill, whatever the store believes. Trades are keyed by our intent id
(``out_trade_no`` / the card's ``hearth_intent`` metadata) and grouped by a bill reference the
adapters put in the description/metadata. A repeated charge request for the same intent is
answered from the existing trade and only counted, never captured again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Trade:
    provider: str
    intent_id: str
    bill: str
    amount: int
    currency: str
    method: str
    provider_ref: str
    status: str = "pending"  # pending | succeeded | failed | closed | reversed
    captured_ms: int | None = None
    refunded: int = 0
    refunds: dict[str, int] = field(default_factory=dict)  # refund id -> amount
    notify_url: str | None = None
    created_ms: int = field(default_factory=now_ms)
    charge_requests: int = 1

    @property
    def kept(self) -> int:
        """Money the merchant still holds from this trade."""
        if self.status != "succeeded":
            return 0
        return self.amount - self.refunded


@dataclass(frozen=True)
class Entry:
    provider: str
    intent_id: str
    provider_ref: str
    kind: str  # charge | refund | reversal
    amount: int
    currency: str
    at_ms: int
    bill: str


class Ledger:
    """Thread-safe: the HTTP server runs in its own thread, tests read from theirs."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.trades: dict[tuple[str, str], Trade] = {}
        self.by_ref: dict[str, Trade] = {}
        self.entries: list[Entry] = []
        self.tombstones: set[tuple[str, str]] = set()  # cancelled before we ever saw a charge
        self.faults_applied: dict[str, int] = {}

    def reset(self) -> None:
        with self._lock:
            self.trades.clear()
            self.by_ref.clear()
            self.entries.clear()
            self.tombstones.clear()
            self.faults_applied.clear()

    def get(self, provider: str, intent_id: str) -> Trade | None:
        with self._lock:
            return self.trades.get((provider, intent_id))

    def by_provider_ref(self, ref: str) -> Trade | None:
        with self._lock:
            return self.by_ref.get(ref)

    def open_trade(self, trade: Trade) -> tuple[Trade, bool]:
        """Return (trade, created). An existing trade for the same intent wins: idempotency."""
        with self._lock:
            key = (trade.provider, trade.intent_id)
            existing = self.trades.get(key)
            if existing is not None:
                existing.charge_requests += 1
                return existing, False
            self.trades[key] = trade
            self.by_ref[trade.provider_ref] = trade
            return trade, True

    def capture(self, trade: Trade) -> bool:
        with self._lock:
            if trade.status != "pending":
                return False
            trade.status = "succeeded"
            trade.captured_ms = now_ms()
            self._entry(trade, "charge", trade.amount)
            return True

    def fail(self, trade: Trade, status: str = "failed") -> None:
        with self._lock:
            if trade.status == "pending":
                trade.status = status

    def reverse(self, trade: Trade) -> str:
        """Cancel: close a pending trade, give back a captured one. Returns what happened."""
        with self._lock:
            if trade.status == "pending":
                trade.status = "closed"
                return "close"
            if trade.status == "succeeded":
                left = trade.amount - trade.refunded
                trade.status = "reversed"
                if left > 0:
                    self._entry(trade, "reversal", left)
                return "refund"
            return "none"

    def refund(self, trade: Trade, refund_id: str, amount: int) -> str:
        """'ok', 'repeat' (same refund id again: nothing moves), 'too_much', 'not_paid'."""
        with self._lock:
            if refund_id in trade.refunds:
                return "repeat"
            if trade.status != "succeeded":
                return "not_paid"
            if amount <= 0 or trade.refunded + amount > trade.amount:
                return "too_much"
            trade.refunds[refund_id] = amount
            trade.refunded += amount
            self._entry(trade, "refund", amount)
            return "ok"

    def tombstone(self, provider: str, intent_id: str) -> None:
        with self._lock:
            self.tombstones.add((provider, intent_id))

    def is_tombstoned(self, provider: str, intent_id: str) -> bool:
        with self._lock:
            return (provider, intent_id) in self.tombstones

    def count_fault(self, provider: str, mode: str) -> None:
        with self._lock:
            k = f"{provider}:{mode}"
            self.faults_applied[k] = self.faults_applied.get(k, 0) + 1

    def _entry(self, trade: Trade, kind: str, amount: int) -> None:
        self.entries.append(
            Entry(
                trade.provider,
                trade.intent_id,
                trade.provider_ref,
                kind,
                amount,
                trade.currency,
                now_ms(),
                trade.bill,
            )
        )

    def statement(self, provider: str | None, since_ms: int, until_ms: int) -> list[Entry]:
        with self._lock:
            return [
                e
                for e in self.entries
                if (provider is None or e.provider == provider) and since_ms <= e.at_ms < until_ms
            ]

    def snapshot(self) -> dict[str, Any]:
        """The whole book, plus the double-charge view per bill."""
        with self._lock:
            trades = [asdict(t) | {"kept": t.kept} for t in self.trades.values()]
            bills: dict[str, dict[str, Any]] = {}
            for t in self.trades.values():
                b = bills.setdefault(t.bill, {"kept": 0, "captures_kept": [], "captures_ever": 0})
                if t.captured_ms is not None:
                    b["captures_ever"] += 1
                if t.kept > 0:
                    b["kept"] += t.kept
                    b["captures_kept"].append(t.intent_id)
            return {
                "trades": trades,
                "bills": bills,
                "bills_with_several_kept_captures": sorted(
                    k for k, v in bills.items() if len(v["captures_kept"]) > 1
                ),
                "repeat_charge_requests": sum(t.charge_requests - 1 for t in self.trades.values()),
                "faults_applied": dict(self.faults_applied),
                "entries": len(self.entries),
            }
