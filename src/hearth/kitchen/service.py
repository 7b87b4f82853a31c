"""Kitchen use cases: stations, routing rules, and what cooks do to tickets.

Each use case is one transaction on the writer: load the ticket, let kitchen/domain.py decide,
journal the action with the ticket as it is afterwards. Bumping the last item of an order also
moves the order along (preparing, ready) through the ordering service, in the same transaction,
so the POS and the order-status page see the order ready the moment the kitchen is done, and
stop showing it ready the moment a cook recalls one of its dishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.errors import not_found
from hearth.core.ids import new_id
from hearth.core.tables import journal
from hearth.core.writer import Tx
from hearth.kitchen import domain as d
from hearth.kitchen import projections as _projections  # noqa: F401
from hearth.kitchen.domain import Status, Thresholds, Ticket
from hearth.kitchen.errors import KitchenError
from hearth.kitchen.tables import routing_rules, station_timing, stations, ticket_items, tickets
from hearth.menu.tables import categories, items
from hearth.ordering import service as ordering
from hearth.ordering.domain import OrderStatus
from hearth.ordering.projections import load_order
from hearth.ordering.tables import dining_tables, orders

RECENT_DONE_MS = 15 * 60_000  # bumped tickets stay listed this long, for recall


# -- stations ------------------------------------------------------------------------------------
def create_station(
    tx: Tx, key: str, name_zh: str, name_en: str, *, is_expo: bool = False, actor: str | None = None
) -> str:
    if not key or len(key) > 40 or not name_zh or not name_en:
        raise KitchenError.STATION_INVALID.problem(
            "A station needs a key and names in Chinese and English.", field="key"
        )
    if tx.conn.execute(
        sa.select(stations.c.id)
        .where(stations.c.key == key)
        .where(stations.c.store_id == tx.store_id)
    ).first():
        raise KitchenError.STATION_KEY_TAKEN.problem(
            f"There is already a station {key!r}.", field="key"
        )
    sid = new_id()
    tx.append(
        f"station:{sid}",
        "StationCreated",
        {"id": sid, "key": key, "name_zh": name_zh, "name_en": name_en, "is_expo": is_expo},
        actor,
    )
    return sid


def set_station_timing(
    tx: Tx, station_id: str, warn_s: int, late_s: int, actor: str | None = None
) -> None:
    """Age colours of this station's tickets: amber after ``warn_s``, red after ``late_s``."""
    require_station(tx.conn, tx.store_id, station_id)
    if not 30 <= warn_s < late_s <= 7200:
        raise KitchenError.TIMING_INVALID.problem(
            "Amber must come before red, between 30 seconds and 2 hours.", field="warn_s"
        )
    tx.append(
        f"station:{station_id}",
        "StationTimingSet",
        {"station_id": station_id, "warn_s": warn_s, "late_s": late_s},
        actor,
    )


def require_station(conn: Connection, store_id: str, station_id: str) -> dict[str, Any]:
    row = conn.execute(
        sa.select(stations)
        .where(stations.c.id == station_id)
        .where(stations.c.store_id == store_id)
    ).first()
    if row is None:
        raise not_found(KitchenError.STATION_NOT_FOUND, station_id)
    return dict(row._mapping)


def timing_of(conn: Connection, station_id: str) -> Thresholds:
    row = conn.execute(
        sa.select(station_timing).where(station_timing.c.station_id == station_id)
    ).first()
    return Thresholds(row.warn_s, row.late_s) if row else Thresholds()


def list_stations(conn: Connection, store_id: str) -> list[dict[str, Any]]:
    timing = {r.station_id: r for r in conn.execute(sa.select(station_timing))}
    result = []
    for r in conn.execute(
        sa.select(stations).where(stations.c.store_id == store_id).order_by(stations.c.key)
    ):
        t = timing.get(r.id)
        th = Thresholds(t.warn_s, t.late_s) if t else Thresholds()
        result.append(dict(r._mapping) | {"warn_s": th.warn_s, "late_s": th.late_s})
    return result


