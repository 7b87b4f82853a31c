"""Kitchen rules: routing precedence, and the ticket state machine under any sequence of
start / bump / recall / undo / void (no item lost, none duplicated, status always consistent)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.core.errors import Problem
from hearth.kitchen import domain as d
from hearth.kitchen.domain import Kind, Status
from hearth.ordering.domain import OrderStatus

HOT, COLD, BAR, EXPO = "hot", "cold", "bar", "expo"
ROUTING = d.Routing(
    rules=(
        d.Rule("r1", (BAR,), category_id="drinks"),
        d.Rule("r2", (HOT, COLD), item_id="duck"),
        d.Rule("r3", ("gone-station",), item_id="tea"),
    ),
    category_station={"hot_dishes": HOT, "cold_dishes": COLD},
    station_ids=frozenset({HOT, COLD, BAR, EXPO}),
    fallback_station=HOT,
)


def test_an_item_rule_beats_its_category():
    assert d.route(ROUTING, "duck", "hot_dishes", None) == (HOT, COLD)


def test_a_category_rule_beats_the_items_own_station():
    assert d.route(ROUTING, "cola", "drinks", COLD) == (BAR,)


def test_without_rules_the_item_station_then_the_category_station():
    assert d.route(ROUTING, "salad", "cold_dishes", None) == (COLD,)
    assert d.route(ROUTING, "salad", "cold_dishes", BAR) == (BAR,)


def test_an_unrouted_item_goes_to_the_fallback_not_nowhere():
    assert d.route(ROUTING, "mystery", None, None) == (HOT,)
    assert d.route(ROUTING, "tea", "drinks", None) == (HOT,), "a rule to a removed station"
    assert d.route(d.Routing(), "x", None, None) == ()


def a_ticket(n: int = 3) -> d.Ticket:
    items = tuple(
        d.Item(
            id=f"i{i}",
            line_id=f"l{i}",
            order_id="o1",
            item_id=f"m{i}",
            name_zh="菜",
            name_en=f"Dish {i}",
            quantity=i + 1,
        )
        for i in range(n)
    )
    return d.Ticket("t1", HOT, "o1", 7, "A01", Kind.NEW, 1000, items)


def test_bump_recall_undo():
    t = a_ticket()
    t = d.bump(t, 2000)
    assert t.status is Status.DONE and t.done_at_ms == 2000
    with pytest.raises(Problem):
        d.bump(t, 2001)
    t = d.recall(t, 3000)
    assert t.status is Status.IN_PROGRESS and all(i.status is Status.IN_PROGRESS for i in t.items)
    t = d.undo(t, 3100)
    assert t.status is Status.DONE
    t = d.undo(t, 3200)
    assert t.status is Status.NEW
    with pytest.raises(Problem):
        d.undo(t, 3300)


def test_bumping_items_one_by_one_finishes_the_ticket():
    t = a_ticket(2)
    t = d.bump(t, 10, "i0")
    assert t.status is Status.IN_PROGRESS
    t = d.bump(t, 20, "i1")
    assert t.status is Status.DONE


def test_a_voided_item_does_not_hold_the_ticket_or_the_order():
    t = d.bump(a_ticket(2), 10, "i0")
    t = d.void_items(t, {"l1"}, 50)
    assert t.status is Status.DONE
    assert d.order_done(t.items)
    assert d.all_day([t]) == {}


def test_a_ticket_finished_by_a_void_is_done_when_the_void_happened():
    t = d.void_items(d.bump(a_ticket(2), 2000, "i0"), {"l1"}, 9000)
    assert t.done_at_ms == 9000, "listed for recall from the void on, not from when it was sent"
    bumped = d.bump(a_ticket(2), 2000)
    assert d.void_items(bumped, {"l1"}, 9000).done_at_ms == 2000, "already done: stays as was"


def test_the_kitchen_moves_an_order_along():
    S = OrderStatus
    fresh = a_ticket(2).items
    started = d.start(a_ticket(2), 10).items
    done = d.bump(a_ticket(2), 10).items
    assert d.order_step(S.SUBMITTED, fresh, False) is None
    assert d.order_step(S.SUBMITTED, started, False) is S.PREPARING
    assert d.order_step(S.PREPARING, started, False) is None
    assert d.order_step(S.PREPARING, done, False) is S.READY
    assert d.order_step(S.SUBMITTED, done, False) is S.READY
    assert d.order_step(S.READY, started, True) is S.PREPARING, "a recalled dish is not ready"
    assert d.order_step(S.READY, started, False) is None, "the expo forced it ready"
    for status in (S.SERVED, S.PAID, S.VOIDED):
        assert d.order_step(status, started, True) is None
        assert d.order_step(status, done, False) is None
    voided = d.void_items(a_ticket(2), {"l0", "l1"}, 10).items
    assert d.order_step(S.SUBMITTED, voided, False) is None, "nothing left to make"


def test_recall_and_undo_say_which_orders_lost_a_done_dish():
    done = d.bump(a_ticket(2), 10)
    assert d.taken_back(done, d.recall(done, 20, "i1")) == {"o1"}
    assert d.taken_back(done, d.undo(done, 20)) == {"o1"}
    started = d.start(a_ticket(2), 10)
    assert d.taken_back(started, d.undo(started, 20)) == frozenset()
    assert d.taken_back(started, d.bump(started, 20)) == frozenset()


def test_all_day_counts_open_items():
    t1, t2 = a_ticket(2), a_ticket(1)
    counts = d.all_day([t1, d.bump(t2, 5)])
    assert {k: v["quantity"] for k, v in counts.items()} == {"m0": 1, "m1": 2}


def test_age_colours():
    th = d.Thresholds(60, 120)
    assert [th.colour(s) for s in (0, 59, 60, 119, 120)] == [
        "green",
        "green",
        "amber",
        "amber",
        "red",
    ]


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["start", "bump", "recall", "undo", "void", "rush"]),
        st.sampled_from([None, "i0", "i1", "i2"]),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(ACTIONS)
def test_no_sequence_of_actions_loses_or_duplicates_an_item(actions):
    t = a_ticket()
    ids = [it.id for it in t.items]
    for now, (action, item) in enumerate(actions, start=2000):
        before = t
        try:
            if action == "start":
                t = d.start(t, now, item)
            elif action == "bump":
                t = d.bump(t, now, item)
            elif action == "recall":
                t = d.recall(t, now, item)
            elif action == "undo":
                t = d.undo(t, now)
            elif action == "void":
                t = d.void_items(t, {f"l{item[1]}"} if item else set(), now)
            else:
                t = d.set_rush(t, not t.rush)
        except Problem:
            assert t == before, "a refused action changes nothing"
            continue
        assert [it.id for it in t.items] == ids
        assert t.version > before.version
        assert len(t.history) <= d.MAX_HISTORY
        live = t.live_items
        if live and all(it.status is Status.DONE for it in live):
            assert t.status is Status.DONE
        if t.status is Status.NEW:
            assert all(it.status is Status.NEW for it in live)
        assert d.Ticket.from_json(t.to_json()) == t, "what is journaled comes back the same"
