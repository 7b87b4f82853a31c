"""Order rules: the state machine, lines, discounts, splits and totals, as pure functions.

Every change is *decided* by a function that checks the rules and returns events (facts, in the
past tense), and *applied* by ``evolve``, the only function that builds a new order from an
event. The service appends the events to the journal and the projector calls ``evolve``, so the
order a cashier sees and the order a rebuild produces come from the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from hearth.core.errors import Problem
from hearth.core.money import BASIS_POINTS, allocate, round_half_up_div, tax_inclusive
from hearth.menu.domain import PricedLine
from hearth.ordering.errors import OrderingError


class OrderStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    PREPARING = "preparing"
    READY = "ready"
    SERVED = "served"
    PAID = "paid"
    CLOSED = "closed"
    VOIDED = "voided"
    CANCELLED = "cancelled"
    MERGED = "merged"


S = OrderStatus
KITCHEN_STATES = frozenset({S.SUBMITTED, S.PREPARING, S.READY, S.SERVED})
ACTIVE = frozenset({S.OPEN}) | KITCHEN_STATES
FINAL = frozenset({S.CLOSED, S.VOIDED, S.CANCELLED, S.MERGED})

# The order state machine. More food ordered at a table that was served sends it back to
# "submitted"; a dish the kitchen recalls after the order was ready sends it back to
# "preparing"; reopening a paid bill (manager only) sends it back to "served".
TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    S.OPEN: frozenset({S.SUBMITTED, S.CANCELLED, S.MERGED}),
    S.SUBMITTED: frozenset({S.PREPARING, S.READY, S.SERVED, S.PAID, S.VOIDED, S.MERGED}),
    S.PREPARING: frozenset({S.READY, S.SERVED, S.PAID, S.VOIDED, S.SUBMITTED, S.MERGED}),
    S.READY: frozenset({S.PREPARING, S.SERVED, S.PAID, S.VOIDED, S.SUBMITTED, S.MERGED}),
    S.SERVED: frozenset({S.PAID, S.VOIDED, S.SUBMITTED, S.MERGED}),
    S.PAID: frozenset({S.CLOSED, S.SERVED}),
    S.CLOSED: frozenset(),
    S.VOIDED: frozenset(),
    S.CANCELLED: frozenset(),
    S.MERGED: frozenset(),
}


class Channel(StrEnum):
    DINE_IN = "dine_in"
    TAKEAWAY = "takeaway"
    DELIVERY = "delivery"


class LineState(StrEnum):
    PENDING = "pending"  # on the order, not yet sent to the kitchen
    SENT = "sent"
    VOIDED = "voided"


class DiscountKind(StrEnum):
    PERCENT = "percent"  # value in basis points
    AMOUNT = "amount"  # value in minor units


@dataclass(frozen=True, slots=True)
class Discount:
    kind: DiscountKind
    value: int
    reason: str = ""
    approved_by: str | None = None

    def amount_of(self, base: int) -> int:
        if self.kind is DiscountKind.PERCENT:
            return min(base, round_half_up_div(base * self.value, BASIS_POINTS))
        return min(base, self.value)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "value": self.value,
            "reason": self.reason,
            "approved_by": self.approved_by,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> Discount | None:
        if not d:
            return None
        return cls(DiscountKind(d["kind"]), d["value"], d.get("reason", ""), d.get("approved_by"))


@dataclass(frozen=True, slots=True)
class Line:
    id: str
    item_id: str
    kind: str
    name_zh: str
    name_en: str
    unit_price: int
    quantity: int
    tax_rate_bp: int = 0
    spec_id: str | None = None
    spec_name_zh: str | None = None
    spec_name_en: str | None = None
    modifiers: tuple[dict[str, Any], ...] = ()
    combo_items: tuple[dict[str, Any], ...] = ()
    station_id: str | None = None
    seat: int | None = None
    course: int = 1
    held: bool = False
    note: str = ""
    state: LineState = LineState.PENDING
    discount: Discount | None = None
    void_reason: str | None = None

    @property
    def gross(self) -> int:
        return 0 if self.state is LineState.VOIDED else self.unit_price * self.quantity

    @property
    def discount_amount(self) -> int:
        return self.discount.amount_of(self.gross) if self.discount else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "item_id": self.item_id,
            "kind": self.kind,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "unit_price": self.unit_price,
            "quantity": self.quantity,
            "tax_rate_bp": self.tax_rate_bp,
            "spec_id": self.spec_id,
            "spec_name_zh": self.spec_name_zh,
            "spec_name_en": self.spec_name_en,
            "modifiers": list(self.modifiers),
            "combo_items": list(self.combo_items),
            "station_id": self.station_id,
            "seat": self.seat,
            "course": self.course,
            "held": self.held,
            "note": self.note,
            "state": self.state.value,
            "discount": self.discount.to_json() if self.discount else None,
            "void_reason": self.void_reason,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Line:
        return cls(
            id=d["id"],
            item_id=d["item_id"],
            kind=d["kind"],
            name_zh=d["name_zh"],
            name_en=d["name_en"],
            unit_price=d["unit_price"],
            quantity=d["quantity"],
            tax_rate_bp=d.get("tax_rate_bp", 0),
            spec_id=d.get("spec_id"),
            spec_name_zh=d.get("spec_name_zh"),
            spec_name_en=d.get("spec_name_en"),
            modifiers=tuple(d.get("modifiers") or ()),
            combo_items=tuple(d.get("combo_items") or ()),
            station_id=d.get("station_id"),
            seat=d.get("seat"),
            course=d.get("course", 1),
            held=d.get("held", False),
            note=d.get("note", ""),
            state=LineState(d.get("state", "pending")),
            discount=Discount.from_json(d.get("discount")),
            void_reason=d.get("void_reason"),
        )


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: int
    line_discounts: int
    order_discount: int
    service_charge: int
    tax: int
    total: int

    def to_json(self) -> dict[str, int]:
        return {
            "subtotal": self.subtotal,
            "line_discounts": self.line_discounts,
            "order_discount": self.order_discount,
            "service_charge": self.service_charge,
            "tax": self.tax,
            "total": self.total,
        }


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    number: int
    business_date: str
    channel: Channel
    status: OrderStatus = S.OPEN
    table_id: str | None = None
    guests: int = 0
    lines: tuple[Line, ...] = ()
    discount: Discount | None = None
    service_charge_bp: int = 0
    note: str = ""
    opened_at_ms: int = 0
    currency: str = "CNY"
    merged_into: str | None = None
    split_from: str | None = None
    void_reason: str | None = None
    bill_requested: bool = False

    def line(self, line_id: str) -> Line:
        for ln in self.lines:
            if ln.id == line_id:
                return ln
        raise OrderingError.LINE_NOT_FOUND.problem(
            f"Line {line_id!r} is not on order #{self.number}.", field="line_id"
        )

    @property
    def live_lines(self) -> tuple[Line, ...]:
        return tuple(ln for ln in self.lines if ln.state is not LineState.VOIDED)

    def totals(self) -> Totals:
        return compute_totals(self)


def compute_totals(order: Order) -> Totals:
    """Totals from the lines, always: subtotal, discounts, service charge and included tax."""
    lines = order.live_lines
    subtotal = sum(ln.gross for ln in lines)
    nets = [ln.gross - ln.discount_amount for ln in lines]
    line_discounts = subtotal - sum(nets)
    after_lines = sum(nets)
    order_discount = order.discount.amount_of(after_lines) if order.discount else 0
    shares = allocate(order_discount, nets) if nets else []
    final_nets = [n - s for n, s in zip(nets, shares, strict=True)]
    discounted = after_lines - order_discount
    service = round_half_up_div(discounted * order.service_charge_bp, BASIS_POINTS)
    tax = sum(tax_inclusive(n, ln.tax_rate_bp).tax for n, ln in zip(final_nets, lines, strict=True))
    return Totals(subtotal, line_discounts, order_discount, service, tax, discounted + service)


# -- events -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OrderEvent:
    type: str
    payload: dict[str, Any] = field(default_factory=dict)


def evolve(order: Order | None, ev: OrderEvent) -> Order:
    """Apply one event. The only place an order changes; pure, so a rebuild is exact."""
    p = ev.payload
    if ev.type == "OrderOpened":
        return Order(
            id=p["id"],
            number=p["number"],
            business_date=p["business_date"],
            channel=Channel(p["channel"]),
            table_id=p.get("table_id"),
            guests=p.get("guests", 0),
            service_charge_bp=p.get("service_charge_bp", 0),
            note=p.get("note", ""),
            opened_at_ms=p["opened_at_ms"],
            currency=p.get("currency", "CNY"),
            split_from=p.get("split_from"),
        )
    if order is None:
        raise ValueError(f"{ev.type} before OrderOpened")
    match ev.type:
        case "LinesAdded" | "LinesMovedIn":
            return replace(order, lines=order.lines + tuple(Line.from_json(d) for d in p["lines"]))
        case "LineRemoved" | "LinesMovedOut":
            gone = set(p["line_ids"])
            return replace(order, lines=tuple(ln for ln in order.lines if ln.id not in gone))
        case "LineVoided":
            return _map_lines(
                order,
                {p["line_id"]},
                lambda ln: replace(ln, state=LineState.VOIDED, void_reason=p["reason"]),
            )
        case "LinesSent":
            sent = set(p["line_ids"])
            order = _map_lines(
                order, sent, lambda ln: replace(ln, state=LineState.SENT, held=False)
            )
            to = OrderStatus(p["status"])
            return replace(order, status=to)
        case "LineDiscountApplied":
            d = Discount.from_json(p["discount"])
            return _map_lines(order, {p["line_id"]}, lambda ln: replace(ln, discount=d))
        case "OrderDiscountApplied":
            return replace(order, discount=Discount.from_json(p["discount"]))
        case "ServiceChargeSet":
            return replace(order, service_charge_bp=p["bp"])
        case "OrderStatusChanged" | "OrderReopened":
            return replace(order, status=OrderStatus(p["to"]))
        case "OrderVoided":
            return replace(order, status=S.VOIDED, void_reason=p["reason"])
        case "OrderCancelled":
            return replace(order, status=S.CANCELLED, void_reason=p["reason"])
        case "OrderMerged":
            return replace(order, status=S.MERGED, merged_into=p["into"], lines=())
        case "TableTransferred":
            return replace(order, table_id=p["to_table"])
        case "BillRequested":
            return replace(order, bill_requested=True)
        case "GuestsSet":
            return replace(order, guests=p["guests"])
    raise ValueError(f"unknown order event {ev.type}")


def _map_lines(order: Order, ids: set[str], fn: Any) -> Order:
    return replace(order, lines=tuple(fn(ln) if ln.id in ids else ln for ln in order.lines))


def evolve_all(order: Order | None, events: Iterable[OrderEvent]) -> Order:
    for ev in events:
        order = evolve(order, ev)
    if order is None:
        raise ValueError("no events")
    return order


# -- decisions ----------------------------------------------------------------------------------
def _require_status(order: Order, allowed: Iterable[OrderStatus], action: str) -> None:
    if order.status not in set(allowed):
        raise OrderingError.ORDER_STATE.problem(
            f"Order #{order.number} is {order.status.value}; cannot {action}.", action=action
        )


def transition(order: Order, to: OrderStatus) -> OrderEvent:
    if to not in TRANSITIONS[order.status]:
        raise OrderingError.ORDER_TRANSITION.problem(
            f"Order #{order.number} cannot go from {order.status.value} to {to.value}."
        )
    return OrderEvent("OrderStatusChanged", {"from": order.status.value, "to": to.value})


@dataclass(frozen=True, slots=True)
class NewLine:
    id: str
    priced: PricedLine
    quantity: int
    seat: int | None = None
    course: int = 1
    held: bool = False
    note: str = ""


MAX_QUANTITY = 999
MAX_NOTE = 200


def open_order(
    *,
    order_id: str,
    number: int,
    business_date: str,
    channel: Channel,
    table_id: str | None,
    guests: int,
    opened_at_ms: int,
    service_charge_bp: int = 0,
    note: str = "",
    split_from: str | None = None,
) -> OrderEvent:
    if channel is Channel.DINE_IN and table_id is None and split_from is None:
        raise OrderingError.TABLE_REQUIRED.problem(
            "A dine-in order needs a table.", field="table_id"
        )
    if not 0 <= guests <= 100:
        raise OrderingError.GUESTS_INVALID.problem("Guests must be 0 to 100.", field="guests")
    return OrderEvent(
        "OrderOpened",
        {
            "id": order_id,
            "number": number,
            "business_date": business_date,
            "channel": channel.value,
            "table_id": table_id,
            "guests": guests,
            "opened_at_ms": opened_at_ms,
            "service_charge_bp": service_charge_bp,
            "note": note,
            "split_from": split_from,
        },
    )


def add_lines(order: Order, new: list[NewLine]) -> OrderEvent:
    _require_status(order, ACTIVE, "add items")
    if not new:
        raise OrderingError.LINES_EMPTY.problem("Add at least one item.", field="lines")
    lines = []
    for i, n in enumerate(new):
        if not 1 <= n.quantity <= MAX_QUANTITY:
            raise OrderingError.QUANTITY_INVALID.problem(
                f"Quantity {n.quantity} is not allowed.", field=f"lines[{i}].quantity"
            )
        if n.seat is not None and not 1 <= n.seat <= 100:
            raise OrderingError.SEAT_INVALID.problem(f"Seat {n.seat}.", field=f"lines[{i}].seat")
        if not 1 <= n.course <= 9:
            raise OrderingError.COURSE_INVALID.problem(
                f"Course {n.course}.", field=f"lines[{i}].course"
            )
        if len(n.note) > MAX_NOTE:
            raise OrderingError.NOTE_TOO_LONG.problem(
                f"At most {MAX_NOTE} characters.", field=f"lines[{i}].note"
            )
        p = n.priced
        lines.append(
            Line(
                id=n.id,
                item_id=p.item_id,
                kind=p.kind.value,
                name_zh=p.name_zh,
                name_en=p.name_en,
                unit_price=p.unit_price,
                quantity=n.quantity,
                tax_rate_bp=p.tax_rate_bp,
                spec_id=p.spec_id,
                spec_name_zh=p.spec_name_zh,
                spec_name_en=p.spec_name_en,
                modifiers=tuple(
                    {
                        "group_id": m.group_id,
                        "option_id": m.option_id,
                        "name_zh": m.name_zh,
                        "name_en": m.name_en,
                        "price_delta": m.price_delta,
                    }
                    for m in p.modifiers
                ),
                combo_items=tuple(
                    {
                        "slot_id": c.slot_id,
                        "item_id": c.item_id,
                        "name_zh": c.name_zh,
                        "name_en": c.name_en,
                        "upcharge": c.upcharge,
                    }
                    for c in p.combo_items
                ),
                station_id=p.station_id,
                seat=n.seat,
                course=n.course,
                held=n.held,
                note=n.note,
            ).to_json()
        )
    return OrderEvent("LinesAdded", {"lines": lines})


def remove_line(order: Order, line_id: str) -> OrderEvent:
    """Take back a line the kitchen never saw; a sent line must be voided instead."""
    _require_status(order, ACTIVE, "remove items")
    ln = order.line(line_id)
    if ln.state is not LineState.PENDING:
        raise OrderingError.LINE_ALREADY_SENT.problem(
            f"{ln.name_en} was sent to the kitchen; void it with a manager's approval."
        )
    return OrderEvent("LineRemoved", {"line_ids": [line_id]})


def void_line(order: Order, line_id: str, reason: str, approved_by: str | None) -> OrderEvent:
    _require_status(order, ACTIVE, "void items")
    ln = order.line(line_id)
    if ln.state is LineState.VOIDED:
        raise OrderingError.LINE_ALREADY_VOIDED.problem(f"{ln.name_en} is voided.")
    _require_reason(reason)
    if ln.state is LineState.SENT and approved_by is None:
        raise manager_approval_required("void an item the kitchen has")
    return OrderEvent(
        "LineVoided",
        {
            "line_id": line_id,
            "reason": reason,
            "approved_by": approved_by,
            "was_sent": ln.state is LineState.SENT,
        },
    )


def submit(order: Order) -> OrderEvent:
    """Send every pending line that is not held; the order moves to (or back to) submitted."""
    _require_status(order, ACTIVE, "send to the kitchen")
    to_send = [ln.id for ln in order.lines if ln.state is LineState.PENDING and not ln.held]
    if not to_send:
        raise OrderingError.NOTHING_TO_SEND.problem("Every item is already sent or on hold.")
    return OrderEvent("LinesSent", {"line_ids": to_send, "status": _sent_status(order).value})


def fire_course(order: Order, course: int) -> OrderEvent:
    """Release the held lines of one course to the kitchen ("fire the mains")."""
    _require_status(order, ACTIVE, "fire a course")
    to_send = [ln.id for ln in order.lines if ln.state is LineState.PENDING and ln.course == course]
    if not to_send:
        raise OrderingError.NOTHING_TO_FIRE.problem(f"Course {course} has nothing waiting.")
    return OrderEvent(
        "LinesSent", {"line_ids": to_send, "status": _sent_status(order).value, "course": course}
    )


def _sent_status(order: Order) -> OrderStatus:
    return order.status if order.status in (S.SUBMITTED, S.PREPARING) else S.SUBMITTED


def void_order(order: Order, reason: str, approved_by: str | None) -> OrderEvent:
    _require_reason(reason)
    if S.VOIDED not in TRANSITIONS[order.status]:
        raise OrderingError.ORDER_CANNOT_VOID.problem(
            f"Order #{order.number} is {order.status.value}; "
            + ("cancel it instead." if order.status is S.OPEN else "it cannot be voided.")
        )
    if approved_by is None:
        raise manager_approval_required("void an order")
    return OrderEvent(
        "OrderVoided", {"reason": reason, "approved_by": approved_by, "from": order.status.value}
    )


def cancel_order(order: Order, reason: str) -> OrderEvent:
    _require_reason(reason)
    if S.CANCELLED not in TRANSITIONS[order.status]:
        raise OrderingError.ORDER_CANNOT_CANCEL.problem(
            f"Order #{order.number} was sent to the kitchen; void it instead."
        )
    return OrderEvent("OrderCancelled", {"reason": reason})


def reopen(order: Order, reason: str, approved_by: str | None) -> OrderEvent:
    _require_reason(reason)
    if order.status is not S.PAID:
        raise OrderingError.ORDER_REOPEN_NOT_PAID.problem(
            f"Order #{order.number} is {order.status.value}."
        )
    if approved_by is None:
        raise manager_approval_required("reopen a paid order")
    return OrderEvent(
        "OrderReopened",
        {"from": "paid", "to": S.SERVED.value, "reason": reason, "approved_by": approved_by},
    )


def discount_needs_approval(discount: Discount, base: int, limit_bp: int) -> bool:
    """Small discounts are the cashier's call; larger ones need a manager's PIN."""
    if discount.kind is DiscountKind.PERCENT:
        return discount.value > limit_bp
    return discount.value * BASIS_POINTS > base * limit_bp


def apply_discount(
    order: Order, line_id: str | None, discount: Discount, limit_bp: int
) -> OrderEvent:
    _require_status(order, ACTIVE, "give a discount")
    if discount.kind is DiscountKind.PERCENT and not 0 < discount.value <= BASIS_POINTS:
        raise OrderingError.DISCOUNT_INVALID.problem(
            "A percentage discount is between 0.01% and 100%.", field="value"
        )
    if discount.kind is DiscountKind.AMOUNT and discount.value <= 0:
        raise OrderingError.DISCOUNT_INVALID.problem(
            "An amount discount must be positive.", field="value"
        )
    if line_id is not None:
        ln = order.line(line_id)
        if ln.state is LineState.VOIDED:
            raise OrderingError.LINE_VOIDED.problem("Cannot discount it.")
        base = ln.gross
    else:
        base = sum(ln.gross - ln.discount_amount for ln in order.live_lines)
    if discount.kind is DiscountKind.AMOUNT and discount.value > base:
        raise OrderingError.DISCOUNT_TOO_LARGE.problem(
            f"The discount {discount.value} is more than {base}.", field="value"
        )
    if discount_needs_approval(discount, base, limit_bp) and discount.approved_by is None:
        raise manager_approval_required("give a discount this large")
    if line_id is not None:
        return OrderEvent(
            "LineDiscountApplied", {"line_id": line_id, "discount": discount.to_json()}
        )
    return OrderEvent("OrderDiscountApplied", {"discount": discount.to_json()})


def set_service_charge(order: Order, bp: int) -> OrderEvent:
    _require_status(order, ACTIVE, "change the service charge")
    if not 0 <= bp <= 3000:
        raise OrderingError.SERVICE_CHARGE_INVALID.problem(
            "A service charge is between 0% and 30%.", field="bp"
        )
    return OrderEvent("ServiceChargeSet", {"bp": bp})


def transfer_table(order: Order, to_table: str) -> OrderEvent:
    _require_status(order, ACTIVE, "move to another table")
    if order.table_id == to_table:
        raise OrderingError.SAME_TABLE.problem("Choose another table.", field="table_id")
    return OrderEvent("TableTransferred", {"from_table": order.table_id, "to_table": to_table})


def merge(source: Order, target: Order) -> tuple[OrderEvent, OrderEvent]:
    """Move every line of ``source`` onto ``target`` (two tables eating as one party)."""
    if source.id == target.id:
        raise OrderingError.MERGE_SAME_ORDER.problem(
            "Choose two different orders.", field="into_order_id"
        )
    _require_status(source, ACTIVE, "merge")
    _require_status(target, ACTIVE, "merge into")
    if source.discount is not None:
        raise OrderingError.MERGE_DISCOUNTED.problem("Remove the bill discount before merging.")
    moved = [ln.to_json() for ln in source.lines]
    line_ids = [ln.id for ln in source.lines]
    return (
        OrderEvent("OrderMerged", {"into": target.id, "line_ids": line_ids}),
        OrderEvent("LinesMovedIn", {"from_order": source.id, "lines": moved}),
    )


def split_lines(
    source: Order, line_ids: list[str], new_order_id: str
) -> tuple[OrderEvent, OrderEvent]:
    """Move some lines to a new bill; the original keeps the rest."""
    _require_status(source, ACTIVE, "split")
    wanted = list(dict.fromkeys(line_ids))
    if not wanted:
        raise OrderingError.SPLIT_EMPTY.problem("Pick at least one line.", field="line_ids")
    lines = [source.line(i) for i in wanted]
    if any(ln.state is LineState.VOIDED for ln in lines):
        raise OrderingError.SPLIT_VOIDED_LINE.problem("Pick others.")
    if len(source.live_lines) - len(lines) < 1:
        raise OrderingError.SPLIT_EVERYTHING.problem(
            "Leave at least one line on the original bill.", field="line_ids"
        )
    return (
        OrderEvent("LinesMovedOut", {"to_order": new_order_id, "line_ids": wanted}),
        OrderEvent(
            "LinesMovedIn", {"from_order": source.id, "lines": [ln.to_json() for ln in lines]}
        ),
    )


def seats_to_split(order: Order) -> dict[int, list[str]]:
    """Lines by seat for a split by seat; the first seat (and unseated lines) stay put."""
    by_seat: dict[int, list[str]] = {}
    for ln in order.live_lines:
        if ln.seat is not None:
            by_seat.setdefault(ln.seat, []).append(ln.id)
    if len(by_seat) < 2 and not (by_seat and any(ln.seat is None for ln in order.live_lines)):
        raise OrderingError.SPLIT_BY_SEAT_ONE_SEAT.problem(
            "Assign items to at least two seats first.", field="seat"
        )
    seats = sorted(by_seat)
    keep_first = not any(ln.seat is None for ln in order.live_lines)
    return {s: by_seat[s] for s in (seats[1:] if keep_first else seats)}


def request_bill(order: Order) -> OrderEvent:
    _require_status(order, KITCHEN_STATES, "ask for the bill")
    if order.bill_requested:
        raise OrderingError.BILL_ALREADY_REQUESTED.problem(
            f"The bill for order #{order.number} is already on its way."
        )
    return OrderEvent("BillRequested", {})


def manager_approval_required(what: str) -> Problem:
    return OrderingError.MANAGER_APPROVAL_REQUIRED.problem(
        f"A manager must enter their PIN to {what}.", field="approval"
    )


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise OrderingError.REASON_REQUIRED.problem("A reason is required.", field="reason")
    if len(reason) > 200:
        raise OrderingError.REASON_TOO_LONG.problem("At most 200 characters.", field="reason")
