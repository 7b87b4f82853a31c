"""A payment intent in storage: read it, fold a provider's answer into it, and the bill it
belongs to.

Every path that learns something about an intent — the request that made it
(``service.take_payment``), the background settler (``settle``), a provider's callback and a
refund (``refunds``), a reversal (``reversal``) — records it here, through one fold
(``domain.on_answer``), so an answer means the same whichever way it arrived. Nothing here
calls a provider: these run inside writer transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection

from hearth.core.db import select_rows
from hearth.core.errors import Problem, not_found
from hearth.core.writer import Tx
from hearth.ordering import service as ordering
from hearth.ordering.domain import Order, OrderStatus
from hearth.ordering.projections import load_order
from hearth.payments import domain as d
from hearth.payments.domain import IntentStatus
from hearth.payments.errors import PaymentsError
from hearth.payments.messages import text
from hearth.payments.providers.base import ProviderResult, ProviderStatus
from hearth.payments.tables import cash_shifts, payments

CLOSED_ORDER = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.CLOSED,
        OrderStatus.VOIDED,
        OrderStatus.CANCELLED,
        OrderStatus.MERGED,
    }
)
PAYABLE_TO_PAID = frozenset(
    {OrderStatus.SUBMITTED, OrderStatus.PREPARING, OrderStatus.READY, OrderStatus.SERVED}
)

log = structlog.get_logger(__name__)


def stream(payment_id: str) -> str:
    return f"payment:{payment_id}"


# -- reads --------------------------------------------------------------------------------------
def payment_out(row: Any) -> dict[str, Any]:
    """The PaymentOut of the contract (plus a few extra fields)."""
    m = row._mapping if hasattr(row, "_mapping") else row
    out = {
        "id": m["id"],
        "order_id": m["order_id"],
        "tender": m["tender"],
        "provider": m["provider"],
        "amount": m["amount"],
        "tip": m["tip"],
        "change_due": m["change_due"],
        "status": m["status"],
        "qr_content": m["qr_content"],
        "message_zh": m["message_zh"],
        "message_en": m["message_en"],
        "fallback": m["fallback"],
        "rounding": m["rounding"],
        "tendered": m["tendered"],
        "refunded": m["refunded"],
        "refund_pending": m["refund_pending"],
        "offline": m["offline"],
        "forward_state": m["forward_state"],
        "wallet": m["wallet"],
        "account_id": m["account_id"],
        "currency": m["currency"],
        "created_at_ms": m["created_at_ms"],
    }
    return out


def get_row(conn: Connection, store_id: str, payment_id: str) -> Any:
    row = select_rows(conn, payments, {"id": payment_id, "store_id": store_id}).first()
    if row is None:
        raise not_found(PaymentsError.PAYMENT_NOT_FOUND, payment_id)
    return row


def order_rows(conn: Connection, store_id: str, order_id: str) -> list[Any]:
    """Every payment on an order, every attempt of every chain, oldest first."""
    return list(
        select_rows(
            conn,
            payments,
            {"order_id": order_id, "store_id": store_id},
            order_by=("created_at_ms", "attempt"),
        )
    )


def lines(rows: list[Any], exclude: str | None = None) -> list[d.PaymentLine]:
    """Payment rows as the bill sees them (``exclude``: leave one intent out)."""
    return [
        d.PaymentLine(IntentStatus(r.status), r.amount, r.tip, r.refunded, r.rounding)
        for r in rows
        if r.id != exclude
    ]


def order_of(conn: Connection, store_id: str, order_id: str) -> Order:
    order = load_order(conn, order_id, store_id)
    if order is None:
        raise not_found(PaymentsError.ORDER_NOT_FOUND, order_id)
    return order


def current_shift_id(conn: Connection, store_id: str) -> str | None:
    return select_rows(
        conn, cash_shifts, {"store_id": store_id, "status": "open"}, ("id",)
    ).scalar()


def outstanding_offline(conn: Connection, store_id: str) -> int:
    """What payments taken offline still wait to be forwarded: the store's risk so far."""
    total = conn.execute(
        sa.select(sa.func.sum(payments.c.amount + payments.c.tip))
        .where(payments.c.store_id == store_id)
        .where(payments.c.forward_state == "queued")
    ).scalar()
    return int(total or 0)


