"""Ordering projectors: fold each order event into the orders, lines and tables projections."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.db import conn_cache, insert_rows, select_rows, update_rows
from hearth.core.journal import Event, ProjectorRegistry
from hearth.ordering.domain import (
    KITCHEN_STATES,
    Channel,
    Discount,
    Line,
    Order,
    OrderEvent,
    OrderStatus,
    evolve,
)
from hearth.ordering.tables import (
    areas,
    catalogue_applied,
    dining_tables,
    order_counters,
    order_lines,
    orders,
)

projectors = ProjectorRegistry()
projectors.owns(areas, dining_tables, orders, order_lines, order_counters, catalogue_applied)

ORDER_EVENTS = (
    "OrderOpened",
    "LinesAdded",
    "LinesMovedIn",
    "LineRemoved",
    "LinesMovedOut",
    "LineVoided",
    "LinesSent",
    "LineDiscountApplied",
    "OrderDiscountApplied",
    "ServiceChargeSet",
    "OrderStatusChanged",
    "OrderReopened",
    "OrderVoided",
    "OrderCancelled",
    "OrderMerged",
    "TableTransferred",
    "GuestsSet",
    "BillRequested",
)


def load_order(conn: Connection, order_id: str, store_id: str | None = None) -> Order | None:
    cached = conn_cache(conn, "orders").get(order_id)
    if cached is not None:
        owner, order = cached
        return order if store_id is None or owner == store_id else None
    q = sa.select(orders).where(orders.c.id == order_id)
    if store_id is not None:
        q = q.where(orders.c.store_id == store_id)
    row = conn.execute(q).first()
    if row is None:
        return None
    lines = conn.execute(
        sa.select(order_lines)
        .where(order_lines.c.order_id == order_id)
        .order_by(order_lines.c.position)
    )
    return Order(
        id=row.id,
        number=row.number,
        business_date=row.business_date,
        channel=Channel(row.channel),
        status=OrderStatus(row.status),
        table_id=row.table_id,
        guests=row.guests,
        lines=tuple(Line.from_json(_line_json(ln)) for ln in lines),
        discount=Discount.from_json(row.discount),
        service_charge_bp=row.service_charge_bp,
        note=row.note,
        opened_at_ms=row.opened_at_ms,
        currency=row.currency,
        merged_into=row.merged_into,
        split_from=row.split_from,
        void_reason=row.void_reason,
        bill_requested=row.bill_requested,
    )


def _line_json(row: Any) -> dict[str, Any]:
    d = dict(row._mapping)
    d.pop("order_id")
    d.pop("position")
    return d


def _order_row(o: Order, store_id: str, now_ms: int, version: int) -> dict[str, Any]:
    t = o.totals()
    return {
        "id": o.id,
        "store_id": store_id,
        "number": o.number,
        "business_date": o.business_date,
        "channel": o.channel.value,
        "status": o.status.value,
        "table_id": o.table_id,
        "guests": o.guests,
        "discount": o.discount.to_json() if o.discount else None,
        "service_charge_bp": o.service_charge_bp,
        "note": o.note,
        "opened_at_ms": o.opened_at_ms,
        "updated_at_ms": now_ms,
        "currency": o.currency,
        "merged_into": o.merged_into,
        "split_from": o.split_from,
        "void_reason": o.void_reason,
        "bill_requested": o.bill_requested,
        "subtotal": t.subtotal,
        "discount_total": t.line_discounts + t.order_discount,
        "service_charge": t.service_charge,
        "tax": t.tax,
        "total": t.total,
        "version": version,
    }


@projectors.on(*ORDER_EVENTS)
def project_order(conn: Connection, ev: Event) -> None:
    order_id = ev.stream.split(":", 1)[1]
    before = None if ev.type == "OrderOpened" else load_order(conn, order_id)
    after = evolve(before, OrderEvent(ev.type, ev.payload))
    row = _order_row(after, ev.store_id, ev.recorded_at_ms, ev.stream_version)
    if before is None:
        conn.execute(
            _INSERT_ORDER, row | {"catalogue_version": ev.payload.get("catalogue_version", 0)}
        )
        _count(conn, ev.store_id, after.business_date, after.number)
    else:
        conn.execute(_UPDATE_ORDER, row | {"b_id": order_id})
    _write_lines(conn, order_id, before, after)
    conn_cache(conn, "orders")[order_id] = (ev.store_id, after)
    touched = {t for t in (before.table_id if before else None, after.table_id) if t}
    for table_id in touched:
        refresh_table_status(conn, table_id, ev)


@projectors.on("CatalogueVersionApplied")
def _catalogue_applied(conn: Connection, ev: Event) -> None:
    values = {"version": ev.payload["version"], "applied_at_ms": ev.recorded_at_ms}
    if update_rows(conn, catalogue_applied, {"store_id": ev.store_id}, values).rowcount == 0:
        insert_rows(conn, catalogue_applied, {"store_id": ev.store_id, **values})


def catalogue_version(conn: Connection, store_id: str) -> int:
    """The chain catalogue version the store sells from now (0 before HQ sent one)."""
    row = select_rows(conn, catalogue_applied, {"store_id": store_id}).first()
    return int(row.version) if row is not None else 0


# Statements built once: building them per call costs more than running them.
_INSERT_ORDER = orders.insert()
_UPDATE_ORDER = orders.update().where(orders.c.id == sa.bindparam("b_id"))
_INSERT_LINES = order_lines.insert()
_UPDATE_LINE = order_lines.update().where(order_lines.c.id == sa.bindparam("b_id"))
_DELETE_LINES = order_lines.delete().where(
    order_lines.c.id.in_(sa.bindparam("ids", expanding=True))
)


def _write_lines(conn: Connection, order_id: str, before: Order | None, after: Order) -> None:
    old = {ln.id: ln for ln in (before.lines if before else ())}
    new_ids = {ln.id for ln in after.lines}
    gone = [i for i in old if i not in new_ids]
    if gone:
        conn.execute(_DELETE_LINES, {"ids": gone})
    inserts = []
    for pos, ln in enumerate(after.lines):
        if ln.id not in old:
            inserts.append({"order_id": order_id, "position": pos, **_line_row(ln)})
        elif old[ln.id] != ln:
            conn.execute(_UPDATE_LINE, {"position": pos, **_line_row(ln), "b_id": ln.id})
    if inserts:
        conn.execute(_INSERT_LINES, inserts)


def _line_row(ln: Line) -> dict[str, Any]:
    return ln.to_json()


TABLE_LIVE = KITCHEN_STATES | {OrderStatus.OPEN, OrderStatus.PAID}
# Equalities, not IN: SQLAlchemy expands an IN list afresh on every execution (the profile
# showed it at 8 % of the writer's time), while plain binds stay in the compiled statement.
_LIVE_ON_TABLE = (
    sa.select(orders.c.status, orders.c.bill_requested)
    .where(orders.c.table_id == sa.bindparam("table_id"))
    .where(sa.or_(*(orders.c.status == s.value for s in sorted(TABLE_LIVE, key=str))))
)


def refresh_table_status(conn: Connection, table_id: str, ev: Event) -> None:
    """A table's status follows the orders on it, so it can never disagree with them."""
    table = select_rows(conn, dining_tables, {"id": table_id}).first()
    if table is None:
        return
    live = list(conn.execute(_LIVE_ON_TABLE, {"table_id": table_id}))
    statuses = {OrderStatus(r.status) for r in live}
    if any(r.bill_requested and OrderStatus(r.status) in KITCHEN_STATES for r in live):
        status = "paying"
    elif statuses & {OrderStatus.SUBMITTED, OrderStatus.PREPARING}:
        status = "waiting"
    elif statuses & {OrderStatus.READY, OrderStatus.SERVED}:
        status = "eating"
    elif OrderStatus.OPEN in statuses:
        status = "ordering"
    elif (
        OrderStatus.PAID in statuses
        or table.status == "to_clean"
        or (ev.type == "OrderStatusChanged" and ev.payload.get("to") == "closed")
    ):
        status = "to_clean"
    else:
        status = "seated" if table.session_id else "free"
    seated = table.seated_at_ms
    if status == "free":
        seated = None
    elif seated is None:
        seated = ev.recorded_at_ms
    changes: dict[str, Any] = {}
    if status != table.status or seated != table.seated_at_ms:
        changes = {"status": status, "seated_at_ms": seated}
    if table.held_order_id and ev.stream == f"order:{table.held_order_id}" and ev.type in HOLD_OVER:
        changes |= {"held_order_id": None, "held_reason": None}
    if changes:
        update_rows(conn, dining_tables, {"id": table_id}, changes)


