"""Ordering use cases: one function per thing staff or diners do, each one transaction.

Each use case loads the order from its projection, asks the domain to decide, and appends the
resulting events; the projector folds them back in. Prices come from the menu service, never
from the request.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.calendar import business_date, minute_of_day
from hearth.core.db import select_rows
from hearth.core.errors import not_found
from hearth.core.ids import new_id
from hearth.core.writer import Tx
from hearth.menu import service as menu
from hearth.menu.domain import LineRequest, price_line
from hearth.ordering import domain as d
from hearth.ordering import sessions
from hearth.ordering.domain import Channel, Discount, DiscountKind, Order, OrderEvent, OrderStatus
from hearth.ordering.errors import OrderingError
from hearth.ordering.projections import catalogue_version, last_order_number, load_order
from hearth.ordering.tables import areas, dining_tables, order_lines, orders


@dataclass(frozen=True)
class LineInput:
    item_id: str
    quantity: int = 1
    spec_id: str | None = None
    modifier_option_ids: tuple[str, ...] = ()
    combo_choices: dict[str, str] = field(default_factory=dict)
    seat: int | None = None
    course: int = 1
    held: bool = False
    note: str = ""


@dataclass(frozen=True)
class Context:
    """Who is acting, and when, as the API layer established it."""

    actor: str | None
    now_ms: int
    timezone: str = "Asia/Shanghai"


def _stream(order_id: str) -> str:
    return f"order:{order_id}"


def _emit(tx: Tx, order_id: str, ev: OrderEvent, ctx: Context) -> None:
    tx.append(_stream(order_id), ev.type, ev.payload, ctx.actor)


def _load(tx: Tx, order_id: str) -> Order:
    order = load_order(tx.conn, order_id, tx.store_id)
    if order is None:
        raise not_found(OrderingError.ORDER_NOT_FOUND, order_id)
    return order


def _price(tx: Tx, lines: list[LineInput], ctx: Context) -> list[d.NewLine]:
    if not lines:
        raise OrderingError.LINES_EMPTY.problem("Add at least one item.", field="lines")
    if len(lines) > 200:
        raise OrderingError.LINES_TOO_MANY.problem("At most 200 lines at once.", field="lines")
    catalogue = menu.load_items(tx.conn, (ln.item_id for ln in lines))
    minute, result = minute_of_day(ctx.now_ms, ctx.timezone), []
    for i, ln in enumerate(lines):
        item = catalogue.get(ln.item_id)
        if item is None:
            raise OrderingError.ITEM_UNKNOWN.problem(
                f"There is no item {ln.item_id!r} on this store's menu.",
                field=f"lines[{i}].item_id",
            )
        if not 1 <= ln.quantity <= d.MAX_QUANTITY:
            raise OrderingError.QUANTITY_INVALID.problem(
                f"Quantity {ln.quantity} is not allowed.", field=f"lines[{i}].quantity"
            )
        priced = price_line(
            item,
            LineRequest(
                ln.item_id, ln.quantity, ln.spec_id, ln.modifier_option_ids, ln.combo_choices
            ),
            minute_of_day=minute,
            now_ms=ctx.now_ms,
            field_prefix=f"lines[{i}]",
        )
        result.append(
            d.NewLine(new_id(), priced, ln.quantity, ln.seat, ln.course, ln.held, ln.note)
        )
    return result


def _next_number(tx: Tx, day: str) -> int:
    return last_order_number(tx.conn, tx.store_id, day) + 1


def _require_table(conn: Connection, store_id: str, table_id: str) -> Any:
    row = select_rows(conn, dining_tables, {"id": table_id, "store_id": store_id}).first()
    if row is None or not row.active:
        raise OrderingError.TABLE_UNKNOWN.problem(
            f"There is no table {table_id!r} in this store.", field="table_id"
        )
    return row


def _send(tx: Tx, order: Order, ev: OrderEvent, ctx: Context) -> None:
    """Send lines to the kitchen, counting down limited items first."""
    sent = set(ev.payload["line_ids"])
    qty: Counter[str] = Counter()
    for ln in order.lines:
        if ln.id in sent:
            qty[ln.item_id] += ln.quantity
            for c in ln.combo_items:
                qty[c["item_id"]] += ln.quantity
    menu.take_stock(tx, dict(qty), _stream(order.id), ctx.actor)
    _emit(tx, order.id, ev, ctx)


# -- use cases ----------------------------------------------------------------------------------
def place_order(
    tx: Tx,
    ctx: Context,
    *,
    channel: Channel,
    table_id: str | None,
    lines: list[LineInput],
    guests: int = 0,
    note: str = "",
    service_charge_bp: int = 0,
    submit: bool = False,
) -> Order:
    """Open an order with its first lines, and optionally send it straight to the kitchen.
    Opening an order on a table seats it (starts its session) if nobody has yet."""
    if table_id is not None:
        _require_table(tx.conn, tx.store_id, table_id)
        sessions.seat(tx, ctx, table_id)
    if len(note) > d.MAX_NOTE:
        raise OrderingError.NOTE_TOO_LONG.problem(f"At most {d.MAX_NOTE} characters.", field="note")
    priced = _price(tx, lines, ctx)
    day = business_date(ctx.now_ms, ctx.timezone)
    order_id = new_id()
    opened = d.open_order(
        order_id=order_id,
        number=_next_number(tx, day),
        business_date=day,
        channel=channel,
        table_id=table_id,
        guests=guests,
        opened_at_ms=ctx.now_ms,
        service_charge_bp=service_charge_bp,
        note=note,
    )
    # The order records the chain catalogue version it was sold from (see hearth.sync).
    opened = OrderEvent(
        opened.type,
        {**opened.payload, "catalogue_version": catalogue_version(tx.conn, tx.store_id)},
    )
    order = d.evolve(None, opened)
    added = d.add_lines(order, priced)
    _emit(tx, order_id, opened, ctx)
    _emit(tx, order_id, added, ctx)
    if submit:
        order = d.evolve(order, added)
        _send(tx, order, d.submit(order), ctx)
    return _load(tx, order_id)


def add_lines(
    tx: Tx, ctx: Context, order_id: str, lines: list[LineInput], submit: bool = False
) -> Order:
    order = _load(tx, order_id)
    added = d.add_lines(order, _price(tx, lines, ctx))
    _emit(tx, order_id, added, ctx)
    if submit:
        order = d.evolve(order, added)
        _send(tx, order, d.submit(order), ctx)
    return _load(tx, order_id)


def submit_order(tx: Tx, ctx: Context, order_id: str) -> Order:
    order = _load(tx, order_id)
    _send(tx, order, d.submit(order), ctx)
    return _load(tx, order_id)


def fire_course(tx: Tx, ctx: Context, order_id: str, course: int) -> Order:
    order = _load(tx, order_id)
    _send(tx, order, d.fire_course(order, course), ctx)
    return _load(tx, order_id)


def remove_line(tx: Tx, ctx: Context, order_id: str, line_id: str) -> Order:
    _emit(tx, order_id, d.remove_line(_load(tx, order_id), line_id), ctx)
    return _load(tx, order_id)


def void_line(
    tx: Tx, ctx: Context, order_id: str, line_id: str, reason: str, approved_by: str | None
) -> Order:
    _emit(tx, order_id, d.void_line(_load(tx, order_id), line_id, reason, approved_by), ctx)
    return _load(tx, order_id)


def advance(tx: Tx, ctx: Context, order_id: str, to: OrderStatus) -> Order:
    """Move an order along the kitchen and service steps (preparing, ready, served, closed)."""
    if to not in (OrderStatus.PREPARING, OrderStatus.READY, OrderStatus.SERVED, OrderStatus.CLOSED):
        raise OrderingError.STATUS_NOT_SETTABLE.problem(
            f"{to.value} is reached through its own action (pay, void, cancel).", field="status"
        )
    order = _load(tx, order_id)
    _emit(tx, order_id, d.transition(order, to), ctx)
    if to is OrderStatus.CLOSED:
        sessions.end_if_done(tx, ctx, order.table_id, "closed")
    return _load(tx, order_id)


def mark_paid(tx: Tx, ctx: Context, order_id: str) -> Order:
    """Called by payments once the bill is settled in full; the table's last bill paid ends
    its session."""
    order = _load(tx, order_id)
    _emit(tx, order_id, d.transition(order, OrderStatus.PAID), ctx)
    sessions.end_if_done(tx, ctx, order.table_id, "paid")
    return _load(tx, order_id)


def void_order(tx: Tx, ctx: Context, order_id: str, reason: str, approved_by: str | None) -> Order:
    _emit(tx, order_id, d.void_order(_load(tx, order_id), reason, approved_by), ctx)
    return _load(tx, order_id)


def cancel_order(tx: Tx, ctx: Context, order_id: str, reason: str) -> Order:
    _emit(tx, order_id, d.cancel_order(_load(tx, order_id), reason), ctx)
    return _load(tx, order_id)


def reopen_order(
    tx: Tx, ctx: Context, order_id: str, reason: str, approved_by: str | None
) -> Order:
    _emit(tx, order_id, d.reopen(_load(tx, order_id), reason, approved_by), ctx)
    return _load(tx, order_id)


def request_bill(tx: Tx, ctx: Context, order_id: str) -> Order:
    _emit(tx, order_id, d.request_bill(_load(tx, order_id)), ctx)
    return _load(tx, order_id)


def apply_discount(
    tx: Tx,
    ctx: Context,
    order_id: str,
    *,
    line_id: str | None,
    kind: DiscountKind,
    value: int,
    reason: str,
    approved_by: str | None,
    limit_bp: int,
) -> Order:
    order = _load(tx, order_id)
    ev = d.apply_discount(order, line_id, Discount(kind, value, reason, approved_by), limit_bp)
    _emit(tx, order_id, ev, ctx)
    return _load(tx, order_id)


def set_service_charge(tx: Tx, ctx: Context, order_id: str, bp: int) -> Order:
    _emit(tx, order_id, d.set_service_charge(_load(tx, order_id), bp), ctx)
    return _load(tx, order_id)


def transfer_table(tx: Tx, ctx: Context, order_id: str, to_table_id: str) -> Order:
    _require_table(tx.conn, tx.store_id, to_table_id)
    order = _load(tx, order_id)
    sessions.seat(tx, ctx, to_table_id)
    _emit(tx, order_id, d.transfer_table(order, to_table_id), ctx)
    sessions.end_if_done(tx, ctx, order.table_id, "moved", moved=True)
    return _load(tx, order_id)


def merge_orders(tx: Tx, ctx: Context, source_id: str, target_id: str) -> Order:
    source, target = _load(tx, source_id), _load(tx, target_id)
    out, into = d.merge(source, target)
    _emit(tx, source_id, out, ctx)
    _emit(tx, target_id, into, ctx)
    if source.table_id != target.table_id:
        sessions.end_if_done(tx, ctx, source.table_id, "merged", moved=True)
    return _load(tx, target_id)


def split_by_lines(tx: Tx, ctx: Context, order_id: str, line_ids: list[str]) -> Order:
    """Move the chosen lines to a new bill at the same table; returns the new bill."""
    source = _load(tx, order_id)
    new_id_ = new_id()
    out, into = d.split_lines(source, line_ids, new_id_)
    return _split_into(tx, ctx, source, new_id_, out, into)


def split_by_seat(tx: Tx, ctx: Context, order_id: str) -> list[Order]:
    """One bill per seat: every seat but the first gets its own order."""
    source = _load(tx, order_id)
    result = []
    for line_ids in d.seats_to_split(source).values():
        new_id_ = new_id()
        out, into = d.split_lines(source, line_ids, new_id_)
        result.append(_split_into(tx, ctx, source, new_id_, out, into))
        source = _load(tx, order_id)
    return result


def _split_into(
    tx: Tx, ctx: Context, source: Order, new_order_id: str, out: OrderEvent, into: OrderEvent
) -> Order:
    day = business_date(ctx.now_ms, ctx.timezone)
    opened = d.open_order(
        order_id=new_order_id,
        number=_next_number(tx, day),
        business_date=day,
        channel=source.channel,
        table_id=source.table_id,
        guests=0,
        opened_at_ms=ctx.now_ms,
        service_charge_bp=source.service_charge_bp,
        split_from=source.id,
    )
    _emit(tx, source.id, out, ctx)
    _emit(tx, new_order_id, opened, ctx)
    _emit(tx, new_order_id, into, ctx)
    if source.status is not OrderStatus.OPEN:
        # The new bill is at the same stage of service as the one it came from.
        new = _load(tx, new_order_id)
        _emit(
            tx,
            new_order_id,
            OrderEvent("OrderStatusChanged", {"from": new.status.value, "to": source.status.value}),
            ctx,
        )
    return _load(tx, new_order_id)


# -- floor --------------------------------------------------------------------------------------
def create_area(tx: Tx, ctx: Context, name_zh: str, name_en: str, sort: int = 0) -> str:
    area_id = new_id()
    tx.append(
        f"area:{area_id}",
        "AreaCreated",
        {"id": area_id, "name_zh": name_zh, "name_en": name_en, "sort": sort},
        ctx.actor,
    )
    return area_id


def create_table(tx: Tx, ctx: Context, area_id: str, code: str, seats: int) -> str:
    if (
        tx.conn.execute(
            sa.select(areas.c.id)
            .where(areas.c.id == area_id)
            .where(areas.c.store_id == tx.store_id)
        ).first()
        is None
    ):
        raise OrderingError.AREA_UNKNOWN.problem(f"No area {area_id!r}.", field="area_id")
    if not 1 <= seats <= 50:
        raise OrderingError.SEATS_INVALID.problem(f"{seats} seats.", field="seats")
    if tx.conn.execute(
        sa.select(dining_tables.c.id)
        .where(dining_tables.c.code == code)
        .where(dining_tables.c.store_id == tx.store_id)
    ).first():
        raise OrderingError.TABLE_CODE_TAKEN.problem(
            f"There is already a table {code}.", field="code"
        )
    table_id = new_id()
    tx.append(
        f"table:{table_id}",
        "TableCreated",
        {"id": table_id, "area_id": area_id, "code": code, "seats": seats},
        ctx.actor,
    )
    return table_id


def update_table(tx: Tx, ctx: Context, table_id: str, code: str | None, seats: int | None) -> None:
    """Rename a table or change its seats; its QR code keeps working (it names the table's id)."""
    row = _require_table(tx.conn, tx.store_id, table_id)
    changes: dict[str, Any] = {}
    if seats is not None and seats != row.seats:
        if not 1 <= seats <= 50:
            raise OrderingError.SEATS_INVALID.problem(f"{seats} seats.", field="seats")
        changes["seats"] = seats
    if code is not None and code != row.code:
        if tx.conn.execute(
            sa.select(dining_tables.c.id)
            .where(dining_tables.c.code == code)
            .where(dining_tables.c.store_id == tx.store_id)
        ).first():
            raise OrderingError.TABLE_CODE_TAKEN.problem(
                f"There is already a table {code}.", field="code"
            )
        changes["code"] = code
    if changes:
        tx.append(f"table:{table_id}", "TableUpdated", {"id": table_id, **changes}, ctx.actor)


def clean_table(tx: Tx, ctx: Context, table_id: str) -> None:
    """Clear the table for the next party: its session ends (a seated party that ordered
    nothing may be cleared too)."""
    row = _require_table(tx.conn, tx.store_id, table_id)
    if row.status not in ("to_clean", "seated"):
        raise OrderingError.TABLE_NOT_TO_CLEAN.problem(f"Table {row.code} is {row.status}.")
    sessions.end(tx, ctx, table_id, "cleared")
    tx.append(f"table:{table_id}", "TableCleaned", {"id": table_id}, ctx.actor)


def rotate_table_token(tx: Tx, ctx: Context, table_id: str) -> int:
    row = _require_table(tx.conn, tx.store_id, table_id)
    version = row.token_version + 1
    tx.append(
        f"table:{table_id}",
        "TableTokenRotated",
        {"id": table_id, "token_version": version},
        ctx.actor,
    )
    return int(version)


# -- reads --------------------------------------------------------------------------------------
def order_json(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "business_date": order.business_date,
        "channel": order.channel.value,
        "status": order.status.value,
        "table_id": order.table_id,
        "guests": order.guests,
        "note": order.note,
        "currency": order.currency,
        "opened_at_ms": order.opened_at_ms,
        "service_charge_bp": order.service_charge_bp,
        "discount": order.discount.to_json() if order.discount else None,
        "merged_into": order.merged_into,
        "split_from": order.split_from,
        "void_reason": order.void_reason,
        "bill_requested": order.bill_requested,
        "lines": [
            ln.to_json() | {"line_total": ln.gross - ln.discount_amount} for ln in order.lines
        ],
        "totals": order.totals().to_json(),
    }


def get_order(conn: Connection, store_id: str, order_id: str) -> Order:
    order = load_order(conn, order_id, store_id)
    if order is None:
        raise not_found(OrderingError.ORDER_NOT_FOUND, order_id)
    return order


def list_orders(
    conn: Connection,
    store_id: str,
    *,
    status: str | None = None,
    table_id: str | None = None,
    business_date: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    q = sa.select(orders).where(orders.c.store_id == store_id)
    if status:
        q = q.where(orders.c.status == status)
    if table_id:
        q = q.where(orders.c.table_id == table_id)
    if business_date:
        q = q.where(orders.c.business_date == business_date)
    q = q.order_by(orders.c.opened_at_ms.desc()).limit(limit)
    return [dict(r._mapping) for r in conn.execute(q)]


def floor(conn: Connection, store_id: str) -> list[dict[str, Any]]:
    """Areas with their tables and each table's status, for the floor plan."""
    result = []
    for a in conn.execute(
        sa.select(areas).where(areas.c.store_id == store_id).order_by(areas.c.sort)
    ):
        tables = [
            dict(t._mapping)
            for t in conn.execute(
                sa.select(dining_tables)
                .where(dining_tables.c.area_id == a.id)
                .order_by(dining_tables.c.code)
            )
        ]
        result.append(dict(a._mapping) | {"tables": tables})
    return result


def count_lines(conn: Connection, order_id: str) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(order_lines)
            .where(order_lines.c.order_id == order_id)
        ).scalar()
        or 0
    )