# -- writes -------------------------------------------------------------------------------------
def settle_order(tx: Tx, order_id: str, actor: str | None) -> None:
    """Mark the order paid in the same transaction as the payment that settles it.

    An order paid in full before it was sent (a kiosk guest, a counter order paid first) is
    sent to the kitchen by that payment: quick service cooks what is paid for, and the order
    state machine only reaches ``paid`` through the kitchen's states.
    """
    order = order_of(tx.conn, tx.store_id, order_id)
    pay_first = order.status is OrderStatus.OPEN and order.totals().total > 0
    if order.status not in PAYABLE_TO_PAID and not pay_first:
        return
    b = d.bill(order.totals().total, lines(order_rows(tx.conn, tx.store_id, order_id)))
    if b.due == 0:
        ctx = ordering.Context(actor, tx.journal.wall_ms())
        if pay_first:
            try:
                ordering.submit_order(tx, ctx, order_id)
            except Problem as exc:
                # Everything on hold, or an item ran out since it was ordered: the refusal
                # comes before anything is written, and the money is taken whatever the
                # kitchen can do, so the payment stands and staff send the order by hand.
                log.warning("paid order not sent", order_id=order_id, reason=exc.code)
                return
        ordering.mark_paid(tx, ctx, order_id)


@dataclass(frozen=True)
class Recorded:
    row: Any
    reverse: bool  # the provider holds money the bill cannot take: reverse it


def record_answer(
    tx: Tx,
    payment_id: str,
    answer: ProviderStatus,
    *,
    result: ProviderResult | None = None,
    message: tuple[str, str] | None = None,
    fallback: dict[str, Any] | None = None,
    actor: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Recorded:
    """Fold one provider answer into an intent (idempotent: duplicates change nothing)."""
    row = get_row(tx.conn, tx.store_id, payment_id)
    current = IntentStatus(row.status)
    rows = order_rows(tx.conn, tx.store_id, row.order_id)
    order = order_of(tx.conn, tx.store_id, row.order_id)
    room = d.bill(order.totals().total, lines(rows, exclude=row.id)).due
    decision = d.on_answer(current, answer, room=room, amount=row.amount)
    payload: dict[str, Any] = dict(extra or {})
    if decision.changed or message or fallback or payload:
        payload.update(payment_id=payment_id, status=decision.status.value)
        if result is not None and result.provider_ref:
            payload["provider_ref"] = result.provider_ref
        if result is not None and result.qr_content:
            payload["qr_content"] = result.qr_content
        if decision.reverse:
            message = message or text("unknown", row.provider)
        if message:
            payload["message_zh"], payload["message_en"] = message
        if fallback is not None:
            payload["fallback"] = fallback
        tx.append(stream(payment_id), "PaymentStatusChanged", payload, actor)
        if decision.status is IntentStatus.SUCCEEDED and current is not IntentStatus.SUCCEEDED:
            settle_order(tx, row.order_id, actor)
    return Recorded(get_row(tx.conn, tx.store_id, payment_id), decision.reverse)


def record_reverse_refused(
    tx: Tx, payment_id: str, message: tuple[str, str], actor: str | None = None
) -> Any:
    """The provider said no to a reverse or cancel: flag the intent for a person, with its
    words. Idempotent: an intent flagged (or settled) already is left as it is."""
    row = get_row(tx.conn, tx.store_id, payment_id)
    decision = d.on_reverse_refused(IntentStatus(row.status))
    if decision.changed:
        tx.append(
            stream(payment_id),
            "PaymentStatusChanged",
            {
                "payment_id": payment_id,
                "status": decision.status.value,
                "message_zh": message[0],
                "message_en": message[1],
            },
            actor,
        )
    return get_row(tx.conn, tx.store_id, payment_id)
