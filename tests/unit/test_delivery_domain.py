"""Delivery rules in pure code: pacing, intake, mapping, state machine, signatures, backoff."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.channels.delivery import domain as d
from hearth.channels.delivery.domain import (
    DeliveryState,
    Intake,
    IntakeRules,
    ItemMapping,
    PacingRules,
    PacingState,
    Platform,
    PlatformLine,
    PlatformOrder,
)
from hearth.channels.delivery.platforms import douyin, meituan
from hearth.core.errors import Problem

rules_st = st.builds(
    lambda cap, slow, gap, base, step, step_lines: PacingRules(
        cap, slow, slow + gap, base, step, step_lines
    ),
    st.integers(1, 100),
    st.integers(0, 200),
    st.integers(1, 200),
    st.integers(1, 60),
    st.integers(1, 30),
    st.integers(1, 50),
)


@given(rules_st, st.integers(0, 500), st.integers(0, 500))
def test_quoted_time_never_shrinks_as_the_kitchen_fills(rules, a, b):
    lo, hi = sorted((a, b))
    assert d.quoted_minutes(rules, lo) <= d.quoted_minutes(rules, hi)
    assert d.quoted_minutes(rules, lo) >= rules.base_minutes


@given(rules_st, st.integers(0, 500), st.integers(0, 500), st.integers(0, 50))
def test_pacing_state_follows_the_thresholds(rules, window, lines, held):
    p = d.decide_pacing(rules, orders_in_window=window, open_lines=lines, held=held)
    paused = lines >= rules.pause_at_lines or window >= rules.window_cap
    assert (p.state is PacingState.PAUSED) == paused
    if not paused:
        assert (p.state is PacingState.SLOWED) == (lines >= rules.slow_at_lines)
    assert p.held_orders == held and p.message_zh and p.message_en


def test_quotes_grow_in_steps():
    rules = PacingRules(
        slow_at_lines=10, pause_at_lines=100, base_minutes=20, step_minutes=5, step_lines=10
    )
    assert [d.quoted_minutes(rules, n) for n in (0, 9, 10, 19, 20, 35)] == [20, 20, 25, 25, 30, 35]


@given(
    st.booleans(), st.sampled_from(list(PacingState)), st.integers(0, 10**8), st.integers(0, 10**8)
)
def test_late_orders_are_held_whatever_the_pacing_and_paused_refuses_fresh_ones(
    auto, state, age, backlog
):
    rules = IntakeRules(auto, backlog)
    pacing = d.Pacing(state, 25, "", "")
    got = d.decide_intake(rules, pacing, created_at_ms=10**9 - age, now_ms=10**9)
    if age > backlog:
        assert got is Intake.HOLD
    elif state is PacingState.PAUSED:
        assert got is Intake.REFUSE_BUSY
    else:
        assert got is (Intake.ACCEPT if auto else Intake.AWAIT)


def test_unknown_skus_are_named_once_and_known_ones_mapped():
    order = PlatformOrder(
        Platform.MEITUAN,
        "1",
        0,
        (PlatformLine("a", 2, 100), PlatformLine("x", 1, 5), PlatformLine("x", 1, 5)),
        0,
        0,
    )
    mapped, unknown = d.map_lines(order, {"a": ItemMapping("item-a")})
    assert [(m.mapping.item_id, m.quantity) for m in mapped] == [("item-a", 2)]
    assert unknown == ["x"]
    assert order.items_total == 210


@given(st.sampled_from(list(DeliveryState)), st.sampled_from(list(DeliveryState)))
def test_the_state_machine_allows_only_its_transitions(a, b):
    if b in d.TRANSITIONS[a]:
        d.check_transition(a, b, "p1")
    else:
        with pytest.raises(Problem):
            d.check_transition(a, b, "p1")


def test_final_states_are_final():
    assert not d.TRANSITIONS[DeliveryState.REJECTED]
    assert not d.TRANSITIONS[DeliveryState.CANCELLED]


@given(st.integers(1, 60))
def test_backoff_doubles_and_is_capped(n):
    assert d.callback_backoff_s(n) <= 60.0
    assert d.callback_backoff_s(n + 1) >= d.callback_backoff_s(n)


@given(
    st.dictionaries(st.text("abcdefgh_", min_size=1, max_size=8), st.text(max_size=20), max_size=6),
    st.text(min_size=1, max_size=20),
)
def test_meituan_signature_verifies_and_any_change_breaks_it(params, secret):
    signed = meituan.signed(params, secret)
    assert meituan.verify(signed, secret)
    assert not meituan.verify(signed, secret + "x")
    assert not meituan.verify({**signed, "injected": "1"}, secret)


@given(st.binary(max_size=200), st.text(min_size=1, max_size=20))
def test_douyin_signature_covers_timestamp_and_body(body, secret):
    sig = douyin.sign("1700000000", body, secret)
    assert douyin.verify("1700000000", body, sig, secret)
    assert not douyin.verify("1700000001", body, sig, secret)
    assert not douyin.verify("1700000000", body + b" ", sig, secret)
    assert not douyin.verify("1700000000", body, "", secret)


def test_timestamp_window():
    assert d.timestamp_fresh(1000, 1000 + 300_000, 300_000)
    assert not d.timestamp_fresh(1000, 1000 + 300_001, 300_000)
    assert not d.timestamp_fresh(1000 + 300_001, 1000, 300_000), "from the future"
