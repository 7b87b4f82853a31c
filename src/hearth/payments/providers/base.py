"""The provider interface: what the router and the intents need from any payment provider.

Adapters speak each provider's real protocol (Alipay face-to-face, WeChat Pay v3, a card
acquirer); the intent machine only sees these calls. Every call carries our intent id as the
provider-side idempotency key (``out_trade_no`` and the like), so a retried or resumed call can
never become a second charge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class ProviderStatus(StrEnum):
    SUCCEEDED = "succeeded"  # money captured
    PENDING = "pending"  # the customer still has to confirm (password on the phone, PIN pad)
    FAILED = "failed"  # declined or refused; nothing captured
    UNKNOWN = "unknown"  # no trustworthy answer (timeout, lost answer): query, never re-charge
    NOT_FOUND = "not_found"  # query: the provider never saw this intent
    REFUNDED = "refunded"
    REVERSED = "reversed"  # cancelled before or right after capture; nothing kept


class FailureKind(StrEnum):
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"  # 5xx, connection refused, circuit open
    DECLINED = "declined"  # the customer's side said no: do not switch provider, ask again
    INVALID = "invalid"  # our request or a callback is wrong (bad signature, mismatch)


class ProviderError(Exception):
    """A call that did not get a usable answer. ``kind`` drives the router's failover."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class ChargeRequest:
    intent_id: str  # our id, sent as the provider's idempotency key / out_trade_no
    amount: int  # minor units (fen)
    currency: str  # "CNY"
    method: str  # "scan_code" (customer's payment code), "merchant_qr", "card"
    description: str = ""
    auth_code: str | None = None  # the customer's payment code, for "scan_code"


@dataclass(frozen=True)
class ProviderResult:
    status: ProviderStatus
    provider_ref: str | None = None  # the provider's transaction id
    amount: int | None = None  # what the provider says it captured / refunded
    currency: str | None = None
    message: str = ""  # plain words for the cashier
    qr_content: str | None = None  # for "merchant_qr": what the dynamic QR encodes
    raw: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CallbackEvent:
    """A verified asynchronous notification from the provider."""

    intent_id: str
    status: ProviderStatus
    provider_ref: str | None
    amount: int
    currency: str
    event_id: str  # the provider's notification id, for de-duplication


@dataclass(frozen=True)
class StatementEntry:
    intent_id: str
    provider_ref: str
    kind: str  # "charge" | "refund" | "reversal"
    amount: int
    currency: str
    at_ms: int


class Provider(Protocol):
    name: str  # "alipay", "wechat", "card"…
    methods: frozenset[str]  # which ChargeRequest.method values it takes
    # Whose customer payment codes it can take ("alipay", "wechat"): a scanned code belongs to
    # one wallet and only goes to providers listed for it. Empty for a card acquirer.
    wallets: frozenset[str]

    async def charge(self, req: ChargeRequest) -> ProviderResult: ...

    async def query(self, intent_id: str) -> ProviderResult: ...

    async def refund(self, intent_id: str, refund_id: str, amount: int) -> ProviderResult: ...

    async def reverse(self, intent_id: str, method: str | None = None) -> ProviderResult:
        """Give back or close an intent: ``REVERSED`` once nothing is kept, ``FAILED`` (with
        the provider's words) when the provider refuses. ``method`` is how it was charged
        (``ChargeRequest.method``) when known: some providers cancel each kind differently."""
        ...

    def verify_callback(self, headers: dict[str, str], body: bytes) -> CallbackEvent:
        """Raise ProviderError(INVALID) unless the signature and shape are genuine."""
        ...

    async def statement(self, since_ms: int, until_ms: int) -> list[StatementEntry]: ...
