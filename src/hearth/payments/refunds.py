"""Refunds to the original tender, and provider callbacks.

A refund is recorded (tx1, ``pending``, the amount reserved so two refunds cannot both pass the
"not more than was paid" check), sent to the provider outside any transaction under its own
refund id (the provider's idempotency key), and settled in tx2. Cash, stored value and platform
refunds complete in one transaction.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hearth.core.errors import not_found
from hearth.core.ids import new_id
from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.payments import domain as d
from hearth.payments.domain import IntentStatus
from hearth.payments.errors import PaymentsError
from hearth.payments.intents import (
    current_shift_id,
    get_row,
    payment_out,
    record_answer,
)
from hearth.payments.messages import text
from hearth.payments.providers.base import FailureKind, ProviderError, ProviderStatus
from hearth.payments.reversal import reverse
from hearth.payments.runtime import PaymentsRuntime, payments_of
from hearth.payments.schemas import RefundIn
from hearth.payments.tables import payment_callbacks, payment_refunds, payments

LOCAL = ("cash", "stored_value", "platform")


def _settle_refund(tx: Tx, row: Any, refund_id: str, status: str) -> None:
    tx.append(
        f"payment:{row.id}",
        "RefundSettled",
        {
            "refund_id": refund_id,
            "payment_id": row.id,
            "status": status,
            "tender": row.tender,
            "shift_id": current_shift_id(tx.conn, tx.store_id) if row.tender == "cash" else None,
        },
        None,
    )


def start_refund(
    tx: Tx, payment_id: str, body: RefundIn, approved_by: str, key: str, actor: str | None
) -> tuple[Any, str, bool]:
    """Record a refund; local tenders finish here. Returns (payment, refund id, replayed)."""
    seen = tx.conn.execute(
        sa.select(payment_refunds)
        .where(payment_refunds.c.store_id == tx.store_id)
        .where(payment_refunds.c.request_key == key)
    ).first()
    row = get_row(tx.conn, tx.store_id, payment_id)
    if seen is not None:
        if seen.payment_id != payment_id or seen.amount != body.amount:
            raise PaymentsError.IDEMPOTENCY_KEY_REUSED.problem(
                "This Idempotency-Key was used for a different refund.", field="Idempotency-Key"
            )
        return row, seen.id, True
    if row.forward_state == "queued":
        raise PaymentsError.PAYMENT_NOT_FORWARDED.problem(
            "This payment was taken offline and is still waiting to be sent; "
            "refund it once it has gone through."
        )
    d.check_refund(
        IntentStatus(row.status),
        row.amount + row.tip,
        row.refunded,
        row.refund_pending,
        body.amount,
    )
    refund_id = new_id()
    tx.append(
        f"payment:{row.id}",
        "RefundStarted",
        {
            "refund_id": refund_id,
            "payment_id": row.id,
            "amount": body.amount,
            "reason": body.reason,
            "approved_by": approved_by,
            "request_key": key,
        },
        actor,
    )
    if row.tender in LOCAL:
        if row.tender == "stored_value" and row.account_id:
            tx.append(
                f"account:{row.account_id}",
                "StoredValueChanged",
                {
                    "account_id": row.account_id,
                    "delta": body.amount,
                    "reason": "refund",
                    "payment_id": row.id,
                },
                actor,
            )
        _settle_refund(tx, row, refund_id, "succeeded")
    return get_row(tx.conn, tx.store_id, payment_id), refund_id, False


async def finish_refund(
    node: Node, runtime: PaymentsRuntime, row: Any, refund_id: str, amount: int
) -> str:
    """Send a pending refund to the provider and record the answer (retried by the settler)."""
    provider = runtime.provider(row.provider)
    if provider is None:
        return "pending"
    try:
        result = await runtime.call(
            row.provider,
            provider.refund(row.id, refund_id, amount),
            node.settings.payment_call_timeout_ms / 1000,
        )
    except ProviderError as exc:
        if exc.kind in (FailureKind.DECLINED, FailureKind.INVALID):
            status = "failed"
        else:
            return "pending"
    else:
        if result.status in (ProviderStatus.REFUNDED, ProviderStatus.SUCCEEDED):
            status = "succeeded"
        elif result.status in (ProviderStatus.FAILED, ProviderStatus.NOT_FOUND):
            status = "failed"
        else:
            return "pending"

    def settle(tx: Tx) -> None:
        current = tx.conn.execute(
            sa.select(payment_refunds.c.status).where(payment_refunds.c.id == refund_id)
        ).scalar()
        if current == "pending":
            _settle_refund(tx, get_row(tx.conn, tx.store_id, row.id), refund_id, status)

    await node.writer.submit(settle)
    return status


async def refund_payment(
    node: Node,
    payment_id: str,
    body: RefundIn,
    *,
    approved_by: str,
    actor: str | None,
    idempotency_key: str,
) -> dict[str, Any]:
    """Refund part or all of a captured payment to its original tender."""
    runtime = payments_of(node)
    row, refund_id, _replayed = await node.writer.submit(
        lambda tx: start_refund(tx, payment_id, body, approved_by, idempotency_key, actor)
    )
    with node.engine.connect() as conn:
        refund = conn.execute(
            sa.select(payment_refunds).where(payment_refunds.c.id == refund_id)
        ).one()
    status = refund.status
    if status == "pending":
        status = await finish_refund(node, runtime, row, refund_id, refund.amount)
    with node.engine.connect() as conn:
        row = get_row(conn, node.settings.store_id, payment_id)
    words = {
        "succeeded": text("refunded", amount=refund.amount),
        "pending": text("refund_pending"),
        "failed": text("refund_failed"),
    }[status]
    return payment_out(row) | {
        "refund": {
            "id": refund_id,
            "amount": refund.amount,
            "status": status,
            "message_zh": words[0],
            "message_en": words[1],
        }
    }


# -- callbacks ----------------------------------------------------------------------------------
async def handle_callback(
    node: Node, provider_name: str, headers: dict[str, str], body: bytes
) -> dict[str, Any]:
    """A provider's asynchronous notification: verified, matched to its intent, folded in once.

    A bad signature or an amount/currency that does not match the intent is refused and
    writes nothing; a notification seen before answers the same and changes nothing.
    """
    runtime = payments_of(node)
    provider = runtime.provider(provider_name)
    if provider is None:
        raise not_found(PaymentsError.PROVIDER_NOT_FOUND, provider_name)
    try:
        event = provider.verify_callback(headers, body)
    except ProviderError as exc:
        raise PaymentsError.CALLBACK_INVALID.problem(
            f"The notification could not be verified: {exc.message}"
        ) from None

    def fold(tx: Tx) -> tuple[bool, bool, Any]:
        seen = tx.conn.execute(
            sa.select(payment_callbacks)
            .where(payment_callbacks.c.provider == provider_name)
            .where(payment_callbacks.c.event_id == event.event_id)
        ).first()
        row = tx.conn.execute(
            sa.select(payments)
            .where(payments.c.id == event.intent_id)
            .where(payments.c.store_id == tx.store_id)
        ).first()
        if row is None or row.provider != provider_name:
            raise not_found(PaymentsError.PAYMENT_NOT_FOUND, event.intent_id)
        if seen is not None:
            return True, False, row
        if event.amount != row.amount + row.tip or event.currency != row.currency:
            raise PaymentsError.CALLBACK_MISMATCH.problem(
                f"The notification says {event.amount} {event.currency}; the "
                f"payment is {row.amount + row.tip} {row.currency}."
            )
        tx.append(
            f"payment:{row.id}",
            "PaymentCallbackReceived",
            {
                "provider": provider_name,
                "event_id": event.event_id,
                "payment_id": row.id,
                "status": event.status.value,
            },
            None,
        )
        if event.status in (ProviderStatus.REFUNDED,):
            return False, False, row
        out = record_answer(
            tx,
            row.id,
            event.status,
            message=text("succeeded", provider_name)
            if event.status is ProviderStatus.SUCCEEDED
            else None,
            extra={"provider_ref": event.provider_ref} if event.provider_ref else None,
        )
        return False, out.reverse, out.row

    duplicate, must_reverse, row = await node.writer.submit(fold)
    if must_reverse:
        await reverse(node, runtime, row.id)
    return {"status": "ok", "duplicate": duplicate, "payment_id": row.id, "at_ms": node.now_ms()}
