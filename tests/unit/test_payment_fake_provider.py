"""An in-memory provider with scripted faults and its own ledger, for payment tests that must
not wait for the emulator; and the tests that keep the fake honest."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from hearth.payments.emulator.codes import ALIPAY_CODE, WECHAT_CODE, is_code_of
from hearth.payments.providers.base import (
    CallbackEvent,
    ChargeRequest,
    FailureKind,
    ProviderError,
    ProviderResult,
    ProviderStatus,
    StatementEntry,
)

SECRET = b"fake-secret"


def sign(body: bytes) -> str:
    return hmac.new(SECRET, body, hashlib.sha256).hexdigest()


@dataclass
class Trade:
    intent_id: str
    amount: int
    status: str  # "succeeded" | "pending" | "reversed" | "failed"
    refunded: int = 0


@dataclass
class FakeProvider:
    """Scripted: ``mode`` is what the next charges do.

    ok       capture and answer
    decline  refuse (nothing captured)
    down     unreachable (nothing captured)
    slow     hang longer than any timeout (nothing captured)
    lost     capture, then hang (the answer is lost)
    pending  wait for the customer (merchant QR), nothing captured yet

    ``reverse_mode`` is what reverses do: ``ok``, or ``refuse`` (the provider answers that it
    will not cancel, and keeps whatever it holds).
    """

    name: str = "alipay"
    methods: frozenset[str] = frozenset({"scan_code", "merchant_qr", "card"})
    wallets: frozenset[str] | None = None  # None: the wallet it is named after, if any
    mode: str = "ok"
    query_down: bool = False
    reverse_mode: str = "ok"
    trades: dict[str, Trade] = field(default_factory=dict)
    charges: int = 0  # charge calls received
    entries: list[StatementEntry] = field(default_factory=list)

    async def _hang(self) -> None:
        await asyncio.sleep(30)

    def takes(self, code: str) -> bool:
        wallets = self.wallets if self.wallets is not None else {self.name}
        return any(is_code_of(w, code) for w in wallets)

    async def charge(self, req: ChargeRequest) -> ProviderResult:
        self.charges += 1
        if req.method == "scan_code" and not self.takes(req.auth_code or ""):
            # As a real wallet answers another wallet's code: refused, nothing captured.
            raise ProviderError(FailureKind.INVALID, f"{self.name}: not our payment code")
        if self.mode == "down":
            raise ProviderError(FailureKind.UNAVAILABLE, "connection refused")
        if self.mode == "slow":
            await self._hang()
        if self.mode == "decline":
            self.trades.setdefault(req.intent_id, Trade(req.intent_id, req.amount, "failed"))
            raise ProviderError(FailureKind.DECLINED, "insufficient funds")
        known = self.trades.get(req.intent_id)
        if known is None:  # idempotent on the intent id, as real providers are
            status = "pending" if self.mode == "pending" else "succeeded"
            known = Trade(req.intent_id, req.amount, status)
            self.trades[req.intent_id] = known
            if status == "succeeded":
                self.entries.append(
                    StatementEntry(
                        req.intent_id, f"ref-{req.intent_id}", "charge", req.amount, "CNY", 0
                    )
                )
        if self.mode == "lost":
            await self._hang()
        status_ = ProviderStatus(known.status)
        return ProviderResult(
            status_,
            f"ref-{req.intent_id}",
            known.amount,
            "CNY",
            qr_content=f"https://qr.example/{req.intent_id}"
            if status_ is ProviderStatus.PENDING
            else None,
        )

    async def query(self, intent_id: str) -> ProviderResult:
        if self.query_down:
            raise ProviderError(FailureKind.UNAVAILABLE, "down")
        t = self.trades.get(intent_id)
        if t is None:
            return ProviderResult(ProviderStatus.NOT_FOUND)
        return ProviderResult(ProviderStatus(t.status), f"ref-{intent_id}", t.amount, "CNY")

    async def refund(self, intent_id: str, refund_id: str, amount: int) -> ProviderResult:
        t = self.trades[intent_id]
        if not any(e.provider_ref == refund_id for e in self.entries):
            t.refunded += amount
            self.entries.append(StatementEntry(intent_id, refund_id, "refund", amount, "CNY", 0))
        return ProviderResult(ProviderStatus.REFUNDED, refund_id, amount, "CNY")

    async def reverse(self, intent_id: str, method: str | None = None) -> ProviderResult:
        if self.query_down:
            raise ProviderError(FailureKind.UNAVAILABLE, "down")
        if self.reverse_mode == "refuse":
            return ProviderResult(
                ProviderStatus.FAILED, message=f"{self.name}: trade settled, cannot be cancelled"
            )
        t = self.trades.get(intent_id)
        if t is None:
            self.trades[intent_id] = Trade(intent_id, 0, "reversed")
            return ProviderResult(ProviderStatus.REVERSED)
        if t.status == "succeeded":
            self.entries.append(
                StatementEntry(intent_id, f"rev-{intent_id}", "reversal", t.amount, "CNY", 0)
            )
        t.status = "reversed"
        return ProviderResult(ProviderStatus.REVERSED)

    def verify_callback(self, headers: dict[str, str], body: bytes) -> CallbackEvent:
        if not hmac.compare_digest(headers.get("x-signature", ""), sign(body)):
            raise ProviderError(FailureKind.INVALID, "bad signature")
        d = json.loads(body)
        return CallbackEvent(
            d["intent_id"],
            ProviderStatus(d["status"]),
            d.get("ref"),
            d["amount"],
            d.get("currency", "CNY"),
            d["event_id"],
        )

    async def statement(self, since_ms: int, until_ms: int) -> list[StatementEntry]:
        return list(self.entries)

    # -- what the tests look at ----------------------------------------------------------------
    def captured(self) -> int:
        """Money the provider holds: charges kept, net of refunds."""
        return sum(t.amount - t.refunded for t in self.trades.values() if t.status == "succeeded")

    def settle_pending(self, intent_id: str) -> None:
        """The customer confirmed on the phone."""
        self.trades[intent_id].status = "succeeded"


def test_fake_is_idempotent_on_the_intent_id():
    p = FakeProvider()
    req = ChargeRequest("i1", 500, "CNY", "scan_code", auth_code=ALIPAY_CODE)
    asyncio.run(p.charge(req))
    asyncio.run(p.charge(req))
    assert p.captured() == 500 and p.charges == 2


def test_fake_refuses_another_wallets_code_like_a_real_wallet():
    p = FakeProvider("alipay")
    req = ChargeRequest("i3", 500, "CNY", "scan_code", auth_code=WECHAT_CODE)
    try:
        asyncio.run(p.charge(req))
    except ProviderError as exc:
        assert exc.kind is FailureKind.INVALID
    else:
        raise AssertionError("an Alipay provider took a WeChat Pay code")
    assert p.captured() == 0


def test_fake_reverse_before_charge_blocks_nothing_kept():
    p = FakeProvider()
    asyncio.run(p.reverse("i2"))
    assert p.captured() == 0