# -- routing rules -------------------------------------------------------------------------------
def set_rule(
    tx: Tx,
    *,
    rule_id: str | None,
    category_id: str | None,
    item_id: str | None,
    station_ids: list[str],
    actor: str | None = None,
) -> str:
    """Route a category's items, or one item, to one or more stations."""
    if (category_id is None) == (item_id is None):
        raise KitchenError.RULE_TARGET.problem(
            "A routing rule applies to exactly one category or one item.", field="category_id"
        )
    if not station_ids or len(station_ids) > 10:
        raise KitchenError.RULE_STATIONS.problem(
            "Route to between one and ten stations.", field="station_ids"
        )
    for sid in station_ids:
        if (
            tx.conn.execute(
                sa.select(stations.c.id)
                .where(stations.c.id == sid)
                .where(stations.c.store_id == tx.store_id)
            ).first()
            is None
        ):
            raise KitchenError.STATION_UNKNOWN.problem(
                f"There is no station {sid!r}.", field="station_ids"
            )
    if (
        category_id is not None
        and tx.conn.execute(
            sa.select(categories.c.id).where(categories.c.id == category_id)
        ).first()
        is None
    ):
        raise KitchenError.CATEGORY_UNKNOWN.problem(
            f"There is no category {category_id!r}.", field="category_id"
        )
    if (
        item_id is not None
        and tx.conn.execute(sa.select(items.c.id).where(items.c.id == item_id)).first() is None
    ):
        raise KitchenError.ITEM_UNKNOWN.problem(f"There is no item {item_id!r}.", field="item_id")
    if rule_id is not None:
        _require_rule(tx.conn, tx.store_id, rule_id)
    rid = rule_id or new_id()
    tx.append(
        f"routing:{rid}",
        "RoutingRuleSet",
        {
            "id": rid,
            "category_id": category_id,
            "item_id": item_id,
            "station_ids": list(dict.fromkeys(station_ids)),
        },
        actor,
    )
    return rid


def remove_rule(tx: Tx, rule_id: str, actor: str | None = None) -> None:
    _require_rule(tx.conn, tx.store_id, rule_id)
    tx.append(f"routing:{rule_id}", "RoutingRuleRemoved", {"id": rule_id}, actor)


def _require_rule(conn: Connection, store_id: str, rule_id: str) -> None:
    if (
        conn.execute(
            sa.select(routing_rules.c.id)
            .where(routing_rules.c.id == rule_id)
            .where(routing_rules.c.store_id == store_id)
        ).first()
        is None
    ):
        raise not_found(KitchenError.ROUTING_RULE_NOT_FOUND, rule_id)


def list_rules(conn: Connection, store_id: str) -> list[dict[str, Any]]:
    return [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(routing_rules)
            .where(routing_rules.c.store_id == store_id)
            .order_by(routing_rules.c.id)
        )
    ]


def load_routing(conn: Connection, store_id: str) -> d.Routing:
    rows = list(
        conn.execute(
            sa.select(stations).where(stations.c.store_id == store_id).order_by(stations.c.key)
        )
    )
    kitchen = [r.id for r in rows if not r.is_expo]
    return d.Routing(
        rules=tuple(
            d.Rule(r.id, tuple(r.station_ids), r.category_id, r.item_id)
            for r in conn.execute(
                sa.select(routing_rules).where(routing_rules.c.store_id == store_id)
            )
        ),
        category_station={
            r.id: r.station_id
            for r in conn.execute(sa.select(categories.c.id, categories.c.station_id))
        },
        station_ids=frozenset(r.id for r in rows),
        fallback_station=kitchen[0] if kitchen else None,
    )


# -- tickets -------------------------------------------------------------------------------------
def get_ticket(conn: Connection, store_id: str, ticket_id: str) -> Ticket:
    row = conn.execute(
        sa.select(tickets.c.body)
        .where(tickets.c.id == ticket_id)
        .where(tickets.c.store_id == store_id)
    ).first()
    if row is None:
        raise not_found(KitchenError.TICKET_NOT_FOUND, ticket_id)
    return Ticket.from_json(row.body)


def append_ticket(tx: Tx, type_: str, ticket: Ticket, actor: str | None, **extra: Any) -> None:
    tx.append(
        f"ticket:{ticket.id}",
        type_,
        {
            "station_id": ticket.station_id,
            "order_id": ticket.order_id,
            "ticket": ticket.to_json(),
            **extra,
        },
        actor,
    )


ACTIONS: dict[str, tuple[str, Callable[..., Ticket]]] = {
    "start": ("TicketStarted", d.start),
    "bump": ("TicketBumped", d.bump),
    "recall": ("TicketRecalled", d.recall),
}


@dataclass(frozen=True)
class Who:
    actor: str | None
    now_ms: int
    timezone: str = "Asia/Shanghai"


def act(
    tx: Tx, who: Who, station_id: str, ticket_id: str, action: str, item_id: str | None = None
) -> Ticket:
    """A cook starts, bumps or recalls a ticket (or one item) on their own station."""
    ticket = _ticket_on(tx, station_id, ticket_id)
    type_, decide = ACTIONS[action]
    after = decide(ticket, who.now_ms, item_id)
    append_ticket(tx, type_, after, who.actor, action=action, item_id=item_id)
    progress_orders(tx, who, d.orders_of(after), d.taken_back(ticket, after))
    return after


