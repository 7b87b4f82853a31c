"""What a diner's phone may do: only inside the table's session, within the store's caps and
rate, with unexpected sends held for staff. Pure rules, no database, no clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth.channels.qr.domain import (
    OVER_THRESHOLD,
    SELF_SEATED,
    DinerLimits,
    RateLimiter,
    check_quantities,
    check_session,
    hold_reason,
    may_self_seat,
    rate_decision,
    too_many,
)
from hearth.core.errors import Problem

LIMITS = DinerLimits(
    max_per_line=20, max_per_order=60, changes_per_minute=20, confirm_above=100_000
)


@pytest.mark.parametrize(
    ("current", "given_"), [(None, None), (None, "s1"), ("s1", None), ("s2", "s1"), ("s1", "")]
)
def test_a_change_outside_the_tables_current_session_is_told_the_table_is_closed(
    current: str | None, given_: str | None
) -> None:
    with pytest.raises(Problem) as refused:
        check_session(current, given_)
    assert refused.value.status == 409 and refused.value.code == "table-closed"
    assert refused.value.title == "This table is closed"
    assert "seat you" in refused.value.detail


def test_the_current_session_is_let_through() -> None:
    check_session("s1", "s1")


def test_a_scan_seats_only_a_free_table_and_only_where_the_store_allows_it() -> None:
    allowing = DinerLimits(self_seating=True)
    assert may_self_seat(allowing, "free")
    assert not may_self_seat(allowing, "to_clean"), "the last party's table waits for staff"
    assert not may_self_seat(DinerLimits(), "free"), "off unless the store turns it on"


@given(st.lists(st.integers(1, 999), min_size=1, max_size=50), st.integers(0, 200))
def test_quantities_within_both_caps_pass_and_any_over_is_refused_naming_the_field(
    new: list[int], on_order: int
) -> None:
    over_line = next((i for i, q in enumerate(new) if q > LIMITS.max_per_line), None)
    over_order = on_order + sum(new) > LIMITS.max_per_order
    if over_line is None and not over_order:
        check_quantities(new, on_order, LIMITS)
        return
    with pytest.raises(Problem) as refused:
        check_quantities(new, on_order, LIMITS)
    assert refused.value.status == 422
    if over_line is not None:
        assert (refused.value.code, refused.value.field) == (
            "quantity-over-limit",
            f"lines[{over_line}].quantity",
        )
    else:
        assert (refused.value.code, refused.value.field) == ("order-over-limit", "lines")


def test_fifty_lines_of_fifty_is_refused() -> None:
    with pytest.raises(Problem):
        check_quantities([50] * 50, 0, LIMITS)


@given(st.integers(0, 10_000_000), st.integers(0, 10_000_000), st.integers(0, 1_000_000))
def test_a_send_waits_for_staff_exactly_when_more_than_the_limit_is_unconfirmed(
    total: int, approved: int, limit: int
) -> None:
    limits = DinerLimits(confirm_above=limit)
    reason = hold_reason(limits, self_seated=False, total=total, approved_total=approved)
    assert (reason == OVER_THRESHOLD) == (limit > 0 and total - approved > limit)
    assert (
        hold_reason(limits, self_seated=True, total=total, approved_total=approved) == SELF_SEATED
    )


@given(st.lists(st.integers(0, 5_000), max_size=80), st.integers(1, 30))
def test_the_rate_window_never_lets_more_than_the_limit_through_in_any_minute(
    steps: list[int], limit: int
) -> None:
    hits: tuple[int, ...] = ()
    now, allowed = 0, []
    for step in steps:
        now += step
        hits, wait = rate_decision(hits, now, limit)
        if wait is None:
            allowed.append(now)
        else:
            assert wait > 0
            assert len([t for t in allowed if now - 60_000 < t <= now]) == limit
    for i, t in enumerate(allowed):
        assert len([u for u in allowed[i:] if u < t + 60_000]) <= limit


def test_the_limiter_refuses_the_twenty_first_change_and_says_when_to_come_back() -> None:
    limiter = RateLimiter()
    now = 1_000_000
    assert all(limiter.hit("table:a", now + i, 20) is None for i in range(20))
    wait = limiter.hit("table:a", now + 30_000, 20)
    assert wait == 60_000 - 30_000, "the first change leaves the window a minute after it"
    assert limiter.hit("table:b", now + 30_000, 20) is None, "each table has its own window"
    assert limiter.hit("table:a", now + 60_000, 20) is None, "a minute later it is let through"


def test_too_many_says_how_long_to_wait_in_whole_seconds() -> None:
    p = too_many(1_200).to_dict()
    assert p["status"] == 429 and p["retry_after_s"] == 2
    assert p["headers"] == {"Retry-After": "2"}
    assert "Wait 2 seconds" in p["detail"]
