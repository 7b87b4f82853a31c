"""The peak-load forecast and capacity rules (pure), with hypothesis where a property holds
for any counts."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hearth.ops import forecast as fc
from hearth.ops.forecast import Model, SlotLoad

SH = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 3, 2)
counts = st.lists(st.integers(0, 60), min_size=fc.SLOTS, max_size=fc.SLOTS)


def lunch(peak: int) -> list[int]:
    """A day with orders 11:00-14:00 rising to ``peak`` at 12:00-12:15."""
    day = [0] * fc.SLOTS
    for s in range(44, 56):
        day[s] = max(0, peak - 3 * abs(s - 48))
    return day


def test_the_baseline_is_the_median_of_the_same_weekdays_only() -> None:
    history = {
        MONDAY - timedelta(days=7): lunch(10),
        MONDAY - timedelta(days=14): lunch(20),
        MONDAY - timedelta(days=21): lunch(30),
        MONDAY - timedelta(days=1): lunch(90),  # a Sunday: not a Monday's baseline
    }
    base = fc.baseline(history, MONDAY)
    assert base[48] == 20 and base[0] == 0
    assert fc.baseline({}, MONDAY) == [0.0] * fc.SLOTS
    # Only the last ``weeks`` Mondays count: an old busy one is forgotten.
    history[MONDAY - timedelta(days=28)] = lunch(1000)
    history[MONDAY - timedelta(days=35)] = lunch(1000)
    assert fc.baseline(history, MONDAY, weeks=3)[48] == 20


@settings(max_examples=40)
@given(counts, counts, st.integers(0, fc.SLOTS - 1))
def test_todays_level_before_a_slot_never_looks_at_that_slot_or_later(
    observed: list[int], later: list[int], cut: int
) -> None:
    base = [float(x) for x in lunch(30)]
    mixed = observed[:cut] + later[cut:]
    assert fc.levels(observed, base)[: cut + 1] == fc.levels(mixed, base)[: cut + 1]


@settings(max_examples=40)
@given(counts)
def test_the_level_stays_in_its_range_and_is_one_when_the_day_goes_as_expected(
    observed: list[int],
) -> None:
    base = [float(x) for x in observed]
    assert all(lv == pytest.approx(1.0) for lv in fc.levels(observed, base))
    lo, hi = fc.LEVEL_RANGE
    assert all(lo <= lv <= hi for lv in fc.levels(observed, [0.0] * fc.SLOTS))


def test_a_busier_day_than_usual_raises_the_scaled_forecast_not_the_baseline() -> None:
    base = [float(x) for x in lunch(20)]
    today = [2 * x for x in lunch(20)]
    now = 50  # 12:30, after a lunch twice the usual
    scaled = fc.forecast(base, today, now, Model.SCALED)
    plain = fc.forecast(base, today, now, Model.BASELINE)
    assert plain[52] == base[52]
    assert scaled[52] > 1.6 * base[52]


@given(st.lists(st.floats(0, 1000), min_size=1, max_size=50))
def test_wape_is_zero_for_a_perfect_forecast_and_scales_with_the_miss(actual: list[float]) -> None:
    if sum(actual) == 0:
        assert math.isnan(fc.wape(actual, actual))
        return
    assert fc.wape(actual, actual) == 0
    assert fc.wape(actual, [0.0] * len(actual)) == pytest.approx(1.0)
    assert fc.wape(actual, [2 * a for a in actual]) == pytest.approx(1.0)


def synthetic(days: int, day_noise: float, seed: int = 7) -> dict[date, list[int]]:
    rng = random.Random(seed)
    start = MONDAY - timedelta(days=days)
    out = {}
    for k in range(days):
        level = math.exp(rng.gauss(0, day_noise))
        d = start + timedelta(days=k)
        out[d] = [round(x * level + rng.gauss(0, 1)) for x in lunch(20)]
        out[d] = [max(0, x) for x in out[d]]
    return out


def test_the_scaled_model_is_kept_only_while_it_beats_the_baseline() -> None:
    # Days that each run busier or quieter than usual: today's level is worth knowing.
    moving = synthetic(60, day_noise=0.35)
    score = fc.evaluate(moving, MONDAY)
    assert score.wape(Model.SCALED) < score.wape(Model.BASELINE)
    assert fc.choose(score) is Model.SCALED
    # A model that does not win is dropped, and with no history there is nothing to win on.
    assert fc.choose(fc.Score({Model.BASELINE: 10.0, Model.SCALED: 10.0}, 100, 3)) is (
        Model.BASELINE
    )
    assert fc.choose(fc.evaluate({}, MONDAY)) is Model.BASELINE


def test_capacity_is_the_busiest_quarter_hour_still_served_in_time() -> None:
    loads = [SlotLoad(10, 300), SlotLoad(25, 500), SlotLoad(40, 1500), SlotLoad(0, 0)]
    assert fc.capacity(loads, acceptable_s=600) == 25
    assert fc.capacity(loads, acceptable_s=60) is None
    assert fc.p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 100]) == 9
    assert fc.p90([]) == 0


@given(st.integers(0, 24 * 60 - 1))
def test_the_warning_looks_at_slots_starting_30_to_60_minutes_ahead(minute: int) -> None:
    day0 = fc.slot_start_ms(MONDAY, 0, SH)
    now = day0 + minute * 60_000
    for s in fc.upcoming_slots(now, day0):
        lead_min = (day0 + s * fc.SLOT_MS - now) / 60_000
        assert 30 <= lead_min <= 60
    assert 2 <= len(fc.upcoming_slots(now, day0)) <= 3 or minute > 23 * 60


def test_slots_follow_the_stores_local_day() -> None:
    ms = fc.slot_start_ms(MONDAY, 49, SH)  # 12:15 in Shanghai
    assert fc.slot_of(ms, SH) == (MONDAY, 49)
    assert fc.slot_of(ms + fc.SLOT_MS - 1, SH) == (MONDAY, 49)


def test_a_station_near_its_capacity_is_warned_with_the_busiest_slot() -> None:
    expected = [0.0] * fc.SLOTS
    expected[50], expected[51] = 30.0, 40.0
    day0 = fc.slot_start_ms(MONDAY, 0, SH)
    share = {"hot": 0.9, "bar": 0.3}
    caps: dict[str, int | None] = {"hot": 40, "bar": 40, "cold": None}
    warned = fc.peak_warnings(expected, [50, 51, 52], share, caps, day0)
    assert [(w.station, w.slot_start_ms) for w in warned] == [("hot", day0 + 51 * fc.SLOT_MS)]
    assert warned[0].load == pytest.approx(0.9)
    assert fc.peak_warnings(expected, [50, 51], share, caps, day0, warn_at=0.95) == []


@settings(max_examples=200)
@given(st.integers(1, 200), st.floats(0.01, 5))
def test_the_suggested_delivery_cap_brings_the_load_back_under_the_line(
    cap: int, load: float
) -> None:
    new = fc.window_cap_for(cap, load)
    assert 1 <= new <= cap
    if load > fc.WARN_AT and new > 1:
        assert new / cap * load <= fc.WARN_AT + 1e-9