def undo(tx: Tx, who: Who, station_id: str, ticket_id: str | None) -> Ticket:
    """Undo the last start/bump/recall of a ticket, or of the station's latest one."""
    require_station(tx.conn, tx.store_id, station_id)
    if ticket_id is None:
        row = tx.conn.execute(
            sa.select(tickets.c.id)
            .where(tickets.c.station_id == station_id)
            .where(tickets.c.store_id == tx.store_id)
            .order_by(tickets.c.updated_seq.desc())
            .limit(50)
        ).all()
        for r in row:
            t = get_ticket(tx.conn, tx.store_id, r.id)
            if t.history:
                ticket_id = t.id
                break
        if ticket_id is None:
            raise KitchenError.NOTHING_TO_UNDO.problem(
                "No recent action on this station can be undone."
            )
    ticket = _ticket_on(tx, station_id, ticket_id)
    after = d.undo(ticket, who.now_ms)
    append_ticket(tx, "TicketUndone", after, who.actor)
    progress_orders(tx, who, d.orders_of(after), d.taken_back(ticket, after))
    return after


def recall_last(tx: Tx, who: Who, station_id: str) -> Ticket:
    """The bump bar's recall key: bring back the ticket bumped most recently."""
    require_station(tx.conn, tx.store_id, station_id)
    row = tx.conn.execute(
        sa.select(tickets.c.id)
        .where(tickets.c.station_id == station_id)
        .where(tickets.c.store_id == tx.store_id)
        .where(tickets.c.status == Status.DONE.value)
        .order_by(tickets.c.done_at_ms.desc(), tickets.c.updated_seq.desc())
        .limit(1)
    ).first()
    if row is None:
        raise KitchenError.NOTHING_TO_RECALL.problem(
            "No ticket on this station has been bumped yet."
        )
    return act(tx, who, station_id, row.id, "recall")


def set_rush(tx: Tx, who: Who, station_id: str, ticket_id: str, rush: bool) -> Ticket:
    after = d.set_rush(_ticket_on(tx, station_id, ticket_id), rush)
    append_ticket(tx, "TicketRushed", after, who.actor, rush=rush)
    return after


def _ticket_on(tx: Tx, station_id: str, ticket_id: str) -> Ticket:
    require_station(tx.conn, tx.store_id, station_id)
    ticket = get_ticket(tx.conn, tx.store_id, ticket_id)
    if ticket.station_id != station_id:
        raise KitchenError.TICKET_OTHER_STATION.problem(
            f"Ticket #{ticket.order_number} is on another station's screen; bump it there.",
            field="ticket_id",
        )
    return ticket


def progress_orders(
    tx: Tx, who: Who, order_ids: Iterable[str], taken_back: frozenset[str] = frozenset()
) -> None:
    """Move orders along after their tickets changed (kitchen/domain.order_step): started food
    makes an order 'preparing', every station's part done makes it 'ready' (the expo may also
    do it by hand), and a done dish taken back makes a ready order 'preparing' again.
    ``taken_back``: the orders whose done dishes this action took back."""
    ctx = ordering.Context(who.actor, who.now_ms, who.timezone)
    for order_id in dict.fromkeys(order_ids):
        order = load_order(tx.conn, order_id, tx.store_id)
        if order is None:
            continue
        to = d.order_step(order.status, order_items(tx.conn, order_id), order_id in taken_back)
        if to is not None:
            ordering.advance(tx, ctx, order_id, to)


def order_items(conn: Connection, order_id: str) -> list[d.Item]:
    """The items every station was sent for this order (change and void slips excluded)."""
    rows = conn.execute(
        sa.select(ticket_items.c.status, ticket_items.c.voided)
        .where(ticket_items.c.order_id == order_id)
        .where(ticket_items.c.kind == d.Kind.NEW.value)
    )
    return [
        d.Item("", "", order_id, "", "", "", 0, status=Status(r.status), voided=r.voided)
        for r in rows
    ]


def order_done(conn: Connection, order_id: str) -> bool:
    return d.order_done(order_items(conn, order_id))


def expo_ready(tx: Tx, who: Who, order_id: str, force: bool = False) -> dict[str, Any]:
    """The expo marks an order ready (or, once ready, handed out to the guest: served)."""
    order = load_order(tx.conn, order_id, tx.store_id)
    if order is None:
        raise not_found(KitchenError.ORDER_NOT_FOUND, order_id)
    ctx = ordering.Context(who.actor, who.now_ms, who.timezone)
    if order.status is OrderStatus.READY:
        ordering.advance(tx, ctx, order_id, OrderStatus.SERVED)
        return {"order_id": order_id, "status": OrderStatus.SERVED.value}
    if not force and not order_done(tx.conn, order_id):
        raise KitchenError.ORDER_NOT_DONE.problem(
            f"Order #{order.number} still has items in the kitchen; bump them "
            "first or confirm to mark it ready anyway."
        )
    ordering.advance(tx, ctx, order_id, OrderStatus.READY)
    return {"order_id": order_id, "status": OrderStatus.READY.value}


