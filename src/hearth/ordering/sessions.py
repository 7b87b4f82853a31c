"""Table sessions: the time one party sits at a table, from seating to clearing.

A table's QR code is printed on the table and lasts for months, so the code alone cannot say
who may order: anyone who ever photographed it could. The session can. Staff start it (opening
an order on the table, or seating it for phone ordering), or, where the store allows it, a
diner's first scan of a free table does; paying the table's last bill, moving its party to
another table or clearing it ends it. Diners' phones carry the session's id and are refused
outside it (``hearth.channels.qr``).

The session lives on the table's row (``dining_tables.session_*``), written only by the ordering
projector from these events on the table's stream: ``TableSeated``, ``TableSessionEnded``, and,
for a diner's send that waits for staff, ``DinerSendHeld`` and ``DinerSendConfirmed``.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.engine import Connection

from hearth.core.db import select_rows
from hearth.core.ids import new_id
from hearth.core.writer import Tx
from hearth.ordering.errors import OrderingError
from hearth.ordering.tables import dining_tables


class Acting(Protocol):
    """What these use cases need of the ordering ``Context`` (structural: service imports us)."""

    @property
    def actor(self) -> str | None: ...


def table_row(conn: Connection, store_id: str, table_id: str) -> Any:
    row = select_rows(conn, dining_tables, {"id": table_id, "store_id": store_id}).first()
    if row is None or not row.active:
        raise OrderingError.TABLE_NOT_FOUND.problem(
            f"There is no table {table_id!r} in this store.", field="table_id"
        )
    return row


def seat(tx: Tx, ctx: Acting, table_id: str, *, self_seated: bool = False) -> str:
    """Start the table's session, or return the one already running (seating twice is one
    party, not two)."""
    row = table_row(tx.conn, tx.store_id, table_id)
    if row.session_id:
        return str(row.session_id)
    session_id = new_id()
    tx.append(
        f"table:{table_id}",
        "TableSeated",
        {"id": table_id, "session_id": session_id, "self_seated": self_seated},
        ctx.actor,
    )
    return session_id


def end(tx: Tx, ctx: Acting, table_id: str, reason: str) -> None:
    """End the table's session; phones still holding it are told the table is closed."""
    row = table_row(tx.conn, tx.store_id, table_id)
    if row.session_id:
        tx.append(
            f"table:{table_id}",
            "TableSessionEnded",
            {"id": table_id, "session_id": row.session_id, "reason": reason},
            ctx.actor,
        )


def end_if_done(
    tx: Tx, ctx: Acting, table_id: str | None, reason: str, *, moved: bool = False
) -> None:
    """End the session once the table's bills are settled (it waits to be cleaned), or, when
    its party ``moved`` to another table, once nothing is left on it."""
    if table_id is None:
        return
    row = table_row(tx.conn, tx.store_id, table_id)
    if row.session_id and (row.status == "to_clean" or (moved and row.status == "seated")):
        end(tx, ctx, table_id, reason)


def hold_send(tx: Tx, ctx: Acting, table_id: str, order_id: str, reason: str, total: int) -> None:
    """A diner's send waits for staff: the kitchen gets nothing until it is confirmed."""
    row = table_row(tx.conn, tx.store_id, table_id)
    if row.held_order_id == order_id and row.held_reason == reason:
        return
    tx.append(
        f"table:{table_id}",
        "DinerSendHeld",
        {
            "id": table_id,
            "session_id": row.session_id,
            "order_id": order_id,
            "reason": reason,
            "total": total,
        },
        ctx.actor,
    )


def confirm_send(tx: Tx, ctx: Acting, table_id: str, total: int) -> str:
    """Staff let the held send through; later sends up to ``total`` need no confirmation.
    Returns the held order's id (the caller sends it to the kitchen)."""
    row = table_row(tx.conn, tx.store_id, table_id)
    if not row.held_order_id:
        raise OrderingError.NOTHING_HELD.problem(
            f"Table {row.code} has no order waiting for a confirmation."
        )
    tx.append(
        f"table:{table_id}",
        "DinerSendConfirmed",
        {
            "id": table_id,
            "session_id": row.session_id,
            "order_id": row.held_order_id,
            "reason": row.held_reason,
            "total": total,
        },
        ctx.actor,
    )
    return str(row.held_order_id)
