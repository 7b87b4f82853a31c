"""Kitchen rules as pure code: where a sent line is made (routing), and the ticket state machine.

A ticket is what one station sees of one sending of an order: its items, each with its own
status. Every action (start, bump, recall, undo, rush, print) is *decided* here against the
current ticket and returns the ticket after the action; the service journals that snapshot with
the action, and the projector writes it, so a rebuild reproduces the exact screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from hearth.kitchen.errors import KitchenError
from hearth.ordering.domain import OrderStatus


class Status(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Kind(StrEnum):
    NEW = "new"  # lines as they were sent
    CHANGE = "change"  # something about already-sent lines changed (moved, merged)
    VOID = "void"  # lines taken back after they were sent: stop making them


MAX_HISTORY = 20  # undo depth per ticket


# -- routing -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Rule:
    """Items of a category, or one item, go to these stations (one or more)."""

    id: str
    station_ids: tuple[str, ...]
    category_id: str | None = None
    item_id: str | None = None


@dataclass(frozen=True, slots=True)
class Routing:
    rules: tuple[Rule, ...] = ()
    category_station: Mapping[str, str | None] = field(default_factory=dict)
    station_ids: frozenset[str] = frozenset()
    fallback_station: str | None = None  # the first kitchen station, for unrouted items


def route(
    routing: Routing, item_id: str, category_id: str | None, item_station: str | None
) -> tuple[str, ...]:
    """The stations that make this item: an item rule beats a category rule, which beats the
    item's own station, then its category's; an item nobody routed goes to the fallback
    station rather than nowhere (a ticket that reaches no one is a lost dish)."""
    by_item = [r for r in routing.rules if r.item_id == item_id]
    if by_item:
        return _known(routing, (s for r in by_item for s in r.station_ids))
    by_cat = [
        r
        for r in routing.rules
        if r.category_id is not None and r.category_id == category_id and r.item_id is None
    ]
    if by_cat:
        return _known(routing, (s for r in by_cat for s in r.station_ids))
    for candidate in (item_station, routing.category_station.get(category_id or "")):
        if candidate and candidate in routing.station_ids:
            return (candidate,)
    return (routing.fallback_station,) if routing.fallback_station else ()


def _known(routing: Routing, ids: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(s for s in ids if s in routing.station_ids))
    if out:
        return out
    return (routing.fallback_station,) if routing.fallback_station else ()


# -- tickets -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Item:
    id: str  # unique within the ticket: the line id, plus the part for a set meal's dishes
    line_id: str
    order_id: str
    item_id: str
    name_zh: str
    name_en: str
    quantity: int
    modifiers: tuple[str, ...] = ()  # "微辣 Mild" as the cook reads them
    note: str = ""
    seat: int | None = None
    course: int = 1
    marker: str | None = None  # "void", "moved": why this item is on a change ticket
    status: Status = Status.NEW
    voided: bool = False  # taken back after it was sent: no longer to be made

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "line_id": self.line_id,
            "order_id": self.order_id,
            "item_id": self.item_id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "quantity": self.quantity,
            "modifiers": list(self.modifiers),
            "note": self.note,
            "seat": self.seat,
            "course": self.course,
            "marker": self.marker,
            "status": self.status.value,
            "voided": self.voided,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Item:
        return cls(
            id=d["id"],
            line_id=d["line_id"],
            order_id=d["order_id"],
            item_id=d["item_id"],
            name_zh=d["name_zh"],
            name_en=d["name_en"],
            quantity=d["quantity"],
            modifiers=tuple(d.get("modifiers") or ()),
            note=d.get("note", ""),
            seat=d.get("seat"),
            course=d.get("course", 1),
            marker=d.get("marker"),
            status=Status(d.get("status", "new")),
            voided=d.get("voided", False),
        )


Snapshot = tuple[str, tuple[str, ...]]  # ticket status, item statuses (for undo)


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    station_id: str
    order_id: str
    order_number: int
    where: str  # table code, or the channel ("takeaway", "delivery")
    kind: Kind
    sent_at_ms: int
    items: tuple[Item, ...]
    status: Status = Status.NEW
    rush: bool = False
    printed: bool = False
    version: int = 1
    started_at_ms: int | None = None
    done_at_ms: int | None = None
    history: tuple[Snapshot, ...] = ()

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KitchenError.TICKET_ITEM_NOT_FOUND.problem(
            f"Ticket #{self.order_number} has no item {item_id!r}.", field="item_id"
        )

    @property
    def live_items(self) -> tuple[Item, ...]:
        return tuple(it for it in self.items if not it.voided)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "station_id": self.station_id,
            "order_id": self.order_id,
            "order_number": self.order_number,
            "where": self.where,
            "kind": self.kind.value,
            "sent_at_ms": self.sent_at_ms,
            "status": self.status.value,
            "rush": self.rush,
            "printed": self.printed,
            "version": self.version,
            "started_at_ms": self.started_at_ms,
            "done_at_ms": self.done_at_ms,
            "items": [it.to_json() for it in self.items],
            "history": [[s, list(items)] for s, items in self.history],
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Ticket:
        return cls(
            id=d["id"],
            station_id=d["station_id"],
            order_id=d["order_id"],
            order_number=d["order_number"],
            where=d["where"],
            kind=Kind(d["kind"]),
            sent_at_ms=d["sent_at_ms"],
            items=tuple(Item.from_json(i) for i in d["items"]),
            status=Status(d["status"]),
            rush=d.get("rush", False),
            printed=d.get("printed", False),
            version=d.get("version", 1),
            started_at_ms=d.get("started_at_ms"),
            done_at_ms=d.get("done_at_ms"),
            history=tuple((s, tuple(items)) for s, items in d.get("history") or ()),
        )


def _snapshot(t: Ticket) -> Snapshot:
    return (t.status.value, tuple(it.status.value for it in t.items))


def _changed(before: Ticket, after: Ticket) -> Ticket:
    """Record the state before for undo, and bump the version (a print is per version)."""
    history = (*before.history, _snapshot(before))[-MAX_HISTORY:]
    return replace(after, history=history, version=before.version + 1)


def _derive(t: Ticket, now_ms: int) -> Ticket:
    """The ticket's status follows its items: all done is done, any touched is in progress."""
    live = t.live_items
    if live and all(it.status is Status.DONE for it in live):
        status = Status.DONE
    elif any(it.status is not Status.NEW for it in live):
        status = Status.IN_PROGRESS
    else:
        status = Status.NEW if live else Status.DONE
    done_at = (t.done_at_ms or now_ms) if status is Status.DONE else None
    started = t.started_at_ms or (now_ms if status is not Status.NEW else None)
    return replace(t, status=status, done_at_ms=done_at, started_at_ms=started)


