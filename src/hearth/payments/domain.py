"""Payment rules as pure functions: the intent state machine, the bill, cash, refunds, risk.

No database, HTTP or clock here. The service asks these functions what a provider's answer
means for an intent and whether a bill may take another payment; the hypothesis tests drive
them with every sequence of answers a faulty provider can produce.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hearth.core.errors import Problem
from hearth.core.money import round_half_up_div
from hearth.payments.errors import PaymentsError
from hearth.payments.providers.base import ProviderStatus


class Tender(StrEnum):
    CASH = "cash"
    STORED_VALUE = "stored_value"
    WALLET_SCAN = "wallet_scan"  # we scan the customer's payment code
    WALLET_QR = "wallet_qr"  # the customer scans our dynamic QR
    CARD = "card"
    PLATFORM = "platform"  # prepaid on a delivery platform


PROVIDER_TENDERS = frozenset({Tender.WALLET_SCAN, Tender.WALLET_QR, Tender.CARD})
WALLETS = ("alipay", "wechat")
WALLET_NAMES: Mapping[str, str] = {"alipay": "Alipay", "wechat": "WeChat Pay"}
LOCAL_TENDERS = frozenset({Tender.CASH, Tender.STORED_VALUE, Tender.PLATFORM})
METHOD_OF: Mapping[Tender, str] = {
    Tender.WALLET_SCAN: "scan_code",
    Tender.WALLET_QR: "merchant_qr",
    Tender.CARD: "card",
}
TENDERS_OF_METHOD: Mapping[str, Tender] = {v: k for k, v in METHOD_OF.items()}


class IntentStatus(StrEnum):
    CREATED = "created"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"
    REFUNDED = "refunded"
    REVERSED = "reversed"
    # Taken offline (store-and-forward), then declined when forwarded or too old to send:
    # nothing was collected, so it no longer counts towards the bill; a manager follows up.
    DECLINED_LATER = "declined_later"
    # We asked the provider to reverse or cancel and it refused: it may still hold money the
    # bill cannot keep. Held for a person (with the provider's words), never called reversed.
    NEEDS_ATTENTION = "needs_attention"


St = IntentStatus
CAPTURED = frozenset({St.SUCCEEDED, St.REFUNDED})  # money is (or was) with us
OPEN_INTENT = frozenset({St.CREATED, St.PENDING, St.UNKNOWN})  # may still capture
FINAL = frozenset({St.FAILED, St.REVERSED, St.DECLINED_LATER})

TRANSITIONS: Mapping[IntentStatus, frozenset[IntentStatus]] = {
    St.CREATED: frozenset({St.PENDING, St.SUCCEEDED, St.FAILED, St.NEEDS_ATTENTION}),
    St.PENDING: frozenset({St.SUCCEEDED, St.FAILED, St.UNKNOWN, St.REVERSED, St.NEEDS_ATTENTION}),
    St.UNKNOWN: frozenset({St.SUCCEEDED, St.FAILED, St.REVERSED, St.NEEDS_ATTENTION}),
    # DECLINED_LATER only for a payment taken offline whose forwarding was declined.
    St.SUCCEEDED: frozenset({St.REFUNDED, St.REVERSED, St.DECLINED_LATER}),
    St.REFUNDED: frozenset({St.REFUNDED}),
    # A capture the provider reports after we saw a failure: taken if the bill has room,
    # otherwise held as unknown while it is reversed.
    St.FAILED: frozenset({St.SUCCEEDED, St.UNKNOWN, St.REVERSED}),
    St.REVERSED: frozenset(),
    St.DECLINED_LATER: frozenset(),
    # Settled by what the provider says next (a reverse that now works, a capture the bill can
    # still take, "nothing held"), or by a person.
    St.NEEDS_ATTENTION: frozenset({St.SUCCEEDED, St.FAILED, St.REVERSED}),
}


def can_move(src: IntentStatus, dst: IntentStatus) -> bool:
    return dst in TRANSITIONS[src]


@dataclass(frozen=True)
class Decision:
    """What to record for one provider answer: the new status, and whether money that the
    provider captured must be given back (``reverse``) because the bill cannot take it; such an
    intent is held as ``unknown`` until the reversal is confirmed."""

    status: IntentStatus
    reverse: bool = False
    changed: bool = True


def on_answer(current: IntentStatus, answer: ProviderStatus, *, room: int, amount: int) -> Decision:
    """Fold one provider answer (charge, query or callback, in any order, any number of times)
    into an intent.

    ``room`` is what the bill can still take (due) *not counting this intent*; a capture that
    does not fit (the bill was meanwhile settled by another tender) is accepted as a fact and
    marked for reversal, so a bill never holds two captures for the same money.
    """
    same = Decision(current, changed=False)
    if current in (St.SUCCEEDED, St.REFUNDED, St.REVERSED, St.DECLINED_LATER):
        return same  # duplicates and stale answers after the fact change nothing
    if answer is ProviderStatus.SUCCEEDED:
        # Also after we called it failed: the provider holds the money, so the truth wins, and
        # the bill takes it if it still can.
        if amount > room:
            if current is St.NEEDS_ATTENTION:
                return same  # its reverse was refused already: a person deals with it
            return Decision(St.UNKNOWN, reverse=True, changed=current is not St.UNKNOWN)
        return Decision(St.SUCCEEDED)
    if answer is ProviderStatus.REVERSED:
        return Decision(St.REVERSED)
    if current is St.NEEDS_ATTENTION:
        # Held for a person: only "nothing is held" settles it (a capture that fits was
        # taken above; one that does not stays flagged, no second reverse is attempted).
        if answer in (ProviderStatus.FAILED, ProviderStatus.NOT_FOUND):
            return Decision(St.FAILED)
        return same
    if current is St.FAILED:
        return same
    if answer in (ProviderStatus.FAILED, ProviderStatus.NOT_FOUND):
        return Decision(St.FAILED)
    if answer is ProviderStatus.UNKNOWN:
        return Decision(St.UNKNOWN) if current is not St.UNKNOWN else same
    if answer is ProviderStatus.PENDING:
        return same if current in (St.PENDING, St.UNKNOWN) else Decision(St.PENDING)
    return same  # REFUNDED on an open intent: not a capture we know of; leave for the query


def on_reverse_refused(current: IntentStatus) -> Decision:
    """The provider answered a reverse (or cancel) and said no. Whatever it holds stays with it,
    so the intent is flagged for a person with the provider's words — never recorded as
    reversed. Only an intent that may still capture is flagged; anything else is left alone."""
    if current in OPEN_INTENT:
        return Decision(St.NEEDS_ATTENTION)
    return Decision(current, changed=False)


# -- the customer's payment code -----------------------------------------------------------------
def wallet_of_code(code: str | None) -> str | None:
    """Which wallet a scanned customer payment code belongs to, from its shape alone.

    Alipay's codes are 16-24 digits starting 25-30; WeChat Pay's are 18 digits starting 10-15.
    The two never overlap, so a code belongs to exactly one wallet, and only that wallet's
    provider can take it. None for anything else (a mistyped code, a product's barcode)."""
    if not code or not code.isascii() or not code.isdigit():
        return None
    head = int(code[:2])
    if 16 <= len(code) <= 24 and 25 <= head <= 30:
        return "alipay"
    if len(code) == 18 and 10 <= head <= 15:
        return "wechat"
    return None


def check_payment_code(code: str | None, wallet: str | None = None) -> str:
    """The wallet a scanned code belongs to, or a problem the cashier can act on. ``wallet``,
    when the request names one, must agree with the code: the code decides."""
    if not code:
        raise PaymentsError.AUTH_CODE_MISSING.problem(
            "A wallet scan needs the customer's payment code.", field="auth_code"
        )
    found = wallet_of_code(code)
    if found is None:
        raise PaymentsError.AUTH_CODE_UNRECOGNISED.problem(
            "This is neither an Alipay payment code (16-24 digits starting 25-30) "
            "nor a WeChat Pay one (18 digits starting 10-15). Ask the customer to "
            "refresh the code in their app and scan it again, or show our QR.",
            field="auth_code",
        )
    if wallet is not None and wallet != found:
        raise PaymentsError.AUTH_CODE_WALLET_MISMATCH.problem(
            f"This is a {WALLET_NAMES[found]} payment code, not "
            f"{WALLET_NAMES.get(wallet, wallet)}. Leave the wallet out: the code "
            "says which it is.",
            field="wallet",
        )
    return found


# -- the bill -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PaymentLine:
    """One payment as the bill sees it."""

    status: IntentStatus
    amount: int  # towards the bill
    tip: int = 0
    refunded: int = 0
    rounding: int = 0  # cash rounding to the smallest coin (+/-), settles the bill exactly


@dataclass(frozen=True)
class Bill:
    total: int
    paid: int  # towards the bill, net of refunds
    tips: int
    due: int
    pending: int  # held by intents that may still capture

    def to_json(self) -> dict[str, int]:
        return {
            "total": self.total,
            "paid": self.paid,
            "tips": self.tips,
            "due": self.due,
            "pending": self.pending,
        }


def bill(total: int, payments: Iterable[PaymentLine]) -> Bill:
    paid = tips = pending = 0
    for p in payments:
        if p.status in CAPTURED:
            # Refunds give back the tip last: a tip belongs to the staff.
            towards = p.amount - min(p.refunded, p.amount)
            paid += towards
            tips += p.tip - max(0, p.refunded - p.amount)
        elif p.status in (St.CREATED, St.PENDING):
            # In flight (a QR waiting to be scanned). An ``unknown`` intent does not block the
            # bill: checkout goes on, and if it turns out captured it is reversed for lack of room.
            pending += p.amount
    return Bill(total, paid, tips, max(0, total - paid), pending)


def check_new_payment(b: Bill, amount: int, tip: int, *, closed: bool) -> None:
    """A new payment must fit what is still due, and tips need an open bill."""
    if closed:
        raise PaymentsError.BILL_CLOSED.problem(
            "The bill is already settled or closed; it takes no more payments "
            "or tips. Reopen it first (manager) if it must change."
        )
    if amount < 0 or tip < 0:
        raise PaymentsError.AMOUNT_NEGATIVE.problem(
            "Amount and tip must be zero or more.", field="amount"
        )
    if amount == 0 and tip == 0:
        raise PaymentsError.AMOUNT_NOTHING_TO_PAY.problem(
            "Enter an amount above zero.", field="amount"
        )
    room = b.due - b.pending
    if amount > room:
        raise PaymentsError.AMOUNT_ABOVE_DUE.problem(
            f"Only {room} is still due on this bill"
            + (f" ({b.pending} is waiting on a payment in progress)" if b.pending else "")
            + ".",
            field="amount",
        )


# -- cash ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CashTake:
    amount: int  # towards the bill
    rounding: int  # what rounding to the smallest coin added (+) or took off (-)
    collect: int  # what the drawer must receive: amount + rounding + tip
    tendered: int
    change_due: int


def cash_rounding(amount: int, unit: int) -> int:
    """How much rounding ``amount`` to the smallest coin changes it (halves up)."""
    if unit <= 1:
        return 0
    return round_half_up_div(amount, unit) * unit - amount


def take_cash(
    amount: int, tip: int, tendered: int | None, *, unit: int, settles_bill: bool
) -> CashTake:
    """Change due for cash handed over. Only the payment that settles the bill is rounded to
    the smallest coin; a partial cash payment is taken as keyed."""
    rounding = cash_rounding(amount + tip, unit) if settles_bill else 0
    collect = amount + tip + rounding
    given = collect if tendered is None else tendered
    if given < collect:
        raise PaymentsError.TENDERED_TOO_LITTLE.problem(
            f"{collect} is needed and {given} was handed over.", field="tendered"
        )
    if given > collect + 1_000_000:
        raise PaymentsError.TENDERED_TOO_MUCH.problem(
            "That is far more than the bill; check the amount.", field="tendered"
        )
    return CashTake(amount, rounding, collect, given, given - collect)


# -- refunds ------------------------------------------------------------------------------------
def refundable(status: IntentStatus, captured: int, refunded: int, refund_pending: int) -> int:
    if status not in CAPTURED:
        return 0
    return max(0, captured - refunded - refund_pending)


def check_refund(
    status: IntentStatus, captured: int, refunded: int, refund_pending: int, amount: int
) -> None:
    if status not in CAPTURED:
        raise PaymentsError.PAYMENT_NOT_REFUNDABLE.problem(
            f"This payment is {status.value}; only a captured payment is refunded."
        )
    if amount <= 0:
        raise PaymentsError.REFUND_NOT_POSITIVE.problem(
            "Enter the amount to give back.", field="amount"
        )
    left = refundable(status, captured, refunded, refund_pending)
    if amount > left:
        raise PaymentsError.REFUND_ABOVE_PAID.problem(
            f"At most {left} can still be refunded on this payment.", field="amount"
        )


# -- offline store-and-forward ------------------------------------------------------------------
def forward_declined(status: IntentStatus) -> IntentStatus:
    """What an offline payment becomes when its provider declines it as it is forwarded (or it
    is too old to send): it was only ever accepted on trust, nothing was collected, so it stops
    counting towards the bill. Anything else (already refunded, say) is left as it is."""
    return St.DECLINED_LATER if status is St.SUCCEEDED else status


@dataclass(frozen=True)
class OfflineLimits:
    per_payment: int
    outstanding: int
    max_age_ms: int

    @classmethod
    def of(cls, settings: Any) -> OfflineLimits:
        """The store's limits from the node's settings (``payment_offline_*``)."""
        return cls(
            settings.payment_offline_max_payment,
            settings.payment_offline_max_outstanding,
            settings.payment_offline_max_age_hours * 3_600_000,
        )


def offline_refusal(limits: OfflineLimits, amount: int, outstanding: int) -> Problem | None:
    """Why an offline payment is refused, or None when it is inside the store's risk limits."""
    if amount > limits.per_payment:
        return PaymentsError.OFFLINE_LIMIT_PAYMENT.problem(
            f"Offline payments are limited to {limits.per_payment} each; take cash or stored value."
        )
    if outstanding + amount > limits.outstanding:
        return PaymentsError.OFFLINE_LIMIT_TOTAL.problem(
            f"{outstanding} is already waiting to be forwarded (limit "
            f"{limits.outstanding}); take cash or stored value."
        )
    return None