# A diner's send waiting for staff is over once its order is sent (or taken off the table) by
# any means: the staff's confirmation, a waiter sending it from the POS, a cancel or a move.
HOLD_OVER = frozenset(
    {"LinesSent", "OrderCancelled", "OrderVoided", "OrderMerged", "TableTransferred"}
)


@projectors.on("TableSeated")
def _seated(conn: Connection, ev: Event) -> None:
    table = select_rows(conn, dining_tables, {"id": ev.payload["id"]}).first()
    if table is None:
        return
    changes: dict[str, Any] = {
        "session_id": ev.payload["session_id"],
        "session_self_seated": bool(ev.payload.get("self_seated", False)),
        "session_approved_total": 0,
        "held_order_id": None,
        "held_reason": None,
    }
    if table.status == "free":
        changes |= {"status": "seated", "seated_at_ms": ev.recorded_at_ms}
    update_rows(conn, dining_tables, {"id": table.id}, changes)


@projectors.on("TableSessionEnded")
def _session_ended(conn: Connection, ev: Event) -> None:
    table = select_rows(conn, dining_tables, {"id": ev.payload["id"]}).first()
    if table is None:
        return
    changes: dict[str, Any] = {
        "session_id": None,
        "session_self_seated": False,
        "session_approved_total": 0,
        "held_order_id": None,
        "held_reason": None,
    }
    if table.status == "seated":
        changes |= {"status": "free", "seated_at_ms": None}
    update_rows(conn, dining_tables, {"id": table.id}, changes)


