"""The cash drawer's shift: opened with a float, pay-ins and pay-outs, closed with a count.

Expected cash = float + cash handed over by customers - change given - cash refunds + pay-ins
- pay-outs. The difference between counted and expected is journaled with the close.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.errors import not_found
from hearth.core.ids import new_id
from hearth.core.writer import Tx
from hearth.payments.errors import PaymentsError
from hearth.payments.tables import cash_shifts


def expected_cash(row: Any) -> int:
    return (
        row.float_amount
        + row.cash_sales
        - row.change_given
        - row.cash_refunds
        + row.pay_ins
        - row.pay_outs
    )


def shift_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "opened_by": row.opened_by,
        "opened_at_ms": row.opened_at_ms,
        "float": row.float_amount,
        "cash_sales": row.cash_sales,
        "change_given": row.change_given,
        "cash_refunds": row.cash_refunds,
        "pay_ins": row.pay_ins,
        "pay_outs": row.pay_outs,
        "expected": row.expected if row.status == "closed" else expected_cash(row),
        "counted": row.counted,
        "difference": row.difference,
        "closed_at_ms": row.closed_at_ms,
    }


def _get(conn: Connection, store_id: str, shift_id: str) -> Any:
    row = conn.execute(
        sa.select(cash_shifts)
        .where(cash_shifts.c.id == shift_id)
        .where(cash_shifts.c.store_id == store_id)
    ).first()
    if row is None:
        raise not_found(PaymentsError.SHIFT_NOT_FOUND, shift_id)
    return row


def current(conn: Connection, store_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        sa.select(cash_shifts)
        .where(cash_shifts.c.store_id == store_id)
        .where(cash_shifts.c.status == "open")
    ).first()
    return shift_json(row) if row is not None else None


def open_shift(tx: Tx, float_amount: int, actor: str | None) -> dict[str, Any]:
    if current(tx.conn, tx.store_id) is not None:
        raise PaymentsError.SHIFT_ALREADY_OPEN.problem(
            "Close the open shift before opening a new one."
        )
    shift_id = new_id()
    tx.append(
        f"shift:{shift_id}", "ShiftOpened", {"shift_id": shift_id, "float": float_amount}, actor
    )
    return shift_json(_get(tx.conn, tx.store_id, shift_id))


def _open(tx: Tx, shift_id: str) -> Any:
    row = _get(tx.conn, tx.store_id, shift_id)
    if row.status != "open":
        raise PaymentsError.SHIFT_CLOSED.problem("Open a new shift first.")
    return row


def move_cash(
    tx: Tx, shift_id: str, kind: str, amount: int, reason: str, actor: str | None
) -> dict[str, Any]:
    """A pay-in (change brought in) or pay-out (cash taken out for a supplier, say)."""
    row = _open(tx, shift_id)
    if kind == "pay_out" and amount > expected_cash(row):
        raise PaymentsError.PAY_OUT_TOO_LARGE.problem(
            f"The drawer should hold {expected_cash(row)}.", field="amount"
        )
    tx.append(
        f"shift:{shift_id}",
        "ShiftCashMoved",
        {"shift_id": shift_id, "kind": kind, "amount": amount, "reason": reason},
        actor,
    )
    return shift_json(_get(tx.conn, tx.store_id, shift_id))


def close_shift(tx: Tx, shift_id: str, counted: int, actor: str | None) -> dict[str, Any]:
    row = _open(tx, shift_id)
    expected = expected_cash(row)
    tx.append(
        f"shift:{shift_id}",
        "ShiftClosed",
        {
            "shift_id": shift_id,
            "counted": counted,
            "expected": expected,
            "difference": counted - expected,
        },
        actor,
    )
    return shift_json(_get(tx.conn, tx.store_id, shift_id))
