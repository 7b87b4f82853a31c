"""The pure rules of backups: rotation, which backup a restore takes, and what it would lose."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hearth.backup import domain as d

NOW = 1_767_225_600_000 + 40 * d.DAY_MS
times = st.lists(st.integers(min_value=NOW - 60 * d.DAY_MS, max_value=NOW), max_size=200)


@given(times)
def test_rotation_keeps_the_newest_backup_of_each_hour_of_the_last_day(ts):
    kept = set(ts) - d.to_delete(ts, NOW)
    for t in ts:
        if NOW - t < d.HOURLY_FOR_MS:
            newest = max(u for u in ts if u // d.HOUR_MS == t // d.HOUR_MS)
            assert newest in kept


@given(times)
def test_rotation_keeps_the_newest_backup_of_each_day_of_the_last_month(ts):
    kept = set(ts) - d.to_delete(ts, NOW)
    for t in ts:
        if NOW - t < d.DAILY_FOR_MS:
            assert max(u for u in ts if u // d.DAY_MS == t // d.DAY_MS) in kept


@given(times)
def test_rotation_keeps_the_newest_always_and_nothing_else_older_than_a_month(ts):
    kept = set(ts) - d.to_delete(ts, NOW)
    if ts:
        assert max(ts) in kept
    assert all(NOW - t < d.DAILY_FOR_MS or t == max(ts) for t in kept)
    # at most one an hour for a day, one a day for a month, and the newest
    assert len(kept) <= 25 + 31 + 1


@given(times)
def test_rotation_run_twice_removes_nothing_more(ts):
    kept = set(ts) - d.to_delete(ts, NOW)
    assert d.to_delete(kept, NOW) == set()


def test_a_store_off_for_two_months_keeps_its_last_backup():
    old = NOW - 60 * d.DAY_MS
    assert d.to_delete([old - d.HOUR_MS, old], NOW) == {old - d.HOUR_MS}


candidates = st.lists(
    st.builds(
        d.Candidate,
        st.text(min_size=1, max_size=5),
        st.integers(min_value=0, max_value=10_000),
        st.booleans(),
    ),
    max_size=30,
)


@given(candidates, st.one_of(st.none(), st.integers(min_value=0, max_value=10_000)))
def test_restore_takes_the_newest_good_backup_before_the_chosen_time(cs, at):
    chosen = d.choose_backup(cs, at)
    eligible = [c for c in cs if c.good and (at is None or c.taken_ms <= at)]
    if not eligible:
        assert chosen is None
        return
    assert chosen is not None and chosen.good
    assert chosen.taken_ms == max(c.taken_ms for c in eligible)


seq = st.integers(min_value=0, max_value=1000)


@given(seq, seq, st.one_of(st.none(), seq), st.booleans())
def test_restore_is_refused_exactly_when_events_neither_the_backup_nor_hq_holds_would_go(
    backup_top, live_top, hq_acked, force
):
    plan = d.plan_restore(backup_top, live_top, hq_acked, force=force)
    lost = [s for s in range(1, live_top + 1) if s > backup_top and s > (hq_acked or 0)]
    assert plan.lost_count == len(lost)
    if lost:
        assert plan.lost == (lost[0], lost[-1])
    assert plan.allowed == (force or not lost)
    if hq_acked is not None and hq_acked > backup_top:
        assert plan.from_hq == (backup_top, hq_acked)
    else:
        assert plan.from_hq is None


def test_restore_over_a_store_that_cannot_be_read_needs_force():
    assert not d.plan_restore(10, None, None).allowed
    assert d.plan_restore(10, None, None, force=True).allowed
    assert "--force" in d.plan_restore(10, None, 5).reason


def test_the_refusal_says_which_seqs_would_be_lost():
    plan = d.plan_restore(100, 130, 110)
    assert not plan.allowed and plan.lost == (111, 130)
    assert "111..130" in plan.reason and "HQ does not hold" in plan.reason
