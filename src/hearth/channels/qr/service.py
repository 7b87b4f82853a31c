"""QR table ordering: diners at one table share one order, priced by the server.

Diners add lines that stay *pending* (visible to everyone at the table) until one of them sends
the order to the kitchen. Everything goes through the ordering service, so the POS, the KDS and
the journal see a QR order exactly like one a waiter typed.

A phone may change the order only inside the table's session (``hearth.ordering.sessions``),
which it learns when it loads the table and sends back with every change; the store's caps
apply, and a send staff did not expect waits for their confirmation on the POS.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.channels.qr import domain as rules
from hearth.channels.qr.domain import DinerLimits, make_table_token, read_table_token
from hearth.channels.qr.errors import QrError
from hearth.core.calendar import minute_of_day
from hearth.core.security import TokenSigner
from hearth.core.writer import Tx
from hearth.menu import service as menu
from hearth.menu.domain import is_available_at, is_sold_out
from hearth.ordering import service as ordering
from hearth.ordering import sessions
from hearth.ordering.domain import ACTIVE, Channel, LineState, Order
from hearth.ordering.domain import submit as decide_submit
from hearth.ordering.service import Context, LineInput
from hearth.ordering.tables import dining_tables, orders
from hearth.store import service as store

QR_INVALID = QrError.QR_INVALID.problem(
    "Scan the code on your table again, or ask a waiter for help."
)
QR_EXPIRED = QrError.QR_EXPIRED.problem(
    "The table's code was replaced. Scan the new code on the table, or ask a waiter."
)


def table_for_token(conn: Connection, signer: TokenSigner, store_id: str, token: str) -> Any:
    parsed = read_table_token(signer, token)
    if parsed is None:
        raise QR_INVALID
    row = conn.execute(
        sa.select(dining_tables)
        .where(dining_tables.c.id == parsed.table_id)
        .where(dining_tables.c.store_id == store_id)
    ).first()
    if row is None or not row.active:
        raise QR_INVALID
    if row.token_version != parsed.version:
        raise QR_EXPIRED
    return row


def token_for_table(
    conn: Connection, signer: TokenSigner, store_id: str, table_id: str
) -> dict[str, Any]:
    row = conn.execute(
        sa.select(dining_tables)
        .where(dining_tables.c.id == table_id)
        .where(dining_tables.c.store_id == store_id)
    ).first()
    if row is None:
        raise QrError.TABLE_NOT_FOUND.problem(f"No table {table_id!r}.")
    token = make_table_token(signer, row.id, row.token_version)
    # ``path`` is the diner page (web/diner.py); the admin page prints it as the QR code's URL.
    return {"table_id": row.id, "code": row.code, "token": token, "path": f"/t/{token}"}


def menu_on_sale(conn: Connection, now: int, timezone: str) -> dict[str, Any]:
    """What a guest can order right now (QR phones and the kiosk): sold-out and out-of-hours
    items are left out, not greyed, and only the fields a guest's screen needs are sent."""
    full = menu.catalogue(conn)
    minute = minute_of_day(now, timezone)
    loaded = menu.load_items(conn, [i["id"] for i in full["items"]])
    on_sale = [
        i
        for i in full["items"]
        if i["active"]
        and i["id"] in loaded
        and not is_sold_out(loaded[i["id"]], now)
        and is_available_at(loaded[i["id"]], minute)
    ]
    keep = {
        "id",
        "category_id",
        "kind",
        "name_zh",
        "name_en",
        "price",
        "specs",
        "modifier_group_ids",
        "combo_slots",
        "image_url",
    }
    used = {c["id"] for c in full["categories"]} & {i["category_id"] for i in on_sale}
    return {
        "categories": [c for c in full["categories"] if c["id"] in used],
        "modifier_groups": full["modifier_groups"],
        "items": [{k: v for k, v in i.items() if k in keep} for i in on_sale],
    }


def current_order_id(conn: Connection, table_id: str) -> str | None:
    """The table's shared order: the oldest one still being served (splits come after it)."""
    return conn.execute(
        sa.select(orders.c.id)
        .where(orders.c.table_id == table_id)
        .where(orders.c.status.in_([s.value for s in ACTIVE]))
        .order_by(orders.c.opened_at_ms)
        .limit(1)
    ).scalar()


def limits_of(conn: Connection, store_id: str) -> DinerLimits:
    """The store's limits on diners' phones, from its settings."""
    s, _ = store.current(conn, store_id)
    return DinerLimits(
        max_per_line=s.qr_max_per_line,
        max_per_order=s.qr_max_per_order,
        changes_per_minute=s.qr_changes_per_minute,
        confirm_above=s.qr_confirm_above,
        self_seating=s.qr_self_seating,
    )


