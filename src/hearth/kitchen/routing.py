"""Kitchen routing: the journal subscriber that turns sent lines into station tickets.

It reads ordering events from its own cursor and writes tickets in the same transaction that
moves the cursor (core/subscribers.py), so every sent line becomes exactly one ticket item on
each station it routes to, even across crashes and restarts. Lines are rebuilt from the order's
own events up to the sending event, not from today's projection, so a line voided a moment later
still reaches the kitchen first and its void follows as a clearly marked slip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.ids import new_id
from hearth.core.journal import Event, stream_events
from hearth.core.subscribers import Subscriber
from hearth.core.writer import Tx
from hearth.kitchen import domain as d
from hearth.kitchen.service import Who, append_ticket, load_routing, progress_orders, where_of
from hearth.kitchen.tables import ticket_items, tickets
from hearth.menu import service as menu
from hearth.ordering.domain import Line, Order, OrderEvent, evolve_all
from hearth.ordering.projections import ORDER_EVENTS, load_order

NAME = "kitchen.routing"
_ORDER_EVENTS = frozenset(ORDER_EVENTS)  # an order's stream also holds stock-taking events
WATCHED = frozenset(
    {
        "LinesSent",
        "LineVoided",
        "OrderVoided",
        "OrderCancelled",
        "TableTransferred",
        "OrderMerged",
        "LinesMovedOut",
    }
)


def subscriber() -> Subscriber:
    return Subscriber(NAME, handle, batch_size=200)


def handle(events: list[Event]) -> Callable[[Tx], None] | None:
    relevant = [e for e in events if e.type in WATCHED]
    if not relevant:
        return None

    def command(tx: Tx) -> None:
        cache: dict[str, d.Routing] = {}  # rules and stations, read once per batch
        for ev in relevant:
            route_event(tx, ev, cache)

    return command


def route_event(tx: Tx, ev: Event, cache: dict[str, d.Routing] | None = None) -> None:
    order_id = ev.stream.split(":", 1)[1]
    match ev.type:
        case "LinesSent":
            cache = {} if cache is None else cache
            if "routing" not in cache:
                cache["routing"] = load_routing(tx.conn, tx.store_id)
            _send(tx, ev, order_id, cache["routing"])
        case "LineVoided":
            if ev.payload.get("was_sent"):
                _void(tx, ev, order_id, {ev.payload["line_id"]})
        case "OrderVoided" | "OrderCancelled":
            _void(tx, ev, order_id, None)
        case "TableTransferred":
            _moved(tx, ev, order_id, None, order_id)
        case "OrderMerged":
            _moved(tx, ev, order_id, None, ev.payload["into"])
        case "LinesMovedOut":
            _moved(tx, ev, order_id, set(ev.payload["line_ids"]), ev.payload["to_order"])


def _order_at(conn: Connection, ev: Event) -> Order:
    """The order exactly as it was when this event happened."""
    history = [
        OrderEvent(e.type, e.payload)
        for e in stream_events(conn, ev.stream)
        if e.stream_version <= ev.stream_version and e.type in _ORDER_EVENTS
    ]
    return evolve_all(None, history)


def _modifiers(line: Line) -> tuple[str, ...]:
    mods = []
    if line.spec_name_zh:
        mods.append(f"{line.spec_name_zh} {line.spec_name_en or ''}".strip())
    mods.extend(f"{m['name_zh']} {m['name_en']}" for m in line.modifiers)
    return tuple(mods)


def _parts(line: Line, order_id: str) -> list[d.Item]:
    """A line as the kitchen makes it: a set meal is its dishes, each made where it belongs."""
    base = d.Item(
        id=line.id,
        line_id=line.id,
        order_id=order_id,
        item_id=line.item_id,
        name_zh=line.name_zh,
        name_en=line.name_en,
        quantity=line.quantity,
        modifiers=_modifiers(line),
        note=line.note,
        seat=line.seat,
        course=line.course,
    )
    if line.combo_items:
        return [
            replace(
                base,
                id=f"{line.id}:{i}",
                item_id=c["item_id"],
                name_zh=c["name_zh"],
                name_en=c["name_en"],
                modifiers=(f"{line.name_zh} {line.name_en}",),
            )
            for i, c in enumerate(line.combo_items)
        ]
    return [base]


def _send(tx: Tx, ev: Event, order_id: str, routing: d.Routing) -> None:
    order = _order_at(tx.conn, ev)
    sent = set(ev.payload["line_ids"])
    lines = [ln for ln in order.lines if ln.id in sent]
    parts = [p for ln in lines for p in _parts(ln, order_id)]
    catalogue = menu.load_items(tx.conn, {p.item_id for p in parts})
    by_station: dict[str, list[d.Item]] = {}
    for p in parts:
        item = catalogue.get(p.item_id)
        line_station = next((ln.station_id for ln in lines if ln.id == p.line_id), None)
        targets = d.route(
            routing,
            p.item_id,
            item.category_id if item else None,
            (item.station_id if item else None) or line_station,
        )
        for station_id in targets:
            by_station.setdefault(station_id, []).append(p)
    where = where_of(tx.conn, order.table_id, order.channel.value)
    for station_id, its in by_station.items():
        _create(tx, ev, station_id, order, where, d.Kind.NEW, its)


def _create(
    tx: Tx, ev: Event, station_id: str, order: Order, where: str, kind: d.Kind, its: list[d.Item]
) -> None:
    exists = tx.conn.execute(
        sa.select(tickets.c.id)
        .where(tickets.c.station_id == station_id)
        .where(tickets.c.source_seq == ev.seq)
    ).first()
    if exists:  # at-least-once delivery: the same event never makes a second ticket
        return
    ticket = d.Ticket(
        id=new_id(),
        station_id=station_id,
        order_id=order.id,
        order_number=order.number,
        where=where,
        kind=kind,
        sent_at_ms=ev.recorded_at_ms,
        items=tuple(its),
    )
    append_ticket(tx, "TicketCreated", ticket, ev.actor, source_seq=ev.seq, source_type=ev.type)


def _void(tx: Tx, ev: Event, order_id: str, line_ids: set[str] | None) -> None:
    """Every station that had these lines gets a void slip, and its tickets strike them; an
    order whose last open dish was voided is ready (its other dishes are done)."""
    q = (
        sa.select(ticket_items.c.ticket_id, ticket_items.c.line_id)
        .where(ticket_items.c.order_id == order_id)
        .where(ticket_items.c.kind == d.Kind.NEW.value)
        .where(ticket_items.c.voided.is_(False))
    )
    if line_ids is not None:
        q = q.where(ticket_items.c.line_id.in_(line_ids))
    hits: dict[str, set[str]] = {}
    for r in tx.conn.execute(q):
        hits.setdefault(r.ticket_id, set()).add(r.line_id)
    order = load_order(tx.conn, order_id, tx.store_id)
    if order is None or not hits:
        return
    slips: dict[str, list[d.Item]] = {}
    for ticket_id in sorted(hits):
        t = _ticket(tx.conn, ticket_id)
        struck = [it for it in t.items if it.line_id in hits[ticket_id] and not it.voided]
        after = d.void_items(t, hits[ticket_id], ev.recorded_at_ms)
        append_ticket(
            tx,
            "TicketItemsVoided",
            after,
            ev.actor,
            line_ids=sorted(hits[ticket_id]),
            reason=ev.payload.get("reason"),
        )
        slips.setdefault(t.station_id, []).extend(
            replace(
                it,
                id=f"void:{it.id}",
                marker="void",
                status=d.Status.NEW,
                note=ev.payload.get("reason") or it.note,
            )
            for it in struck
        )
    progress_orders(tx, Who(ev.actor, ev.recorded_at_ms), [order_id])
    where = where_of(tx.conn, order.table_id, order.channel.value)
    for station_id, its in slips.items():
        _create(tx, ev, station_id, order, where, d.Kind.VOID, its)


def _moved(tx: Tx, ev: Event, order_id: str, line_ids: set[str] | None, to_order_id: str) -> None:
    """A table move, merge or split: open tickets follow the food, and each station that is
    still making it gets a change slip saying where it goes now."""
    target = load_order(tx.conn, to_order_id, tx.store_id)
    if target is None:
        return
    where = where_of(tx.conn, target.table_id, target.channel.value)
    rows = tx.conn.execute(
        sa.select(tickets.c.body)
        .where(tickets.c.order_id == order_id)
        .where(tickets.c.status != d.Status.DONE.value)
        .order_by(tickets.c.source_seq)
    ).all()
    slips: dict[str, list[d.Item]] = {}
    for r in rows:
        t = d.Ticket.from_json(r.body)
        moving = [it for it in t.items if line_ids is None or it.line_id in line_ids]
        if not moving:
            continue
        items = tuple(replace(it, order_id=to_order_id) if it in moving else it for it in t.items)
        whole = len(moving) == len(t.items)
        after = replace(
            t,
            items=items,
            version=t.version + 1,
            order_id=to_order_id if whole else t.order_id,
            order_number=target.number if whole else t.order_number,
            where=where if whole else t.where,
        )
        append_ticket(tx, "TicketMoved", after, ev.actor, to_order_id=to_order_id)
        if t.kind is d.Kind.NEW:
            slips.setdefault(t.station_id, []).extend(
                replace(
                    it,
                    id=f"move:{ev.seq}:{it.id}",
                    marker="moved",
                    status=d.Status.NEW,
                    order_id=to_order_id,
                    note=f"→ {where}",
                )
                for it in moving
                if not it.voided
            )
    for station_id, its in slips.items():
        if its:
            _create(tx, ev, station_id, target, where, d.Kind.CHANGE, its)


def _ticket(conn: Connection, ticket_id: str) -> d.Ticket:
    body = conn.execute(sa.select(tickets.c.body).where(tickets.c.id == ticket_id)).scalar_one()
    return d.Ticket.from_json(body)
