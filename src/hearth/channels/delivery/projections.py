"""Delivery projectors: fold the delivery events into the mapping, order and outbox tables.

Timestamps come from the event (``recorded_at_ms`` or the payload), never the clock, so a
rebuild reproduces the rows exactly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from hearth.channels.delivery.tables import delivery_callbacks, delivery_item_maps, delivery_orders
from hearth.core.journal import Event, ProjectorRegistry

projectors = ProjectorRegistry()
projectors.owns(delivery_item_maps, delivery_orders, delivery_callbacks)


def _order(conn: Connection, ev: Event, **values: Any) -> None:
    conn.execute(
        delivery_orders.update()
        .where(delivery_orders.c.id == ev.payload["id"])
        .values(updated_at_ms=ev.recorded_at_ms, **values)
    )


@projectors.on("DeliveryMappingSet")
def _mapping_set(conn: Connection, ev: Event) -> None:
    p = ev.payload
    key = (delivery_item_maps.c.platform == p["platform"]) & (delivery_item_maps.c.sku == p["sku"])
    conn.execute(delivery_item_maps.delete().where(key))
    conn.execute(
        delivery_item_maps.insert().values(
            platform=p["platform"],
            sku=p["sku"],
            store_id=ev.store_id,
            item_id=p["item_id"],
            spec_id=p.get("spec_id"),
            modifier_option_ids=list(p.get("modifier_option_ids", [])),
            name=p.get("name", ""),
            updated_at_ms=ev.recorded_at_ms,
        )
    )


@projectors.on("DeliveryMappingRemoved")
def _mapping_removed(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        delivery_item_maps.delete().where(
            (delivery_item_maps.c.platform == p["platform"])
            & (delivery_item_maps.c.sku == p["sku"])
        )
    )


ORDER_FIELDS = (
    "id",
    "platform",
    "platform_order_id",
    "order_id",
    "order_number",
    "state",
    "quoted_minutes",
    "platform_total",
    "our_total",
    "price_mismatch",
    "platform_paid",
    "platform_created_at_ms",
    "received_at_ms",
    "intake_at_ms",
    "accept_by_ms",
    "note",
    "lines",
)


@projectors.on("DeliveryOrderReceived")
def _received(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        delivery_orders.insert().values(
            store_id=ev.store_id,
            needs_manager=False,
            reason=None,
            updated_at_ms=ev.recorded_at_ms,
            **{k: p[k] for k in ORDER_FIELDS},
        )
    )


@projectors.on("DeliveryOrderAccepted")
def _accepted(conn: Connection, ev: Event) -> None:
    values: dict[str, Any] = {"state": "accepted", "accept_by_ms": None}
    if ev.payload.get("intake_at_ms") is not None:
        values["intake_at_ms"] = ev.payload["intake_at_ms"]
    _order(conn, ev, **values)


@projectors.on("DeliveryOrderRejected")
def _rejected(conn: Connection, ev: Event) -> None:
    _order(conn, ev, state="rejected", accept_by_ms=None, reason=ev.payload["reason"][:200])


@projectors.on("DeliveryOrderCancelledByPlatform")
def _cancelled(conn: Connection, ev: Event) -> None:
    _order(
        conn,
        ev,
        state="cancelled",
        accept_by_ms=None,
        reason=ev.payload["reason"][:200],
        needs_manager=bool(ev.payload["needs_manager"]),
    )


@projectors.on("DeliveryFlagCleared")
def _flag_cleared(conn: Connection, ev: Event) -> None:
    _order(conn, ev, needs_manager=False)


@projectors.on("DeliveryCallbackQueued")
def _queued(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        delivery_callbacks.insert().values(
            id=p["id"],
            store_id=ev.store_id,
            delivery_id=p["delivery_id"],
            platform=p["platform"],
            status=p["status"],
            payload=p["payload"],
            state="queued",
            attempts=0,
            queued_at_ms=ev.recorded_at_ms,
            sent_at_ms=None,
        )
    )


@projectors.on("DeliveryCallbackSent")
def _sent(conn: Connection, ev: Event) -> None:
    conn.execute(
        delivery_callbacks.update()
        .where(delivery_callbacks.c.id == ev.payload["id"])
        .values(state="sent", attempts=ev.payload["attempts"], sent_at_ms=ev.recorded_at_ms)
    )
