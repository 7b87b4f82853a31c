"""The journal subscriber that moves stock as the kitchen is sent orders.

It reads ordering events from its own cursor (core/subscribers.py), so a slow or failing
inventory never slows or stops taking orders; its moves are written in the same transaction
that moves its cursor, and each is keyed by (source event, line, ingredient), so a replay or a
retry moves nothing twice. Lines are read as they were at the sending event (the order's own
events up to it), like the kitchen's routing.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.journal import Event, stream_events
from hearth.core.node import Node
from hearth.core.subscribers import Subscriber
from hearth.core.writer import Tx
from hearth.inventory import domain as d
from hearth.inventory import service
from hearth.inventory.projections import INVENTORY_ACTOR
from hearth.kitchen.domain import Kind, Status
from hearth.kitchen.tables import ticket_items
from hearth.ordering.domain import Line, LineState, Order, OrderEvent, evolve_all
from hearth.ordering.projections import ORDER_EVENTS

NAME = "inventory.stock"
_ORDER_EVENTS = frozenset(ORDER_EVENTS)
WATCHED = frozenset({"LinesSent", "LineVoided", "OrderVoided"})


def subscriber(node: Node) -> Subscriber:
    tz = node.settings.timezone

    def handle(events: list[Event]) -> Callable[[Tx], None] | None:
        relevant = [e for e in events if e.type in WATCHED]
        if not relevant:
            return None

        def command(tx: Tx) -> None:
            book = service.load_book(tx.conn)
            touched: set[str] = set()
            last = relevant[-1].recorded_at_ms
            for ev in relevant:
                ctx = service.Ctx(INVENTORY_ACTOR, ev.recorded_at_ms, tz)
                touched |= handle_event(tx, ctx, ev, book)
            service.react(tx, service.Ctx(INVENTORY_ACTOR, last, tz), touched)

        return command

    return Subscriber(NAME, handle, batch_size=200)


def subscribers(node: Node) -> list[Subscriber]:
    return [subscriber(node)]


def _order_at(conn: Connection, ev: Event) -> Order:
    history = [
        OrderEvent(e.type, e.payload)
        for e in stream_events(conn, ev.stream)
        if e.stream_version <= ev.stream_version and e.type in _ORDER_EVENTS
    ]
    return evolve_all(None, history)


def sold_line(ln: Line) -> d.SoldLine:
    return d.SoldLine(
        item_id=ln.item_id,
        quantity=ln.quantity,
        spec_id=ln.spec_id,
        option_ids=tuple(m["option_id"] for m in ln.modifiers),
        combo_item_ids=tuple(c["item_id"] for c in ln.combo_items),
    )


def _cooked(conn: Connection, line_ids: list[str]) -> set[str]:
    """Lines a station has started or finished (a void then wastes what was used)."""
    if not line_ids:
        return set()
    return {
        r[0]
        for r in conn.execute(
            sa.select(ticket_items.c.line_id)
            .where(ticket_items.c.line_id.in_(line_ids))
            .where(ticket_items.c.kind == Kind.NEW.value)
            .where(ticket_items.c.status != Status.NEW.value)
        )
    }


def handle_event(tx: Tx, ctx: service.Ctx, ev: Event, book: d.RecipeBook) -> set[str]:
    match ev.type:
        case "LinesSent":
            if not (book.items or book.specs or book.options):
                return set()  # no recipes: this store does not count stock
            order = _order_at(tx.conn, ev)
            sent = set(ev.payload["line_ids"])
            lines = [(ln.id, sold_line(ln)) for ln in order.lines if ln.id in sent]
            return service.deduct_sale(tx, ctx, ev.event_id, lines, book)
        case "LineVoided":
            if not ev.payload.get("was_sent"):
                return set()
            ids = [ev.payload["line_id"]]
            return service.reverse_lines(tx, ctx, ev.event_id, ids, _cooked(tx.conn, ids))
        case "OrderVoided":
            order = _order_at(tx.conn, ev)
            ids = [ln.id for ln in order.lines if ln.state is not LineState.PENDING]
            return service.reverse_lines(tx, ctx, ev.event_id, ids, _cooked(tx.conn, ids))
    return set()
