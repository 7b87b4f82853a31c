"""Reconciliation: our payments against each provider's own statement, every difference listed.

Compared per intent: what we believe the provider kept (captured minus refunds; nothing for a
failed or reversed intent) against what its statement shows (charges minus refunds and
reversals). A payment still queued offline is expected to be missing at the provider.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.payments.providers.base import ProviderError, StatementEntry
from hearth.payments.runtime import payments_of
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
        diffs.append(
            {
                "payment_id": pid,
                "kind": kind,
                "ours": mine,
                "theirs": theirs,
                "order_id": row.order_id if row is not None else None,
                "status": row.status if row is not None else None,
            }
        )
    return diffs


async def reconcile(
    node: Node, since_ms: int, until_ms: int, actor: str | None, only: str | None = None
) -> dict[str, Any]:
    """Every provider's statement for the window against our payments (``only``: one
    provider). The result is journaled (``ReconciliationRecorded``) and returned."""
    runtime = payments_of(node)
    result: dict[str, Any] = {"since_ms": since_ms, "until_ms": until_ms, "providers": []}
    for name, provider in runtime.providers.items():
        if only is not None and name != only:
            continue
        with node.engine.connect() as conn:
            rows = list(
                conn.execute(
                    sa.select(payments)
                    .where(payments.c.store_id == node.settings.store_id)
                    .where(payments.c.provider == name)
                    .where(payments.c.created_at_ms >= since_ms)
                    .where(payments.c.created_at_ms < until_ms)
                )
            )
        try:
            entries = await provider.statement(since_ms, until_ms)
        except ProviderError as exc:
            result["providers"].append({"provider": name, "error": exc.message, "differences": []})
            continue
        # Statement lines for intents we created before the window are not ours to judge here.
        known_before = {r.id for r in rows}
        entries = [
            e for e in entries if e.intent_id in known_before or since_ms <= e.at_ms < until_ms
        ]
        result["providers"].append(
            {
                "provider": name,
                "payments": len(rows),
                "statement_entries": len(entries),
                "differences": compare(rows, entries),
            }
        )
    result["differences"] = sum(len(p["differences"]) for p in result["providers"])

    def record(tx: Tx) -> None:
        tx.append("payments:reconciliation", "ReconciliationRecorded", result, actor)

    await node.writer.submit(record)
    return result


# -- the manager's command: ``hearth reconcile`` -----------------------------------------------
KIND_WORDS = {
    "missing_here": "at the provider, not in our books",
    "missing_at_provider": "in our books, not at the provider",
    "amount_mismatch": "amounts differ",
}


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100}.{abs(fen) % 100:02d}"


def run_command(node: Node, provider: str | None, hours: float, console: Any) -> int:
    """What ``hearth reconcile`` does: the same reconciliation as ``POST
    /api/payments/reconcile`` over the last ``hours``, every difference in a table. Returns
    the exit code: 0 when every statement matches, 1 when anything differs (or a statement
    could not be read), 2 for a provider this store does not have."""
    import asyncio

    from rich.table import Table

    try:
        runtime = payments_of(node)
        if provider is not None and provider not in runtime.providers:
            known = ", ".join(sorted(runtime.providers)) or "none (no provider is configured)"
            console.print(
                f"[bold red]Error:[/] no provider {provider!r} here.\n"
                f"[yellow]Fix:[/] use one of: {known}."
            )
            return 2
        until = node.now_ms()
        since = until - int(hours * 3_600_000)

        async def run() -> dict[str, Any]:
            await node.writer.start()
            try:
                return await reconcile(node, since, until, None, only=provider)
            finally:
                await node.writer.stop()

        result = asyncio.run(run())
    finally:
        node.close()

    window = (
        f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(since / 1000))} to "
        f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(until / 1000))}"
    )
    table = Table(title=f"Reconciliation, {window}")
    for column, justify in (
        ("provider", "left"),
        ("payment", "left"),
        ("order", "left"),
        ("difference", "left"),
        ("ours", "right"),
        ("theirs", "right"),
        ("our status", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    unread = 0
    for p in result["providers"]:
        if p.get("error"):
            unread += 1
            table.add_row(
                p["provider"], "-", "-", f"[red]statement not read: {p['error']}[/]", "", "", ""
            )
            continue
        for diff in p["differences"]:
            table.add_row(
                p["provider"],
                diff["payment_id"],
                diff["order_id"] or "-",
                KIND_WORDS.get(diff["kind"], diff["kind"]),
                _yuan(diff["ours"]),
                _yuan(diff["theirs"]),
                diff["status"] or "-",
            )
    checked = ", ".join(
        f"{p['provider']} ({p.get('payments', 0)} payments, "
        f"{p.get('statement_entries', 0)} statement lines)"
        for p in result["providers"]
        if not p.get("error")
    )
    if result["differences"] or unread:
        console.print(table)
        console.print(
            f"[bold red]{result['differences']} difference(s)[/]"
            + (f", {unread} statement(s) not read" if unread else "")
            + f". Checked: {checked or 'nothing'}."
        )
        return 1
    console.print(
        f"[green]No differences:[/] every payment matches the statements. "
        f"Checked: {checked or 'nothing'}."
    )
    return 0