def session_json(table: Any, limits: DinerLimits) -> dict[str, Any]:
    """What a phone learns of the table's session when it loads the table."""
    return {
        "id": table.session_id,
        "waiting_confirmation": table.held_reason,
        "may_self_seat": table.session_id is None and rules.may_self_seat(limits, table.status),
    }


def _in_session(tx: Tx, table_id: str, session: str | None) -> Any:
    """The table as this transaction sees it, if ``session`` is its current one."""
    row = sessions.table_row(tx.conn, tx.store_id, table_id)
    rules.check_session(row.session_id, session)
    return row


def seat(tx: Tx, ctx: Context, table_id: str, limits: DinerLimits) -> dict[str, Any]:
    """A diner's scan of the table: the running session, or, where the store allows it and the
    table is free, a new self-seated one (its first send waits for staff)."""
    row = sessions.table_row(tx.conn, tx.store_id, table_id)
    if row.session_id is None:
        if not rules.may_self_seat(limits, row.status):
            raise rules.TABLE_CLOSED
        sessions.seat(tx, ctx, table_id, self_seated=True)
    return session_json(sessions.table_row(tx.conn, tx.store_id, table_id), limits)


def add_lines(
    tx: Tx,
    ctx: Context,
    table_id: str,
    session: str | None,
    lines: list[LineInput],
    guests: int,
    limits: DinerLimits,
) -> Order:
    """Add diners' choices to the table's order (opening it if nobody has yet)."""
    _in_session(tx, table_id, session)
    existing = current_order_id(tx.conn, table_id)
    on_order = 0
    if existing is not None:
        order = ordering.get_order(tx.conn, tx.store_id, existing)
        on_order = sum(ln.quantity for ln in order.live_lines)
    rules.check_quantities([ln.quantity for ln in lines], on_order, limits)
    if existing is None:
        return ordering.place_order(
            tx, ctx, channel=Channel.DINE_IN, table_id=table_id, lines=lines, guests=guests
        )
    return ordering.add_lines(tx, ctx, existing, lines)


def require_order(conn: Connection, table_id: str) -> str:
    order_id = current_order_id(conn, table_id)
    if order_id is None:
        raise QrError.NO_ORDER_AT_TABLE.problem("Add something to the order first.")
    return order_id


def remove_line(tx: Tx, ctx: Context, table_id: str, session: str | None, line_id: str) -> Order:
    _in_session(tx, table_id, session)
    order_id = require_order(tx.conn, table_id)
    return ordering.remove_line(tx, ctx, order_id, line_id)


def submit(
    tx: Tx, ctx: Context, table_id: str, session: str | None, limits: DinerLimits
) -> tuple[Order, str | None]:
    """Send the table's new items to the kitchen, or hold them for staff (and say why)."""
    row = _in_session(tx, table_id, session)
    order = ordering.get_order(tx.conn, tx.store_id, require_order(tx.conn, table_id))
    decide_submit(order)  # refuses "nothing to send" the same whether held or not
    reason = rules.hold_reason(
        limits,
        self_seated=row.session_self_seated,
        total=order.totals().total,
        approved_total=row.session_approved_total,
    )
    if reason is not None:
        sessions.hold_send(tx, ctx, table_id, order.id, reason, order.totals().total)
        return order, reason
    return ordering.submit_order(tx, ctx, order.id), None


def confirm_send(tx: Tx, ctx: Context, table_id: str) -> Order:
    """Staff let a table's held send through to the kitchen (on the POS)."""
    row = sessions.table_row(tx.conn, tx.store_id, table_id)
    if not row.held_order_id:
        raise QrError.NOTHING_HELD.problem(
            f"Table {row.code} has no order waiting for a confirmation."
        )
    order = ordering.get_order(tx.conn, tx.store_id, row.held_order_id)
    sessions.confirm_send(tx, ctx, table_id, order.totals().total)
    if order.status in ACTIVE and any(
        ln.state is LineState.PENDING and not ln.held for ln in order.lines
    ):
        return ordering.submit_order(tx, ctx, order.id)
    return ordering.get_order(tx.conn, tx.store_id, order.id)


def request_bill(tx: Tx, ctx: Context, table_id: str, session: str | None) -> Order:
    _in_session(tx, table_id, session)
    return ordering.request_bill(tx, ctx, require_order(tx.conn, table_id))


def call_waiter(tx: Tx, ctx: Context, table_id: str, code: str, reason: str) -> None:
    """Open to a phone without a session (a guest waiting to be seated may call); the table's
    rate limit keeps it from being a way to flood the floor."""
    tx.append(
        f"table:{table_id}",
        "WaiterCalled",
        {"table_id": table_id, "code": code, "reason": reason},
        ctx.actor,
    )
