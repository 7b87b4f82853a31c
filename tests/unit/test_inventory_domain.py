"""Stock value never drifts, recipes explode as the kitchen cooks, cycles are refused, and a
dish is short exactly when no size of it can be made."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.core.errors import Problem
from hearth.inventory import domain as d

Op = st.one_of(
    st.tuples(st.just("in"), st.integers(1, 10**7), st.integers(0, 10**6)),
    st.tuples(st.just("out"), st.integers(0, 10**7), st.just(0)),
    st.tuples(st.just("count"), st.integers(0, 10**7), st.just(0)),
)


@given(st.lists(Op, max_size=40))
def test_value_is_always_what_came_in_less_what_went_out(ops):
    v = d.Valuation()
    total_in = total_out = 0
    for kind, q, cost in ops:
        if kind == "in":
            v = d.receive(v, q, cost)
            total_in += cost * d.MILLI
        elif kind == "out":
            v, out = d.issue(v, q)
            total_out += out
        else:
            v, _variance, value = d.count(v, q)
            total_in += value
        assert v.value == total_in - total_out
        if v.on_hand == 0 and kind != "count":
            pass
    # Issuing everything on hand leaves exactly nothing, to the milli-fen.
    if v.on_hand > 0 and v.value >= 0:
        v2, out = d.issue(v, v.on_hand)
        assert (v2.on_hand, v2.value, out) == (0, 0, v.value)


@given(st.integers(1, 10**6), st.integers(0, 10**6), st.lists(st.integers(1, 1000), max_size=20))
def test_issues_within_stock_never_take_more_value_than_there_is(q, cost, outs):
    v = d.receive(d.Valuation(), q, cost)
    for o in outs:
        if o > v.on_hand:
            break
        v, _ = d.issue(v, o)
        assert 0 <= v.value <= cost * d.MILLI


def test_moving_average_cost():
    v = d.receive(d.Valuation(), 10_000, 1000)  # 10 pieces at ¥10
    v = d.receive(v, 10_000, 2000)  # 10 more at ¥20
    assert v.unit_cost() == Fraction(3000 * d.MILLI, 20_000)  # ¥1.50 a piece
    v, out = d.issue(v, 1_000)
    assert out == 150 * d.MILLI


def test_a_give_back_returns_exactly_what_the_issue_took():
    v = d.receive(d.Valuation(), 3_000, 100)
    after, out = d.issue(v, 1_000)
    back = d.give_back(after, 1_000, out)
    assert (back.on_hand, back.value) == (3_000, 100_000)


EGG, NOODLE, BEEF = "egg", "noodle", "beef"
BOOK = d.RecipeBook(
    items={
        "noodles": (d.Component(150_000, NOODLE), d.Component(1_000, EGG)),
        "beef-noodles": (d.Component(1000, item_id="noodles"), d.Component(80_000, BEEF)),
        "set": (d.Component(1_000, "box"),),
    },
    specs={"large": (d.Component(250_000, NOODLE),)},
    options={"extra-egg": (d.Component(1_000, EGG),)},
)


def test_a_large_bowl_uses_more_noodles_and_extra_egg_adds_an_egg():
    line = d.SoldLine("noodles", 2, spec_id="large", option_ids=("extra-egg",))
    assert d.explode(BOOK, line).ingredients == {NOODLE: 500_000, EGG: 4_000}


def test_a_dish_made_of_a_dish_and_a_set_meal_through_its_chosen_dishes():
    u = d.explode(BOOK, d.SoldLine("beef-noodles", 1))
    assert u.ingredients == {NOODLE: 150_000, EGG: 1_000, BEEF: 80_000}
    s = d.explode(BOOK, d.SoldLine("set", 1, combo_item_ids=("noodles", "tea")))
    assert s.ingredients == {"box": 1_000, NOODLE: 150_000, EGG: 1_000}
    assert s.unrecipe == ("tea",)


def test_a_recipe_that_uses_itself_is_refused_with_the_path():
    with pytest.raises(Problem) as e:
        d.check_recipe(
            BOOK, d.TargetKind.ITEM, "noodles", [d.Component(1000, item_id="beef-noodles")]
        )
    assert e.value.code == "recipe-cycle" and "noodles → beef-noodles → noodles" in e.value.detail
    with pytest.raises(Problem):
        d.check_recipe(BOOK, d.TargetKind.ITEM, "x", [d.Component(1000, item_id="x")])


@given(st.integers(0, 400_000), st.integers(0, 3_000))
def test_a_dish_is_short_exactly_when_no_size_can_be_made(noodles, eggs):
    on_hand = {NOODLE: noodles, EGG: eggs}
    short = d.short_of(BOOK, "noodles", ["regular", "large"], on_hand)
    can_make = eggs >= 1_000 and noodles >= 150_000
    assert (short is None) == can_make
    if short:
        assert short in (NOODLE, EGG)


def test_a_dish_without_a_recipe_is_never_guessed_sold_out():
    assert d.short_of(BOOK, "tea", [], {}) is None


@given(st.integers(0, 10**6), st.integers(-(10**6), 10**6), st.integers(1, 10**5))
def test_a_purchase_suggestion_covers_the_need_in_whole_purchase_units(expected, on_hand, pack):
    n = d.suggest_purchase(expected, on_hand, pack)
    assert n >= 0
    assert max(0, on_hand) + n * pack >= expected
    assert n == 0 or max(0, on_hand) + (n - 1) * pack < expected


@given(
    st.integers(1, 50),
    st.sampled_from([None, "large"]),
    st.lists(st.sampled_from(["extra-egg"]), max_size=2),
)
def test_a_line_of_n_uses_n_times_one_portion(n, spec, options):
    one = d.explode(BOOK, d.SoldLine("noodles", 1, spec, tuple(options)))
    many = d.explode(BOOK, d.SoldLine("noodles", n, spec, tuple(options)))
    assert many.ingredients == {k: v * n for k, v in one.ingredients.items()}
