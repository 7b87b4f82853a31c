"""Reconciliation: our payments against each provider's own statement, every difference listed.

Compared per intent: what we believe the provider kept (captured minus refunds; nothing for a
failed or reversed intent) against what its statement shows (charges minus refunds and
reversals). A payment still queued offline is expected to be missing at the provider.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from hearth.core.writer import Tx
from hearth.node import Node
from hearth.payments.providers.base import ProviderError, StatementEntry
from hearth.payments.registry import engine_of
from hearth.payments.tables import payments


def ours_net(row: Any) -> int:
    if row.status in ("succeeded", "refunded") and row.forward_state != "queued":
        if row.forward_state == "declined":
            return 0
        return int(row.amount + row.tip - row.refunded)
    return 0


def theirs_net(entries: list[StatementEntry]) -> int:
    net = 0
    for e in entries:
        net += e.amount if e.kind == "charge" else -e.amount
    return net


def compare(rows: list[Any], entries: list[StatementEntry]) -> list[dict[str, Any]]:
    """Every intent where our books and the provider's disagree."""
    by_intent: dict[str, list[StatementEntry]] = defaultdict(list)
    for e in entries:
        by_intent[e.intent_id].append(e)
    diffs: list[dict[str, Any]] = []
    ours = {r.id: r for r in rows}
    for pid in sorted(set(ours) | set(by_intent)):
        row = ours.get(pid)
        mine = ours_net(row) if row is not None else 0
        theirs = theirs_net(by_intent.get(pid, []))
        if mine == theirs:
            continue
        if row is None or mine == 0:
            kind = "missing_here"
        elif pid not in by_intent:
            kind = "missing_at_provider"
        else:
            kind = "amount_mismatch"
        diffs.append({"payment_id": pid, "kind": kind, "ours": mine, "theirs": theirs,
                      "order_id": row.order_id if row is not None else None,
                      "status": row.status if row is not None else None})
    return diffs


async def reconcile(node: Node, since_ms: int, until_ms: int,
                    actor: str | None) -> dict[str, Any]:
    engine = engine_of(node)
    result: dict[str, Any] = {"since_ms": since_ms, "until_ms": until_ms, "providers": []}
    for name, provider in engine.providers.items():
        with node.engine.connect() as conn:
            rows = list(conn.execute(sa.select(payments)
                                     .where(payments.c.store_id == node.settings.store_id)
                                     .where(payments.c.provider == name)
                                     .where(payments.c.created_at_ms >= since_ms)
                                     .where(payments.c.created_at_ms < until_ms)))
        try:
            entries = await provider.statement(since_ms, until_ms)
        except ProviderError as exc:
            result["providers"].append({"provider": name, "error": exc.message,
                                        "differences": []})
            continue
        # Statement lines for intents we created before the window are not ours to judge here.
        known_before = {r.id for r in rows}
        entries = [e for e in entries if e.intent_id in known_before
                   or since_ms <= e.at_ms < until_ms]
        result["providers"].append({"provider": name, "payments": len(rows),
                                    "statement_entries": len(entries),
                                    "differences": compare(rows, entries)})
    result["differences"] = sum(len(p["differences"]) for p in result["providers"])

    def record(tx: Tx) -> None:
        tx.append("payments:reconciliation", "ReconciliationRecorded", result, actor)

    await node.writer.submit(record)
    return result
