"""The background settler: resolves intents nobody is waiting on any more.

After a crash, a timeout or a lost answer an intent stays ``pending``/``unknown``. The settler
asks the provider what happened (``query``) and records it; an intent that cannot be settled
for long enough is reversed. It also forwards payments taken offline once their provider
answers again, retries refunds that got no answer, and closes merchant QRs nobody scanned.
It never charges an intent twice: a charge is only sent for an offline-queued intent, after a
query said the provider has never seen it, and always under the same intent id.
"""

from __future__ import annotations

import contextlib
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection

from hearth.core.journal import stream_events
from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.payments import domain as d
from hearth.payments.domain import Tender
from hearth.payments.intents import get_row, record_answer
from hearth.payments.messages import text
from hearth.payments.providers.base import ChargeRequest, ProviderError, ProviderStatus
from hearth.payments.refunds import finish_refund
from hearth.payments.reversal import reverse
from hearth.payments.runtime import PaymentsRuntime, payments_of
from hearth.payments.tables import payment_refunds, payments

log = structlog.get_logger(__name__)


def _open_intents(conn: Connection, store_id: str) -> list[Any]:
    return list(
        conn.execute(
            sa.select(payments)
            .where(payments.c.store_id == store_id)
            .where(payments.c.status.in_(("created", "pending", "unknown")))
            .where(payments.c.offline.is_(False))
            .order_by(payments.c.created_at_ms)
            .limit(200)
        )
    )


def _queued(conn: Connection, store_id: str) -> list[Any]:
    return list(
        conn.execute(
            sa.select(payments)
            .where(payments.c.store_id == store_id)
            .where(payments.c.forward_state == "queued")
            .order_by(payments.c.created_at_ms)
            .limit(200)
        )
    )


def _pending_refunds(conn: Connection, store_id: str) -> list[Any]:
    return list(
        conn.execute(
            sa.select(payment_refunds)
            .where(payment_refunds.c.store_id == store_id)
            .where(payment_refunds.c.status == "pending")
            .limit(200)
        )
    )


async def settle_intent(node: Node, runtime: PaymentsRuntime, row: Any, eager: bool = False) -> str:
    """Query one open intent and record the answer; reverse it when it cannot be settled.

    Left alone while the request that made it may still be working on it (its failover
    budget), unless someone is polling for it (``eager``)."""
    s = node.settings
    provider = runtime.provider(row.provider)
    if provider is None:
        return str(row.status)
    age = node.now_ms() - row.created_at_ms
    if not eager and age < s.payment_budget_ms + 500:
        return str(row.status)
    try:
        result = await runtime.call(
            row.provider, provider.query(row.id), s.payment_call_timeout_ms / 1000
        )
        answer = result.status
    except ProviderError:
        result, answer = None, ProviderStatus.UNKNOWN
    expired = age > s.payment_qr_expiry_ms
    if answer is ProviderStatus.PENDING and row.status == "pending" and expired:
        answer = ProviderStatus.UNKNOWN  # nobody scanned: close it at the provider
    if answer is ProviderStatus.NOT_FOUND and row.status == "pending" and age < 2_000:
        return str(row.status)  # the charge may still be on its way to the provider
    if answer in (ProviderStatus.UNKNOWN, ProviderStatus.PENDING):
        stale_unknown = row.status == "unknown" and age > s.payment_reverse_unknown_after_ms
        if stale_unknown or (
            answer is ProviderStatus.UNKNOWN and row.status == "pending" and expired
        ):
            await reverse(node, runtime, row.id)
        elif answer is ProviderStatus.UNKNOWN and row.status == "pending" and age > 5_000:
            await node.writer.submit(lambda tx: record_answer(tx, row.id, ProviderStatus.UNKNOWN))
        with node.engine.connect() as conn:
            return str(get_row(conn, s.store_id, row.id).status)
    out = await node.writer.submit(
        lambda tx: record_answer(
            tx,
            row.id,
            answer,
            result=result,
            message=text("succeeded", row.provider)
            if answer is ProviderStatus.SUCCEEDED
            else text("failed")
            if answer in (ProviderStatus.FAILED, ProviderStatus.NOT_FOUND)
            else None,
        )
    )
    if out.reverse:
        await reverse(node, runtime, row.id)
    return str(out.row.status)