# -- reads ---------------------------------------------------------------------------------------
def journal_top(conn: Connection) -> int:

    return int(conn.execute(sa.select(sa.func.max(journal.c.seq))).scalar() or 0)


def station_tickets(
    conn: Connection, store_id: str, station_id: str, now_ms: int
) -> dict[str, Any]:
    """What a station's screen shows: open tickets (oldest first, rush on top) and the ones
    bumped in the last minutes (for recall), with the journal position to resume the feed."""
    station = require_station(conn, store_id, station_id)
    now = now_ms
    seq = journal_top(conn)  # read first: the feed from here cannot miss what follows
    rows = conn.execute(
        sa.select(tickets.c.body)
        .where(tickets.c.station_id == station_id)
        .where(tickets.c.store_id == store_id)
        .where(
            sa.or_(
                tickets.c.status != Status.DONE.value, tickets.c.done_at_ms >= now - RECENT_DONE_MS
            )
        )
        .order_by(tickets.c.sent_at_ms, tickets.c.source_seq)
    )
    th = timing_of(conn, station_id)
    result = [ticket_view(Ticket.from_json(r.body), th, now) for r in rows]
    result.sort(key=lambda t: (t["status"] == "done", not t["rush"], t["sent_at_ms"]))
    return {
        "seq": seq,
        "station": station | {"warn_s": th.warn_s, "late_s": th.late_s},
        "tickets": result,
        "recall_window_ms": RECENT_DONE_MS,
    }


def ticket_view(t: Ticket, th: Thresholds, now_ms: int) -> dict[str, Any]:
    body = t.to_json()
    body.pop("history")
    age = max(0.0, (now_ms - t.sent_at_ms) / 1000)
    return body | {"age_s": int(age), "colour": th.colour(age), "can_undo": bool(t.history)}


def all_day(conn: Connection, store_id: str, station_id: str) -> list[dict[str, Any]]:
    require_station(conn, store_id, station_id)
    rows = conn.execute(
        sa.select(tickets.c.body)
        .where(tickets.c.station_id == station_id)
        .where(tickets.c.status != Status.DONE.value)
    )
    counts = d.all_day(Ticket.from_json(r.body) for r in rows)
    return sorted(counts.values(), key=lambda c: (-c["quantity"], c["name_en"]))


def expo_orders(conn: Connection, store_id: str, now_ms: int) -> dict[str, Any]:
    """The pass: each order with open kitchen work or waiting to go out, and each station's
    part of it (done or not)."""

    now = now_ms
    seq = journal_top(conn)
    names = {r.id: r for r in conn.execute(sa.select(stations))}
    live = list(
        conn.execute(
            sa.select(
                orders.c.id, orders.c.number, orders.c.status, orders.c.channel, orders.c.table_id
            )
            .where(orders.c.store_id == store_id)
            .where(orders.c.status.in_(["submitted", "preparing", "ready"]))
            .order_by(orders.c.opened_at_ms)
            .limit(200)
        )
    )
    result = []
    for o in live:
        parts: dict[str, dict[str, Any]] = {}
        sent_at = None
        for r in conn.execute(
            sa.select(tickets.c.body)
            .where(tickets.c.order_id == o.id)
            .where(tickets.c.kind == d.Kind.NEW.value)
        ):
            t = Ticket.from_json(r.body)
            sent_at = min(sent_at or t.sent_at_ms, t.sent_at_ms)
            st = names.get(t.station_id)
            part = parts.setdefault(
                t.station_id,
                {
                    "station_id": t.station_id,
                    "name_zh": st.name_zh if st else "?",
                    "name_en": st.name_en if st else "?",
                    "done": True,
                    "items": [],
                },
            )
            for it in t.live_items:
                part["items"].append(
                    {
                        "name_zh": it.name_zh,
                        "name_en": it.name_en,
                        "quantity": it.quantity,
                        "status": it.status.value,
                    }
                )
                part["done"] = part["done"] and it.status is Status.DONE
        if not parts:
            continue
        result.append(
            {
                "order_id": o.id,
                "order_number": o.number,
                "status": o.status,
                "where": where_of(conn, o.table_id, o.channel),
                "sent_at_ms": sent_at,
                "age_s": int(max(0, now - (sent_at or now)) / 1000),
                "all_done": all(p["done"] for p in parts.values()),
                "stations": list(parts.values()),
            }
        )
    return {"seq": seq, "orders": result}


def where_of(conn: Connection, table_id: str | None, channel: str) -> str:
    if table_id:
        code = conn.execute(
            sa.select(dining_tables.c.code).where(dining_tables.c.id == table_id)
        ).scalar()
        if code:
            return str(code)
    return channel
