"""Kitchen projectors: stations, routing rules and tickets.

Every ticket event carries the ticket as it is after the action (decided by kitchen/domain.py),
so the projector only writes it down; a rebuild writes the same rows from the same events.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from hearth.core.journal import Event, ProjectorRegistry
from hearth.kitchen.domain import Ticket
from hearth.kitchen.tables import routing_rules, station_timing, stations, ticket_items, tickets

projectors = ProjectorRegistry()
projectors.owns(stations, station_timing, routing_rules, tickets, ticket_items)

TICKET_EVENTS = (
    "TicketCreated",
    "TicketStarted",
    "TicketBumped",
    "TicketRecalled",
    "TicketUndone",
    "TicketRushed",
    "TicketPrinted",
    "TicketItemsVoided",
    "TicketMoved",
)


@projectors.on("StationCreated")
def _station(conn: Connection, ev: Event) -> None:
    conn.execute(stations.insert().values(store_id=ev.store_id, **ev.payload))


@projectors.on("StationTimingSet")
def _timing(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(station_timing.delete().where(station_timing.c.station_id == p["station_id"]))
    conn.execute(
        station_timing.insert().values(
            station_id=p["station_id"], warn_s=p["warn_s"], late_s=p["late_s"]
        )
    )


@projectors.on("RoutingRuleSet")
def _rule(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(routing_rules.delete().where(routing_rules.c.id == p["id"]))
    conn.execute(
        routing_rules.insert().values(
            id=p["id"],
            store_id=ev.store_id,
            category_id=p.get("category_id"),
            item_id=p.get("item_id"),
            station_ids=list(p["station_ids"]),
        )
    )


@projectors.on("RoutingRuleRemoved")
def _rule_removed(conn: Connection, ev: Event) -> None:
    conn.execute(routing_rules.delete().where(routing_rules.c.id == ev.payload["id"]))


def _row(t: Ticket, store_id: str) -> dict[str, Any]:
    return {
        "id": t.id,
        "store_id": store_id,
        "station_id": t.station_id,
        "order_id": t.order_id,
        "order_number": t.order_number,
        "where": t.where,
        "kind": t.kind.value,
        "status": t.status.value,
        "rush": t.rush,
        "printed": t.printed,
        "version": t.version,
        "sent_at_ms": t.sent_at_ms,
        "started_at_ms": t.started_at_ms,
        "done_at_ms": t.done_at_ms,
        "body": t.to_json(),
    }


@projectors.on(*TICKET_EVENTS)
def project_ticket(conn: Connection, ev: Event) -> None:
    t = Ticket.from_json(ev.payload["ticket"])
    row = _row(t, ev.store_id) | {"updated_seq": ev.seq}
    if ev.type == "TicketCreated":
        conn.execute(tickets.insert().values(source_seq=ev.payload["source_seq"], **row))
    else:
        conn.execute(tickets.update().where(tickets.c.id == t.id).values(**row))
        conn.execute(ticket_items.delete().where(ticket_items.c.ticket_id == t.id))
    if t.items:
        conn.execute(
            ticket_items.insert(),
            [
                {
                    "ticket_id": t.id,
                    "id": it.id,
                    "station_id": t.station_id,
                    "order_id": it.order_id,
                    "line_id": it.line_id,
                    "item_id": it.item_id,
                    "kind": t.kind.value,
                    "quantity": it.quantity,
                    "status": it.status.value,
                    "voided": it.voided,
                }
                for it in t.items
            ],
        )
