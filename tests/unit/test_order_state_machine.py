"""Property tests: no sequence of commands reaches an illegal state or totals that disagree."""

from __future__ import annotations

import itertools

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hearth.core.errors import Problem
from hearth.menu.domain import ItemKind, PricedLine
from hearth.ordering import domain as d
from hearth.ordering.domain import (
    TRANSITIONS,
    Channel,
    Discount,
    DiscountKind,
    LineState,
    OrderStatus,
)

_ids = itertools.count()


def priced(price: int, tax: int = 600) -> PricedLine:
    return PricedLine(
        item_id=f"item-{price}",
        kind=ItemKind.ITEM,
        name_zh="菜",
        name_en="dish",
        spec_id=None,
        spec_name_zh=None,
        spec_name_en=None,
        modifiers=(),
        combo_items=(),
        unit_price=price,
        tax_rate_bp=tax,
        station_id=None,
    )


def new_order() -> d.Order:
    return d.evolve(
        None,
        d.open_order(
            order_id="o1",
            number=1,
            business_date="2026-11-25",
            channel=Channel.DINE_IN,
            table_id="t1",
            guests=2,
            opened_at_ms=0,
        ),
    )


STATUS_EVENTS = {
    "OrderStatusChanged",
    "OrderVoided",
    "OrderCancelled",
    "OrderReopened",
    "LinesSent",
    "OrderMerged",
}


class OrderMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.orders: dict[str, d.Order] = {"o1": new_order()}
        self.lines_added = 0
        self.lines_removed = 0

    def _apply(self, order_id: str, decide) -> None:
        order = self.orders[order_id]
        try:
            ev = decide(order)
        except Problem:
            return  # refused: nothing changes, which the invariants check implicitly
        after = d.evolve(order, ev)
        if ev.type in STATUS_EVENTS and after.status is not order.status:
            assert after.status in TRANSITIONS[order.status] or ev.type == "LinesSent", (
                f"{order.status} -> {after.status} via {ev.type}"
            )
        if ev.type == "LinesAdded":
            self.lines_added += len(ev.payload["lines"])
        if ev.type == "LineRemoved":
            self.lines_removed += 1
        self.orders[order_id] = after

    ids = st.sampled_from(["o1", "o2", "o3"])

    @rule(
        oid=ids,
        prices=st.lists(st.integers(0, 50_000), min_size=1, max_size=4),
        qty=st.integers(1, 5),
        course=st.integers(1, 3),
        held=st.booleans(),
    )
    def add(self, oid, prices, qty, course, held):
        if oid not in self.orders:
            return
        new = [
            d.NewLine(f"l{next(_ids)}", priced(p), qty, seat=(i % 3) + 1, course=course, held=held)
            for i, p in enumerate(prices)
        ]
        self._apply(oid, lambda o: d.add_lines(o, new))

    @rule(oid=ids, n=st.integers(0, 10))
    def remove(self, oid, n):
        if oid in self.orders and self.orders[oid].lines:
            self._apply(oid, lambda o: d.remove_line(o, o.lines[n % len(o.lines)].id))

    @rule(oid=ids, n=st.integers(0, 10), approved=st.booleans())
    def void_line(self, oid, n, approved):
        if oid in self.orders and self.orders[oid].lines:
            o = self.orders[oid]
            line = o.lines[n % len(o.lines)]
            before = line.state
            self._apply(
                oid, lambda o: d.void_line(o, line.id, "reason", "mgr" if approved else None)
            )
            if before is LineState.SENT and not approved:
                assert self.orders[oid].line(line.id).state is LineState.SENT

    @rule(oid=ids)
    def submit(self, oid):
        if oid in self.orders:
            self._apply(oid, d.submit)

    @rule(oid=ids, course=st.integers(1, 3))
    def fire(self, oid, course):
        if oid in self.orders:
            self._apply(oid, lambda o: d.fire_course(o, course))

    @rule(oid=ids, to=st.sampled_from(list(OrderStatus)))
    def advance(self, oid, to):
        if oid in self.orders:
            self._apply(oid, lambda o: d.transition(o, to))

    @rule(oid=ids, approved=st.booleans())
    def void_order(self, oid, approved):
        if oid in self.orders:
            self._apply(oid, lambda o: d.void_order(o, "reason", "mgr" if approved else None))

    @rule(oid=ids)
    def cancel(self, oid):
        if oid in self.orders:
            self._apply(oid, lambda o: d.cancel_order(o, "reason"))

    @rule(oid=ids, approved=st.booleans())
    def reopen(self, oid, approved):
        if oid in self.orders:
            self._apply(oid, lambda o: d.reopen(o, "reason", "mgr" if approved else None))

    @rule(
        oid=ids,
        percent=st.booleans(),
        value=st.integers(-10, 20_000),
        approved=st.booleans(),
        on_line=st.booleans(),
    )
    def discount(self, oid, percent, value, approved, on_line):
        if oid not in self.orders:
            return
        o = self.orders[oid]
        line_id = o.lines[0].id if on_line and o.lines else None
        disc = Discount(
            DiscountKind.PERCENT if percent else DiscountKind.AMOUNT,
            value,
            "r",
            "mgr" if approved else None,
        )
        self._apply(oid, lambda o: d.apply_discount(o, line_id, disc, 1000))

    @rule(oid=ids, bp=st.integers(-100, 4000))
    def service_charge(self, oid, bp):
        if oid in self.orders:
            self._apply(oid, lambda o: d.set_service_charge(o, bp))

    @precondition(lambda self: len(self.orders) < 3)
    @rule(take=st.integers(1, 3))
    def split(self, take):
        source = self.orders["o1"]
        ids = [ln.id for ln in source.live_lines][:take]
        new_id = f"o{len(self.orders) + 1}"
        try:
            out, into = d.split_lines(source, ids, new_id)
        except Problem:
            return
        self.orders["o1"] = d.evolve(source, out)
        opened = d.evolve(
            None,
            d.open_order(
                order_id=new_id,
                number=len(self.orders) + 1,
                business_date="x",
                channel=source.channel,
                table_id=source.table_id,
                guests=0,
                opened_at_ms=0,
                split_from="o1",
            ),
        )
        self.orders[new_id] = d.evolve(opened, into)

    @invariant()
    def totals_agree_with_lines(self):
        for o in self.orders.values():
            t = o.totals()
            live = o.live_lines
            assert t.subtotal == sum(ln.unit_price * ln.quantity for ln in live)
            assert 0 <= t.line_discounts <= t.subtotal
            assert 0 <= t.order_discount <= t.subtotal - t.line_discounts
            assert t.total == t.subtotal - t.line_discounts - t.order_discount + t.service_charge
            assert t.total >= 0
            assert 0 <= t.tax <= t.total
            assert all(ln.gross == 0 for ln in o.lines if ln.state is LineState.VOIDED)

    @invariant()
    def no_line_is_lost_or_duplicated(self):
        all_lines = [ln.id for o in self.orders.values() for ln in o.lines]
        assert len(all_lines) == len(set(all_lines))
        assert len(all_lines) == self.lines_added - self.lines_removed

    @invariant()
    def final_orders_have_no_pending_changes(self):
        for o in self.orders.values():
            if o.status in d.FINAL:
                try:
                    d.add_lines(o, [d.NewLine("x", priced(100), 1)])
                except Problem:
                    pass
                else:
                    raise AssertionError(f"added a line to a {o.status} order")


OrderMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestOrderStateMachine = OrderMachine.TestCase


def test_sent_lines_cannot_be_removed_only_voided():
    o = d.evolve(new_order(), d.add_lines(new_order(), [d.NewLine("l1", priced(1000), 1)]))
    o = d.evolve(o, d.submit(o))
    try:
        d.remove_line(o, "l1")
    except Problem as p:
        assert p.code == "line-already-sent"
    else:
        raise AssertionError("removed a sent line")


def test_service_charge_and_order_discount_round_to_the_fen():
    o = new_order()
    o = d.evolve(
        o, d.add_lines(o, [d.NewLine("a", priced(3333), 1), d.NewLine("b", priced(3333), 2)])
    )
    o = d.evolve(o, d.set_service_charge(o, 1000))
    o = d.evolve(o, d.apply_discount(o, None, Discount(DiscountKind.PERCENT, 500), 1000))
    t = o.totals()
    assert t.subtotal == 9999
    assert t.order_discount == 500  # 5% of 99.99 is 4.9995, rounded half up
    assert t.service_charge == 950  # 10% of 94.99
    assert t.total == 9999 - 500 + 950
