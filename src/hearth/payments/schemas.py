"""Request bodies of the payments API (also what the kiosk passes to ``take_payment``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hearth.core.api import Strict
from hearth.payments.domain import Tender
from hearth.staff.approval import Approval

TenderName = Literal["cash", "stored_value", "wallet_scan", "wallet_qr", "card", "platform"]


class TenderIn(Strict):
    tender: TenderName
    amount: int = Field(ge=0, le=100_000_000)
    tip: int = Field(default=0, ge=0, le=10_000_000)
    tendered: int | None = Field(default=None, ge=0, le=100_000_000)
    auth_code: str | None = Field(default=None, min_length=6, max_length=64)
    wallet: Literal["alipay", "wechat"] | None = None
    account_id: str | None = Field(default=None, min_length=1, max_length=64)

    @property
    def kind(self) -> Tender:
        return Tender(self.tender)


class RefundIn(Strict):
    amount: int = Field(gt=0, le=100_000_000)
    reason: str = Field(min_length=1, max_length=200)
    approval: Approval | None = None


class AccountIn(Strict):
    name: str = Field(min_length=1, max_length=80)
    phone: str | None = Field(default=None, max_length=30)
    balance: int = Field(default=0, ge=0, le=100_000_000)


class TopUpIn(Strict):
    amount: int = Field(gt=0, le=100_000_000)


class ShiftOpenIn(Strict):
    float: int = Field(ge=0, le=100_000_000)


class CashMoveIn(Strict):
    amount: int = Field(gt=0, le=100_000_000)
    reason: str = Field(min_length=1, max_length=200)


class ShiftCloseIn(Strict):
    counted: int = Field(ge=0, le=1_000_000_000)


class ProviderConfigIn(Strict):
    tenders: list[Literal["wallet_scan", "wallet_qr", "card"]] = Field(max_length=3)
    priority: int = Field(default=100, ge=0, le=1000)
    enabled: bool = True
    settings: dict[str, str] = Field(default_factory=dict, max_length=20)


class ReconcileIn(Strict):
    since_ms: int = Field(ge=0)
    until_ms: int = Field(ge=0)


# -- answers -------------------------------------------------------------------------------------
class _Out(BaseModel):
    """An answer for the OpenAPI document; ``extra="allow"`` so a field added to
    ``payment_out`` is never dropped before it is written here."""

    model_config = ConfigDict(extra="allow")


class PaymentOut(_Out):
    """One payment attempt, money in fen (mirrors ``intents.payment_out``)."""

    id: str
    order_id: str
    tender: str
    provider: str | None
    amount: int
    tip: int
    change_due: int
    status: str
    qr_content: str | None
    message_zh: str
    message_en: str
    fallback: Any
    rounding: int
    tendered: int | None
    refunded: int
    refund_pending: int
    offline: bool
    forward_state: str | None
    wallet: str | None
    account_id: str | None
    currency: str
    created_at_ms: int


class BillOut(_Out):
    """An order's bill and every payment on it (``service.order_payments``)."""

    order_id: str
    total: int
    paid: int
    tips: int
    due: int
    pending: int
    status: str
    currency: str
    payments: list[PaymentOut]
    cash_rounding_unit: int