def start(t: Ticket, now_ms: int, item_id: str | None = None) -> Ticket:
    """The cook starts the ticket (or one item of it): new items become in progress."""
    targets = {item_id} if item_id else {it.id for it in t.items}
    if item_id:
        it = t.item(item_id)
        if it.status is not Status.NEW or it.voided:
            raise KitchenError.TICKET_ITEM_ALREADY_STARTED.problem(
                f"{it.name_en} is {it.status.value}."
            )
    elif t.status is not Status.NEW:
        raise KitchenError.TICKET_ALREADY_STARTED.problem(
            f"Ticket #{t.order_number} is {t.status.value}."
        )
    items = tuple(
        replace(it, status=Status.IN_PROGRESS)
        if it.id in targets and it.status is Status.NEW and not it.voided
        else it
        for it in t.items
    )
    return _changed(t, _derive(replace(t, items=items), now_ms))


def bump(t: Ticket, now_ms: int, item_id: str | None = None) -> Ticket:
    """Done: the whole ticket leaves the screen, or one item is crossed off."""
    if item_id:
        it = t.item(item_id)
        if it.status is Status.DONE or it.voided:
            raise KitchenError.TICKET_ITEM_ALREADY_DONE.problem(f"{it.name_en} is done.")
        targets = {item_id}
    else:
        if t.status is Status.DONE:
            raise KitchenError.TICKET_ALREADY_BUMPED.problem(
                f"Ticket #{t.order_number} is already done; recall it first."
            )
        targets = {it.id for it in t.items}
    items = tuple(replace(it, status=Status.DONE) if it.id in targets else it for it in t.items)
    return _changed(t, _derive(replace(t, items=items), now_ms))


def recall(t: Ticket, now_ms: int, item_id: str | None = None) -> Ticket:
    """Bring a bumped ticket (or item) back onto the screen, in progress."""
    if item_id:
        it = t.item(item_id)
        if it.status is not Status.DONE or it.voided:
            raise KitchenError.TICKET_ITEM_NOT_DONE.problem(
                f"{it.name_en} is not done, so there is nothing to recall."
            )
        targets = {item_id}
    else:
        if t.status is not Status.DONE:
            raise KitchenError.TICKET_NOT_BUMPED.problem(
                f"Ticket #{t.order_number} is still on the screen."
            )
        targets = {it.id for it in t.items}
    items = tuple(
        replace(it, status=Status.IN_PROGRESS) if it.id in targets else it for it in t.items
    )
    return _changed(t, _derive(replace(t, items=items, done_at_ms=None), now_ms))