async def forward(node: Node, runtime: PaymentsRuntime, row: Any) -> str:
    """Send one offline-queued payment to its provider under its own intent id.

    A decline (or a payment too old to send) means nothing was ever collected: the payment
    becomes ``declined_later``, stops counting towards its bill, and is listed for a manager
    (``GET /api/payments/offline?status=declined``)."""
    s = node.settings
    provider = runtime.provider(row.provider)
    if provider is None:
        return "queued"

    def mark(state: str, result: Any = None, message: tuple[str, str] | None = None) -> Any:
        return node.writer.submit(lambda tx: _mark_forward(tx, row.id, state, result, message))

    if node.now_ms() - row.created_at_ms > d.OfflineLimits.of(s).max_age_ms:
        await mark("declined", message=text("offline_too_old"))
        return "declined"
    if not runtime.routing.allow(row.provider):
        return "queued"
    timeout = s.payment_call_timeout_ms / 1000
    try:
        seen = await runtime.call(row.provider, provider.query(row.id), timeout)
        result = seen
        if seen.status is ProviderStatus.NOT_FOUND:
            method = d.METHOD_OF[Tender(row.tender)]
            with node.engine.connect() as conn:
                started = stream_events(conn, f"payment:{row.id}")[0].payload
            result = await runtime.call(
                row.provider,
                provider.charge(
                    ChargeRequest(
                        row.id,
                        row.amount + row.tip,
                        row.currency,
                        method,
                        description=f"order {row.order_id} (offline)",
                        auth_code=started.get("auth_code"),
                    )
                ),
                timeout,
            )
    except ProviderError as exc:
        if exc.kind.value in ("declined", "invalid"):
            await mark("declined", message=text("declined_later", row.provider, detail=exc.message))
            return "declined"
        return "queued"
    if result.status is ProviderStatus.SUCCEEDED:
        await mark("forwarded", result)
        return "forwarded"
    if result.status in (ProviderStatus.FAILED, ProviderStatus.REVERSED):
        await mark("declined", result, text("declined_later", row.provider, detail=result.message))
        return "declined"
    return "queued"


def _mark_forward(
    tx: Tx, payment_id: str, state: str, result: Any, message: tuple[str, str] | None
) -> None:
    row = get_row(tx.conn, tx.store_id, payment_id)
    if row.forward_state != "queued":
        return
    status = d.IntentStatus(row.status)
    if state == "declined":
        status = d.forward_declined(status)
    payload: dict[str, Any] = {
        "payment_id": payment_id,
        "status": status.value,
        "forward_state": state,
    }
    if result is not None and result.provider_ref:
        payload["provider_ref"] = result.provider_ref
    if message:
        payload["message_zh"], payload["message_en"] = message
    tx.append(f"payment:{payment_id}", "PaymentStatusChanged", payload, None)


async def retry_refund(node: Node, runtime: PaymentsRuntime, refund: Any) -> None:
    with node.engine.connect() as conn:
        row = get_row(conn, node.settings.store_id, refund.payment_id)
    await finish_refund(node, runtime, row, refund.id, refund.amount)


async def settle_once(node: Node) -> dict[str, int]:
    """One pass over everything open. Returns counts, for tests and logs."""
    runtime = payments_of(node)
    sid = node.settings.store_id
    with node.engine.connect() as conn:
        intents, queued, refunds = (
            _open_intents(conn, sid),
            _queued(conn, sid),
            _pending_refunds(conn, sid),
        )
    counts = {"intents": len(intents), "queued": len(queued), "refunds": len(refunds)}
    for row in intents:
        try:
            await settle_intent(node, runtime, row)
        except Exception as exc:  # one bad intent must not stop the others
            log.warning("payments.settle_failed", payment_id=row.id, error=str(exc))
    for row in queued:
        try:
            await forward(node, runtime, row)
        except Exception as exc:
            log.warning("payments.forward_failed", payment_id=row.id, error=str(exc))
    for refund in refunds:
        try:
            await retry_refund(node, runtime, refund)
        except Exception as exc:
            log.warning("payments.refund_retry_failed", refund_id=refund.id, error=str(exc))
    return counts


async def run_forever(node: Node) -> None:
    """The resume task: a first pass at once (crash recovery), then every interval of the
    node's clock (a test steps it)."""
    interval = node.settings.payment_settle_interval_ms / 1000
    while True:
        with contextlib.suppress(Exception):
            await settle_once(node)
        await node.clock.sleep(interval)