@projectors.on("DinerSendHeld")
def _send_held(conn: Connection, ev: Event) -> None:
    update_rows(
        conn,
        dining_tables,
        {"id": ev.payload["id"]},
        {"held_order_id": ev.payload["order_id"], "held_reason": ev.payload["reason"]},
    )


@projectors.on("DinerSendConfirmed")
def _send_confirmed(conn: Connection, ev: Event) -> None:
    update_rows(
        conn,
        dining_tables,
        {"id": ev.payload["id"]},
        {
            "held_order_id": None,
            "held_reason": None,
            "session_self_seated": False,
            "session_approved_total": ev.payload["total"],
        },
    )


def last_order_number(conn: Connection, store_id: str, business_date: str) -> int:
    cache = conn_cache(conn, "order_numbers")
    cached = cache.get((store_id, business_date))
    if cached is not None:
        return int(cached)
    last = conn.execute(
        sa.select(order_counters.c.last_number)
        .where(order_counters.c.store_id == store_id)
        .where(order_counters.c.business_date == business_date)
    ).scalar()
    return int(last or 0)


def _count(conn: Connection, store_id: str, business_date: str, number: int) -> None:
    key = {"store_id": store_id, "business_date": business_date}
    cache = conn_cache(conn, "order_numbers")
    current = cache.get((store_id, business_date))
    if current is None:
        current = select_rows(conn, order_counters, key, ("last_number",)).scalar()
    cache[(store_id, business_date)] = max(number, current or 0)
    if current is None:
        insert_rows(conn, order_counters, key | {"last_number": number})
    elif number > current:
        update_rows(conn, order_counters, key, {"last_number": number})


@projectors.on("AreaCreated")
def _area(conn: Connection, ev: Event) -> None:
    conn.execute(areas.insert().values(store_id=ev.store_id, **ev.payload))


@projectors.on("TableCreated")
def _table(conn: Connection, ev: Event) -> None:
    conn.execute(
        dining_tables.insert().values(
            store_id=ev.store_id, status="free", token_version=1, active=True, **ev.payload
        )
    )


@projectors.on("TableUpdated")
def _table_updated(conn: Connection, ev: Event) -> None:
    changes = {k: v for k, v in ev.payload.items() if k in ("code", "seats")}
    conn.execute(
        dining_tables.update().where(dining_tables.c.id == ev.payload["id"]).values(**changes)
    )


@projectors.on("TableCleaned")
def _cleaned(conn: Connection, ev: Event) -> None:
    conn.execute(
        dining_tables.update()
        .where(dining_tables.c.id == ev.payload["id"])
        .values(status="free", seated_at_ms=None)
    )


@projectors.on("TableTokenRotated")
def _rotated(conn: Connection, ev: Event) -> None:
    conn.execute(
        dining_tables.update()
        .where(dining_tables.c.id == ev.payload["id"])
        .values(token_version=ev.payload["token_version"])
    )