def undo(t: Ticket, now_ms: int) -> Ticket:
    """Put the ticket back exactly as it was before its last start, bump or recall."""
    if not t.history:
        raise KitchenError.NOTHING_TO_UNDO.problem(
            f"Ticket #{t.order_number} has no action to undo."
        )
    _, item_statuses = t.history[-1]
    items = tuple(
        replace(it, status=Status(s)) for it, s in zip(t.items, item_statuses, strict=True)
    )
    fresh = all(it.status is Status.NEW for it in items)
    # The ticket's status is derived again: an item voided since then no longer counts.
    back = _derive(
        replace(t, items=items, started_at_ms=None if fresh else t.started_at_ms), now_ms
    )
    return replace(back, history=t.history[:-1], version=t.version + 1)


def set_rush(t: Ticket, rush: bool) -> Ticket:
    if t.rush == rush:
        raise KitchenError.TICKET_RUSH_UNCHANGED.problem(
            f"Ticket #{t.order_number} is already {'rush' if rush else 'normal'}."
        )
    return replace(t, rush=rush, version=t.version + 1)


def mark_printed(t: Ticket) -> Ticket:
    return replace(t, printed=True, version=t.version + 1)


def void_items(t: Ticket, line_ids: set[str], now_ms: int) -> Ticket:
    """Lines taken back: they stay on the ticket, struck through, and no longer hold it open.
    A ticket the void finishes is done as of ``now_ms`` (the void), so it is listed for recall
    like any ticket bumped then."""
    items = tuple(replace(it, voided=True) if it.line_id in line_ids else it for it in t.items)
    return _derive(replace(t, items=items, version=t.version + 1), now_ms)


def all_day(tickets: Iterable[Ticket]) -> dict[str, dict[str, Any]]:
    """How many of each dish this station still has to make (open, not voided)."""
    counts: dict[str, dict[str, Any]] = {}
    for t in tickets:
        if t.kind is not Kind.NEW:
            continue
        for it in t.items:
            if it.voided or it.status is Status.DONE:
                continue
            c = counts.setdefault(
                it.item_id,
                {
                    "item_id": it.item_id,
                    "name_zh": it.name_zh,
                    "name_en": it.name_en,
                    "quantity": 0,
                },
            )
            c["quantity"] += it.quantity
    return counts


def order_done(items: Sequence[Item]) -> bool:
    """Every station's part of an order is done (voided items do not hold it up)."""
    live = [it for it in items if not it.voided]
    return bool(live) and all(it.status is Status.DONE for it in live)


def orders_of(t: Ticket) -> tuple[str, ...]:
    """The orders a ticket's items belong to (more than one after part of a bill moved)."""
    return tuple(dict.fromkeys(it.order_id for it in t.items))


def taken_back(before: Ticket, after: Ticket) -> frozenset[str]:
    """The orders of which a done dish is no longer done after this action (recall, undo)."""
    return frozenset(
        b.order_id
        for b, a in zip(before.items, after.items, strict=True)
        if b.status is Status.DONE and a.status is not Status.DONE
    )


def order_step(
    status: OrderStatus, items: Sequence[Item], dish_taken_back: bool
) -> OrderStatus | None:
    """Where the kitchen moves an order after one of its tickets changed (None: nowhere).

    ``items`` are every station's items for the order. All done: ready. Food started: preparing.
    A done dish taken back (recall, undo) once the order was ready: preparing again, so the POS
    and the diner stop showing "ready" for food that is not. An order the expo forced ready
    stays ready while the stations finish; one served, paid or voided is no longer the
    kitchen's to move.
    """
    if order_done(items):
        return (
            OrderStatus.READY if status in (OrderStatus.SUBMITTED, OrderStatus.PREPARING) else None
        )
    if status is OrderStatus.READY:
        return OrderStatus.PREPARING if dish_taken_back else None
    started = any(it.status is not Status.NEW for it in items if not it.voided)
    return OrderStatus.PREPARING if started and status is OrderStatus.SUBMITTED else None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Ticket age colours per station: green until ``warn_s``, amber until ``late_s``, red."""

    warn_s: int = 300
    late_s: int = 600

    def colour(self, age_s: float) -> str:
        return "green" if age_s < self.warn_s else ("amber" if age_s < self.late_s else "red")
