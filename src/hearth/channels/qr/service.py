"""QR table ordering: diners at one table share one order, priced by the server.

Diners add lines that stay *pending* (visible to everyone at the table) until one of them sends
the order to the kitchen. Everything goes through the ordering service, so the POS, the KDS and
the journal see a QR order exactly like one a waiter typed.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.channels.qr.domain import make_table_token, read_table_token
from hearth.core.calendar import minute_of_day
from hearth.core.errors import Problem
from hearth.core.security import TokenSigner
from hearth.core.writer import Tx
from hearth.menu import service as menu
from hearth.menu.domain import is_available_at, is_sold_out
from hearth.ordering import service as ordering
from hearth.ordering.domain import ACTIVE, Channel, Order
from hearth.ordering.service import Context, LineInput
from hearth.ordering.tables import dining_tables, orders

QR_INVALID = Problem(401, "qr-invalid", "This QR code is not valid",
                     "Scan the code on your table again, or ask a waiter for help.")
QR_EXPIRED = Problem(401, "qr-expired", "This QR code has expired",
                     "The table's code was replaced. Scan the new code on the table, or ask a "
                     "waiter.")


def table_for_token(conn: Connection, signer: TokenSigner, store_id: str, token: str) -> Any:
    parsed = read_table_token(signer, token)
    if parsed is None:
        raise QR_INVALID
    row = conn.execute(sa.select(dining_tables).where(dining_tables.c.id == parsed.table_id)
                       .where(dining_tables.c.store_id == store_id)).first()
    if row is None or not row.active:
        raise QR_INVALID
    if row.token_version != parsed.version:
        raise QR_EXPIRED
    return row


def token_for_table(conn: Connection, signer: TokenSigner, store_id: str, table_id: str
                    ) -> dict[str, Any]:
    row = conn.execute(sa.select(dining_tables).where(dining_tables.c.id == table_id)
                       .where(dining_tables.c.store_id == store_id)).first()
    if row is None:
        raise Problem(404, "table-not-found", "No such table", f"No table {table_id!r}.")
    token = make_table_token(signer, row.id, row.token_version)
    # ``path`` is the diner page (web/diner.py); the admin page prints it as the QR code's URL.
    return {"table_id": row.id, "code": row.code, "token": token, "path": f"/t/{token}"}


def menu_on_sale(conn: Connection, now: int, timezone: str) -> dict[str, Any]:
    """What a guest can order right now (QR phones and the kiosk): sold-out and out-of-hours
    items are left out, not greyed, and only the fields a guest's screen needs are sent."""
    full = menu.catalogue(conn)
    minute = minute_of_day(now, timezone)
    loaded = menu.load_items(conn, [i["id"] for i in full["items"]])
    on_sale = [i for i in full["items"]
               if i["active"] and i["id"] in loaded
               and not is_sold_out(loaded[i["id"]], now)
               and is_available_at(loaded[i["id"]], minute)]
    keep = {"id", "category_id", "kind", "name_zh", "name_en", "price", "specs",
            "modifier_group_ids", "combo_slots", "image_url"}
    used = {c["id"] for c in full["categories"]} & {i["category_id"] for i in on_sale}
    return {"categories": [c for c in full["categories"] if c["id"] in used],
            "modifier_groups": full["modifier_groups"],
            "items": [{k: v for k, v in i.items() if k in keep} for i in on_sale]}


def current_order_id(conn: Connection, table_id: str) -> str | None:
    """The table's shared order: the oldest one still being served (splits come after it)."""
    return conn.execute(
        sa.select(orders.c.id).where(orders.c.table_id == table_id)
        .where(orders.c.status.in_([s.value for s in ACTIVE]))
        .order_by(orders.c.opened_at_ms).limit(1)).scalar()


def add_lines(tx: Tx, ctx: Context, table_id: str, lines: list[LineInput], guests: int) -> Order:
    """Add diners' choices to the table's order (opening it if nobody has yet)."""
    existing = current_order_id(tx.conn, table_id)
    if existing is None:
        return ordering.place_order(tx, ctx, channel=Channel.DINE_IN, table_id=table_id,
                                    lines=lines, guests=guests)
    return ordering.add_lines(tx, ctx, existing, lines)


def require_order(conn: Connection, table_id: str) -> str:
    order_id = current_order_id(conn, table_id)
    if order_id is None:
        raise Problem(409, "no-order-at-table", "Nothing ordered yet",
                      "Add something to the order first.")
    return order_id


def remove_line(tx: Tx, ctx: Context, table_id: str, line_id: str) -> Order:
    order_id = require_order(tx.conn, table_id)
    return ordering.remove_line(tx, ctx, order_id, line_id)


def submit(tx: Tx, ctx: Context, table_id: str) -> Order:
    return ordering.submit_order(tx, ctx, require_order(tx.conn, table_id))


def request_bill(tx: Tx, ctx: Context, table_id: str) -> Order:
    return ordering.request_bill(tx, ctx, require_order(tx.conn, table_id))


def call_waiter(tx: Tx, ctx: Context, table_id: str, code: str, reason: str) -> None:
    tx.append(f"table:{table_id}", "WaiterCalled",
              {"table_id": table_id, "code": code, "reason": reason}, ctx.actor)
