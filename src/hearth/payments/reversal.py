"""Giving back what a provider holds: a capture the bill cannot take, a QR nobody scanned.

Used by the request that took the payment, the settler, a provider's callback and the
cashier's cancel alike, so a reverse is recorded the same way whoever asked for it.
"""

from __future__ import annotations

import structlog

from hearth.core.node import Node
from hearth.payments import domain as d
from hearth.payments.domain import Tender
from hearth.payments.intents import get_row, record_answer, record_reverse_refused
from hearth.payments.messages import text
from hearth.payments.providers.base import (
    FailureKind,
    ProviderError,
    ProviderResult,
    ProviderStatus,
)
from hearth.payments.runtime import PaymentsRuntime

log = structlog.get_logger(__name__)

REVERSED, REFUSED, NO_ANSWER = "reversed", "refused", "no_answer"


async def reverse(
    node: Node, runtime: PaymentsRuntime, payment_id: str, actor: str | None = None
) -> str:
    """Reverse an intent at its provider (money the bill cannot keep, a QR nobody scanned).

    ``reversed`` once the provider confirms nothing is kept; ``refused`` when it answered no
    (the intent is then ``needs_attention`` with the provider's words: it may still hold the
    money, so it is never recorded as reversed); ``no_answer`` when it could not be asked
    (try again later; the intent is left as it was)."""
    with node.engine.connect() as conn:
        row = get_row(conn, node.settings.store_id, payment_id)
    provider = runtime.provider(row.provider)
    if provider is None:
        return NO_ANSWER
    try:
        method = d.METHOD_OF.get(Tender(row.tender))
        result = await runtime.call(
            row.provider,
            provider.reverse(payment_id, method),
            node.settings.payment_call_timeout_ms / 1000,
        )
    except ProviderError as exc:
        if exc.kind is not FailureKind.DECLINED:
            return NO_ANSWER
        result = ProviderResult(ProviderStatus.FAILED, message=exc.message)
    if result.status is ProviderStatus.FAILED:
        words = text("reverse_refused", row.provider, detail=result.message)
        await node.writer.submit(lambda tx: record_reverse_refused(tx, payment_id, words, actor))
        log.warning(
            "payments.reverse_refused",
            payment_id=payment_id,
            provider=row.provider,
            said=result.message,
        )
        return REFUSED
    if result.status not in (
        ProviderStatus.REVERSED,
        ProviderStatus.NOT_FOUND,
        ProviderStatus.REFUNDED,
    ):
        return NO_ANSWER
    await node.writer.submit(
        lambda tx: record_answer(
            tx, payment_id, ProviderStatus.REVERSED, message=text("reversed"), actor=actor
        )
    )
    return REVERSED
