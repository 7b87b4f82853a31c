"""Delivery-platform use cases: each one transaction through the writer.

A platform order becomes one of our orders through ``ordering.service.place_order`` (our prices;
the platform's are recorded beside them and a difference is flagged). It waits *open* until
accepted, so nothing reaches the kitchen that staff did not accept (or auto-accept let through).
Every status the platform must hear about is queued in the callback outbox in the same
transaction as the fact itself; ``callbacks.py`` sends it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.channels.delivery import domain as d
from hearth.channels.delivery.domain import (
    DeliveryState,
    Intake,
    IntakeRules,
    ItemMapping,
    Pacing,
    PacingRules,
    Platform,
    PlatformOrder,
)
from hearth.channels.delivery.errors import DeliveryError
from hearth.channels.delivery.tables import delivery_callbacks, delivery_item_maps, delivery_orders
from hearth.core.config import Settings
from hearth.core.errors import not_found
from hearth.core.ids import new_id
from hearth.core.journal import Event
from hearth.core.writer import Tx
from hearth.menu import service as menu
from hearth.menu.domain import LineRequest, price_line
from hearth.ordering import service as ordering
from hearth.ordering.domain import Channel, OrderStatus
from hearth.ordering.service import Context, LineInput
from hearth.ordering.tables import order_lines, orders

# Platform error codes, the same on both platforms' answers (their shape differs).
ERR_SIGNATURE, ERR_STALE, ERR_UNKNOWN_ITEM, ERR_BUSY, ERR_INVALID, ERR_STATE = (
    1001,
    1002,
    1003,
    1004,
    1005,
    1006,
)


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    """The delivery settings, read once from Settings so the rules stay pure."""

    pacing: PacingRules
    intake: IntakeRules
    accept_timeout_ms: int
    signature_window_ms: int
    app_ids: dict[Platform, str]
    secrets: dict[Platform, str]
    callback_urls: dict[Platform, str]
    timezone: str


def config_of(s: Settings) -> DeliveryConfig:
    return DeliveryConfig(
        pacing=PacingRules(
            s.delivery_window_cap,
            s.delivery_slow_at_lines,
            s.delivery_pause_at_lines,
            s.delivery_base_minutes,
            s.delivery_step_minutes,
            s.delivery_step_lines,
        ),
        intake=IntakeRules(s.delivery_auto_accept, s.delivery_backlog_minutes * 60_000),
        accept_timeout_ms=int(s.delivery_accept_timeout_s * 1000),
        signature_window_ms=s.delivery_signature_window_s * 1000,
        app_ids={
            Platform.MEITUAN: s.delivery_meituan_app_id,
            Platform.DOUYIN: s.delivery_douyin_app_id,
        },
        secrets={
            Platform.MEITUAN: s.delivery_meituan_secret,
            Platform.DOUYIN: s.delivery_douyin_secret,
        },
        callback_urls={
            Platform.MEITUAN: s.delivery_meituan_callback_url,
            Platform.DOUYIN: s.delivery_douyin_callback_url,
        },
        timezone=s.timezone,
    )


def platform_of(value: str) -> Platform:
    try:
        return Platform(value)
    except ValueError:
        raise DeliveryError.PLATFORM_UNKNOWN.problem(
            f"{value!r} is not a delivery platform; use meituan or douyin.", field="platform"
        ) from None


def _stream(delivery_id: str) -> str:
    return f"delivery:{delivery_id}"


# -- item mapping -------------------------------------------------------------------------------
def load_mappings(conn: Connection, platform: Platform, skus: list[str]) -> dict[str, ItemMapping]:
    rows = conn.execute(
        sa.select(delivery_item_maps)
        .where(delivery_item_maps.c.platform == platform.value)
        .where(delivery_item_maps.c.sku.in_(skus))
    )
    return {r.sku: ItemMapping(r.item_id, r.spec_id, tuple(r.modifier_option_ids)) for r in rows}


def list_mappings(conn: Connection, platform: Platform | None = None) -> list[dict[str, Any]]:
    q = sa.select(delivery_item_maps).order_by(
        delivery_item_maps.c.platform, delivery_item_maps.c.sku
    )
    if platform is not None:
        q = q.where(delivery_item_maps.c.platform == platform.value)
    return [dict(r._mapping) for r in conn.execute(q)]


def set_mapping(
    tx: Tx,
    actor: str | None,
    platform: Platform,
    sku: str,
    mapping: ItemMapping,
    name: str,
    now_ms: int,
) -> dict[str, Any]:
    """Map a platform SKU to our item, spec and options; refused unless it prices as a line."""
    item = menu.load_items(tx.conn, [mapping.item_id]).get(mapping.item_id)
    if item is None:
        raise DeliveryError.ITEM_UNKNOWN.problem(
            f"There is no item {mapping.item_id!r} on this store's menu.", field="item_id"
        )
    # Pricing it now proves the spec and options belong to the item and satisfy its groups,
    # so a mapping can never turn a paying customer's order into a refusal later.
    # Hours and sold-out are about today, not about what the SKU means: left out of the check.
    timeless = replace(
        item, available_from=None, available_until=None, sold_out=False, remaining=None, active=True
    )
    price_line(
        timeless,
        LineRequest(mapping.item_id, 1, mapping.spec_id, mapping.modifier_option_ids),
        minute_of_day=0,
        now_ms=now_ms,
        field_prefix="mapping",
    )
    payload = {
        "platform": platform.value,
        "sku": sku,
        "item_id": mapping.item_id,
        "spec_id": mapping.spec_id,
        "modifier_option_ids": list(mapping.modifier_option_ids),
        "name": name,
    }
    tx.append(f"delivery-map:{platform.value}:{sku}", "DeliveryMappingSet", payload, actor)
    return payload


def remove_mapping(tx: Tx, actor: str | None, platform: Platform, sku: str) -> None:
    if not load_mappings(tx.conn, platform, [sku]):
        raise not_found(DeliveryError.MAPPING_NOT_FOUND, f"{platform.value}/{sku}")
    tx.append(
        f"delivery-map:{platform.value}:{sku}",
        "DeliveryMappingRemoved",
        {"platform": platform.value, "sku": sku},
        actor,
    )


# -- pacing -------------------------------------------------------------------------------------
def open_kitchen_lines(conn: Connection, store_id: str) -> int:
    """Lines the kitchen has and has not finished: sent lines of submitted/preparing orders."""
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(order_lines.join(orders))
            .where(orders.c.store_id == store_id)
            .where(orders.c.status.in_([OrderStatus.SUBMITTED.value, OrderStatus.PREPARING.value]))
            .where(order_lines.c.state == "sent")
        ).scalar()
        or 0
    )


def current_pacing(conn: Connection, store_id: str, rules: PacingRules, now_ms: int) -> Pacing:
    in_window = int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(delivery_orders)
            .where(delivery_orders.c.store_id == store_id)
            .where(
                delivery_orders.c.state.in_(
                    [DeliveryState.PENDING.value, DeliveryState.ACCEPTED.value]
                )
            )
            .where(delivery_orders.c.intake_at_ms > now_ms - d.WINDOW_MS)
        ).scalar()
        or 0
    )
    held = int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(delivery_orders)
            .where(delivery_orders.c.store_id == store_id)
            .where(delivery_orders.c.state == DeliveryState.HELD.value)
        ).scalar()
        or 0
    )
    return d.decide_pacing(
        rules, orders_in_window=in_window, open_lines=open_kitchen_lines(conn, store_id), held=held
    )


# -- reads --------------------------------------------------------------------------------------
def _row(conn: Connection, delivery_id: str, store_id: str) -> Any:
    row = conn.execute(
        sa.select(delivery_orders)
        .where(delivery_orders.c.id == delivery_id)
        .where(delivery_orders.c.store_id == store_id)
    ).first()
    if row is None:
        raise not_found(DeliveryError.DELIVERY_ORDER_NOT_FOUND, delivery_id)
    return row


def find(conn: Connection, store_id: str, platform: Platform, platform_order_id: str) -> Any:
    return conn.execute(
        sa.select(delivery_orders)
        .where(delivery_orders.c.store_id == store_id)
        .where(delivery_orders.c.platform == platform.value)
        .where(delivery_orders.c.platform_order_id == platform_order_id)
    ).first()


def delivery_json(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    out.pop("store_id", None)
    return out


def list_orders(
    conn: Connection, store_id: str, state: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    q = sa.select(delivery_orders).where(delivery_orders.c.store_id == store_id)
    if state:
        q = q.where(delivery_orders.c.state == state)
    q = q.order_by(delivery_orders.c.received_at_ms.desc()).limit(limit)
    return [delivery_json(r) for r in conn.execute(q)]


def callbacks_of(conn: Connection, delivery_id: str) -> list[dict[str, Any]]:
    q = (
        sa.select(delivery_callbacks)
        .where(delivery_callbacks.c.delivery_id == delivery_id)
        .order_by(delivery_callbacks.c.queued_at_ms)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def answer_of(row: Any) -> dict[str, Any]:
    """What the platform is told about its order; the same for every repeat of the webhook."""
    return {
        "delivery_id": row.id,
        "platform_order_id": row.platform_order_id,
        "order_id": row.order_id,
        "order_number": row.order_number,
        "state": row.state,
        "quoted_minutes": row.quoted_minutes,
    }


# -- use cases ----------------------------------------------------------------------------------
def receive_order(
    tx: Tx, cfg: DeliveryConfig, po: PlatformOrder, now_ms: int
) -> tuple[dict[str, Any], bool]:
    """Take a platform order: the answer for the platform, and whether it is a repeat.

    A repeat of a platform order id returns the first answer and writes nothing; an unknown
    SKU or a paused kitchen refuses the order and writes nothing either.
    """
    existing = find(tx.conn, tx.store_id, po.platform, po.platform_order_id)
    if existing is not None:
        return answer_of(existing), True
    mapped, unknown = d.map_lines(
        po, load_mappings(tx.conn, po.platform, [ln.sku for ln in po.lines])
    )
    if unknown:
        raise DeliveryError.DELIVERY_ITEM_UNKNOWN.problem(
            f"No mapping for {po.platform.value} item(s) {', '.join(unknown)}; a "
            "manager maps them under Delivery > mappings. The order was refused.",
            field="items",
            extra={"unknown_skus": unknown},
        )
    pacing = current_pacing(tx.conn, tx.store_id, cfg.pacing, now_ms)
    intake = d.decide_intake(cfg.intake, pacing, created_at_ms=po.created_at_ms, now_ms=now_ms)
    if intake is Intake.REFUSE_BUSY:
        raise DeliveryError.DELIVERY_PAUSED.problem(
            pacing.message_en, extra={"pacing": pacing.to_json()}
        )
    ctx = Context(f"platform:{po.platform.value}", now_ms, cfg.timezone)
    order = ordering.place_order(
        tx,
        ctx,
        channel=Channel.DELIVERY,
        table_id=None,
        lines=[
            LineInput(
                m.mapping.item_id, m.quantity, m.mapping.spec_id, m.mapping.modifier_option_ids
            )
            for m in mapped
        ],
        note=f"{po.platform.value} {po.platform_order_id} {po.note}".strip()[:200],
        submit=intake is Intake.ACCEPT,
    )
    ours = order.totals().total
    check = d.PriceCheck(ours, po.items_total)
    state = {
        Intake.HOLD: DeliveryState.HELD,
        Intake.ACCEPT: DeliveryState.ACCEPTED,
        Intake.AWAIT: DeliveryState.PENDING,
    }[intake]
    delivery_id = new_id()
    received = tx.append(
        _stream(delivery_id),
        "DeliveryOrderReceived",
        {
            "id": delivery_id,
            "platform": po.platform.value,
            "platform_order_id": po.platform_order_id,
            "order_id": order.id,
            "order_number": order.number,
            "state": state.value,
            "quoted_minutes": pacing.quoted_minutes,
            "platform_total": po.items_total,
            "our_total": ours,
            "price_mismatch": check.mismatch,
            "platform_paid": po.paid,
            "platform_created_at_ms": po.created_at_ms,
            "received_at_ms": now_ms,
            "intake_at_ms": None if state is DeliveryState.HELD else now_ms,
            "accept_by_ms": now_ms + cfg.accept_timeout_ms
            if state is DeliveryState.PENDING
            else None,
            "note": po.note[:200],
            "lines": [
                {
                    "sku": m.sku,
                    "quantity": m.quantity,
                    "platform_unit_price": m.platform_unit_price,
                    "item_id": m.mapping.item_id,
                    "name_zh": ln.name_zh,
                    "name_en": ln.name_en,
                }
                for m, ln in zip(mapped, order.lines, strict=True)
            ],
        },
        ctx.actor,
    )
    row = _row(tx.conn, delivery_id, tx.store_id)
    if state is DeliveryState.ACCEPTED:
        queue_callback(tx, received, row, d.CallbackStatus.ACCEPTED, ctx.actor)
    return answer_of(row), False


def accept(tx: Tx, ctx: Context, delivery_id: str, *, release: bool = False) -> dict[str, Any]:
    """Staff accept a pending order (or a manager releases a held one): it goes to the kitchen
    and the platform is told."""
    row = _row(tx.conn, delivery_id, tx.store_id)
    if release and row.state != DeliveryState.HELD.value:
        raise DeliveryError.DELIVERY_NOT_HELD.problem(
            f"Platform order {row.platform_order_id} is {row.state}; only held orders are released."
        )
    if not release and row.state == DeliveryState.HELD.value:
        raise DeliveryError.DELIVERY_HELD.problem(
            f"Platform order {row.platform_order_id} arrived late after an outage; "
            "a manager releases it when the kitchen can take it."
        )
    d.check_transition(DeliveryState(row.state), DeliveryState.ACCEPTED, row.platform_order_id)
    ordering.submit_order(tx, ctx, row.order_id)
    ev = tx.append(
        _stream(delivery_id),
        "DeliveryOrderAccepted",
        {
            "id": delivery_id,
            "by": ctx.actor,
            "released": release,
            "intake_at_ms": ctx.now_ms if release else None,
        },
        ctx.actor,
    )
    row = _row(tx.conn, delivery_id, tx.store_id)
    queue_callback(tx, ev, row, d.CallbackStatus.ACCEPTED, ctx.actor)
    return delivery_json(row)


def reject(tx: Tx, ctx: Context, delivery_id: str, reason: str) -> dict[str, Any]:
    """Refuse an order not yet accepted: our order is cancelled and the platform told."""
    row = _row(tx.conn, delivery_id, tx.store_id)
    d.check_transition(DeliveryState(row.state), DeliveryState.REJECTED, row.platform_order_id)
    ordering.cancel_order(tx, ctx, row.order_id, reason)
    ev = tx.append(
        _stream(delivery_id),
        "DeliveryOrderRejected",
        {"id": delivery_id, "reason": reason, "by": ctx.actor},
        ctx.actor,
    )
    row = _row(tx.conn, delivery_id, tx.store_id)
    queue_callback(tx, ev, row, d.CallbackStatus.CANCELLED, ctx.actor, reason=reason)
    return delivery_json(row)


def reject_overdue(tx: Tx, cfg: DeliveryConfig, now_ms: int) -> int:
    """Reject pending orders nobody accepted in time (the platform would cancel them anyway)."""
    ids = [
        r.id
        for r in tx.conn.execute(
            sa.select(delivery_orders.c.id)
            .where(delivery_orders.c.store_id == tx.store_id)
            .where(delivery_orders.c.state == DeliveryState.PENDING.value)
            .where(delivery_orders.c.accept_by_ms <= now_ms)
            .limit(100)
        )
    ]
    ctx = Context("delivery:timeout", now_ms, cfg.timezone)
    for delivery_id in ids:
        reject(tx, ctx, delivery_id, "not accepted in time")
    return len(ids)


def overdue_count(conn: Connection, store_id: str, now_ms: int) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(delivery_orders)
            .where(delivery_orders.c.store_id == store_id)
            .where(delivery_orders.c.state == DeliveryState.PENDING.value)
            .where(delivery_orders.c.accept_by_ms <= now_ms)
        ).scalar()
        or 0
    )


def platform_cancel(
    tx: Tx,
    cfg: DeliveryConfig,
    platform: Platform,
    platform_order_id: str,
    reason: str,
    now_ms: int,
) -> dict[str, Any]:
    """The platform (or its customer) cancelled. Our order is cancelled if the kitchen does not
    have it yet; otherwise it is flagged for a manager, who voids it with a PIN if it is to go."""
    row = find(tx.conn, tx.store_id, platform, platform_order_id)
    if row is None:
        raise DeliveryError.PLATFORM_ORDER_NOT_FOUND.problem(
            f"This store has no {platform.value} order {platform_order_id!r}."
        )
    if row.state in (DeliveryState.CANCELLED.value, DeliveryState.REJECTED.value):
        return answer_of(row)  # already off: a repeat, or it crossed our rejection
    ctx = Context(f"platform:{platform.value}", now_ms, cfg.timezone)
    order = ordering.get_order(tx.conn, tx.store_id, row.order_id)
    cancellable = order.status is OrderStatus.OPEN
    if cancellable:
        ordering.cancel_order(tx, ctx, row.order_id, f"cancelled on {platform.value}: {reason}")
    tx.append(
        _stream(row.id),
        "DeliveryOrderCancelledByPlatform",
        {
            "id": row.id,
            "reason": reason or "cancelled by the platform",
            "order_cancelled": cancellable,
            "needs_manager": not cancellable,
        },
        ctx.actor,
    )
    return answer_of(_row(tx.conn, row.id, tx.store_id))


def clear_flag(tx: Tx, ctx: Context, delivery_id: str) -> dict[str, Any]:
    """A manager has dealt with a platform cancellation the kitchen had already started."""
    row = _row(tx.conn, delivery_id, tx.store_id)
    if not row.needs_manager:
        raise DeliveryError.DELIVERY_NOT_FLAGGED.problem(
            f"Platform order {row.platform_order_id} needs no manager."
        )
    tx.append(_stream(delivery_id), "DeliveryFlagCleared", {"id": delivery_id}, ctx.actor)
    return delivery_json(_row(tx.conn, delivery_id, tx.store_id))


def ready_unpaid(conn: Connection, store_id: str, limit: int = 50) -> list[Any]:
    """Accepted platform orders the kitchen finished that are not yet paid in our books: the
    platform collected the money, so a ``platform`` tender settles them at handover. (Not at
    arrival: a paid order cannot be marked ready any more, and ready is what the courier and
    the platform wait for.)"""
    return list(
        conn.execute(
            sa.select(
                delivery_orders.c.id,
                delivery_orders.c.order_id,
                delivery_orders.c.platform,
                orders.c.total,
            )
            .select_from(delivery_orders.join(orders, orders.c.id == delivery_orders.c.order_id))
            .where(delivery_orders.c.store_id == store_id)
            .where(delivery_orders.c.state == DeliveryState.ACCEPTED.value)
            .where(orders.c.status.in_([OrderStatus.READY.value, OrderStatus.SERVED.value]))
            .limit(limit)
        )
    )


# -- the callback outbox ------------------------------------------------------------------------
def queue_callback(
    tx: Tx, source: Event, row: Any, status: d.CallbackStatus, actor: str | None, reason: str = ""
) -> None:
    """Queue a status callback, keyed by the event it reports: queued at most once each.

    A platform hears "ready" once per order: an order the kitchen takes back (a recalled
    dish) and finishes again is ready again for us, not for the courier already on the way.
    """
    exists = tx.conn.execute(
        sa.select(delivery_callbacks.c.id).where(delivery_callbacks.c.id == source.event_id)
    ).first()
    if exists:
        return
    if (
        status is d.CallbackStatus.READY
        and tx.conn.execute(
            sa.select(delivery_callbacks.c.id)
            .where(delivery_callbacks.c.delivery_id == row.id)
            .where(delivery_callbacks.c.status == status.value)
        ).first()
    ):
        return
    payload = {
        "event_id": source.event_id,
        "platform_order_id": row.platform_order_id,
        "status": status.value,
        "order_number": row.order_number,
        "quoted_minutes": row.quoted_minutes,
        "reason": reason,
        "at_ms": source.recorded_at_ms,
    }
    tx.append(
        _stream(row.id),
        "DeliveryCallbackQueued",
        {
            "id": source.event_id,
            "delivery_id": row.id,
            "platform": row.platform,
            "status": status.value,
            "payload": payload,
        },
        actor,
    )


def queued_callbacks(conn: Connection, store_id: str, limit: int = 500) -> list[Any]:
    return list(
        conn.execute(
            sa.select(delivery_callbacks)
            .where(delivery_callbacks.c.store_id == store_id)
            .where(delivery_callbacks.c.state == "queued")
            .order_by(delivery_callbacks.c.queued_at_ms)
            .limit(limit)
        )
    )


def mark_sent(tx: Tx, callback_id: str, delivery_id: str, attempts: int) -> None:
    state = tx.conn.execute(
        sa.select(delivery_callbacks.c.state).where(delivery_callbacks.c.id == callback_id)
    ).scalar()
    if state == "queued":
        tx.append(
            _stream(delivery_id),
            "DeliveryCallbackSent",
            {"id": callback_id, "attempts": attempts},
            None,
        )


def callbacks_for_events(events: list[Event]) -> Any:
    """The journal subscriber: an order of ours that became ready, or was voided by staff after
    it was accepted, is reported to its platform. Returns a command, or None."""
    wanted = [
        e
        for e in events
        if (e.type == "OrderStatusChanged" and e.payload.get("to") == "ready")
        or e.type == "OrderVoided"
    ]
    if not wanted:
        return None

    def command(tx: Tx) -> None:
        for ev in wanted:
            order_id = ev.stream.split(":", 1)[1]
            row = tx.conn.execute(
                sa.select(delivery_orders).where(delivery_orders.c.order_id == order_id)
            ).first()
            if row is None or row.state != DeliveryState.ACCEPTED.value:
                continue
            if ev.type == "OrderVoided":
                queue_callback(
                    tx,
                    ev,
                    row,
                    d.CallbackStatus.CANCELLED,
                    None,
                    reason=str(ev.payload.get("reason", "")),
                )
            else:
                queue_callback(tx, ev, row, d.CallbackStatus.READY, None)

    return command
