"""How many orders the next hour brings, and whether the kitchen has shown it can take them.

Pure: counts in, numbers out (no clock, no database), so the node, the tests and the backtest
(bench/forecast_backtest.py) run the same code.

The forecast works on 15-minute slots of the store's local day (96 a day):

* The **baseline** is seasonal: for each slot, the median of that slot on the last few same
  weekdays. It knows Saturday lunch is busy; it cannot know that *this* Saturday is busier.
* The **scaled** model multiplies the baseline, smoothed over neighbouring slots (four
  Saturdays are few, and each slot of each is noisy), by today's level so far: the orders seen
  today against what the baseline expected up to now, recent slots weighing more, shrunk
  towards 1 while the day has seen few orders (a prior of ``PRIOR`` orders). A rainy day, a
  holiday or a growing store moves the whole day; that model follows it within an hour or two.

The scaled model is kept only while it beats the baseline on the store's own last weeks (walk
forward: at every slot of those days, forecast 30-60 minutes ahead with what was known then);
otherwise the baseline is used. A model that is not better than "same as the last few
Saturdays" has not earned its place.

The kitchen's **capacity** is learned from its own tickets: per station, the most tickets it
ever took in a quarter hour while its tickets were still done within the acceptable time. The
orders forecast becomes a per-station ticket forecast by the share of orders that reach each
station, and a slot 30-60 minutes ahead that reaches ``WARN_AT`` of a station's capacity is a
peak-load warning for that station.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

SLOT_MS = 15 * 60_000
SLOTS = 96
WEEKS = 4  # same weekdays the baseline looks back on
DECAY = 0.9  # weight of a slot relative to the next one in today's level
PRIOR = 12.0  # orders of "as expected" added to both sides of today's level
LEVEL_RANGE = (0.4, 2.5)
EVAL_DAYS = 14  # the last weeks the scaled model must win on
HORIZONS = (2, 3, 4)  # slots ahead whose start is 30-60 minutes after the slot now begun
WARN_AT = 0.85

Day = list[int]  # orders per slot, 96 of them
History = Mapping[date, Sequence[int]]


class Model(StrEnum):
    BASELINE = "baseline"
    SCALED = "scaled"


def slot_of(ms: int, tz: ZoneInfo) -> tuple[date, int]:
    """The local business day and the slot (0-95) a wall time falls in."""
    local = datetime.fromtimestamp(ms / 1000, tz)
    return local.date(), (local.hour * 60 + local.minute) // 15


def slot_start_ms(day: date, slot: int, tz: ZoneInfo) -> int:
    start = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=15 * slot)
    return int(start.timestamp() * 1000)


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return 0.0
    mid = n // 2
    return float(ordered[mid]) if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def baseline(history: History, day: date, *, weeks: int = WEEKS) -> list[float]:
    """Per slot, the median of the same slot on the last ``weeks`` same weekdays before
    ``day`` that the history holds (zeros with none: a new store forecasts nothing)."""
    same = [
        history[d]
        for d in (day - timedelta(days=7 * k) for k in range(1, weeks + 4))
        if d in history
    ][:weeks]
    if not same:
        return [0.0] * SLOTS
    return [_median([float(s[i]) for s in same]) for i in range(SLOTS)]


def levels(observed: Sequence[int], base: Sequence[float]) -> list[float]:
    """Today's level before each slot: ``levels[s]`` uses the slots before ``s`` only.

    Weighted sums, each slot ``DECAY`` times the weight of the next, both shifted by
    ``PRIOR`` so a quiet morning does not swing the evening, then held to ``LEVEL_RANGE``.
    One pass: the backtest asks for every slot of every day."""
    out = []
    obs_w = base_w = 0.0
    lo, hi = LEVEL_RANGE
    for s in range(SLOTS):
        out.append(min(hi, max(lo, (obs_w + PRIOR) / (base_w + PRIOR))))
        obs_w = obs_w * DECAY + observed[s]
        base_w = base_w * DECAY + base[s]
    return out


def smooth(values: Sequence[float]) -> list[float]:
    """Each slot a quarter of each neighbour and half itself (the day's ends repeat)."""
    n = len(values)
    return [
        0.25 * values[max(0, i - 1)] + 0.5 * values[i] + 0.25 * values[min(n - 1, i + 1)]
        for i in range(n)
    ]


def scaled_parts(base: Sequence[float], observed: Sequence[int]) -> tuple[list[float], list[float]]:
    """What the scaled model multiplies: the smoothed baseline, and today's level before each
    slot. Its forecast of slot ``t`` made at the start of slot ``o`` is ``sb[t] * lv[o]``."""
    return smooth(base), levels(observed, base)


def forecast(
    base: Sequence[float], observed: Sequence[int], now_slot: int, model: Model
) -> list[float]:
    """The expected orders of every slot of the day, seen from the start of ``now_slot``
    (slots before it are what was observed)."""
    if model is Model.BASELINE:
        return [float(x) for x in base]
    sb, lv = scaled_parts(base, observed)
    level = lv[now_slot] if now_slot < SLOTS else 1.0
    return [b * level for b in sb]


def wape(actual: Iterable[float], predicted: Iterable[float]) -> float:
    """Weighted absolute percentage error: total miss over total orders (nan with none)."""
    miss = total = 0.0
    for a, p in zip(actual, predicted, strict=True):
        miss += abs(a - p)
        total += a
    return miss / total if total else math.nan


@dataclass(frozen=True)
class Score:
    """Absolute misses and total orders of each model over the same forecasts."""

    miss: Mapping[Model, float]
    total: float
    n: int

    def wape(self, model: Model) -> float:
        return self.miss[model] / self.total if self.total else math.nan


def score_day(
    base: Sequence[float], observed: Sequence[int], horizons: Sequence[int] = HORIZONS
) -> tuple[float, float, float, int]:
    """Both models' misses on one past day, forecasting from every slot ``h`` slots ahead:
    (baseline miss, scaled miss, actual total, forecasts)."""
    sb, lv = scaled_parts(base, observed)
    mb = ms = tot = 0.0
    n = 0
    for origin in range(SLOTS):
        for h in horizons:
            target = origin + h
            if target >= SLOTS:
                continue
            a = observed[target]
            mb += abs(a - base[target])
            ms += abs(a - sb[target] * lv[origin])
            tot += a
            n += 1
    return mb, ms, tot, n


def evaluate(history: History, today: date, *, days: int = EVAL_DAYS, weeks: int = WEEKS) -> Score:
    """Both models on the ``days`` days before ``today`` the history holds, each day's
    baseline built from the weeks before it (nothing from the future)."""
    mb = ms = tot = 0.0
    n = 0
    for k in range(1, days + 1):
        d = today - timedelta(days=k)
        if d not in history:
            continue
        base = baseline(history, d, weeks=weeks)
        if not any(base):
            continue
        b, s, t, c = score_day(base, history[d])
        mb, ms, tot, n = mb + b, ms + s, tot + t, n + c
    return Score({Model.BASELINE: mb, Model.SCALED: ms}, tot, n)


def choose(score: Score) -> Model:
    """The scaled model while it beats the baseline on the last weeks, else the baseline."""
    if score.total and score.miss[Model.SCALED] < score.miss[Model.BASELINE]:
        return Model.SCALED
    return Model.BASELINE


# -- capacity --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotLoad:
    """One station's quarter hour: tickets sent in it and how long the slowest-but-one in ten
    took to be done (its 90th percentile, seconds)."""

    tickets: int
    p90_s: float


def p90(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)])


def capacity(loads: Iterable[SlotLoad], acceptable_s: float) -> int | None:
    """The most tickets a station took in a quarter hour with its tickets still done in time
    (None until it has shown one): what it has proven, not what it might do."""
    shown = [x.tickets for x in loads if x.tickets and x.p90_s <= acceptable_s]
    return max(shown) if shown else None


@dataclass(frozen=True)
class PeakWarning:
    station: str
    slot_start_ms: int
    expected_orders: float
    expected_tickets: float
    capacity: int
    load: float  # expected tickets / capacity

    def to_json(self) -> dict[str, object]:
        return {
            "station": self.station,
            "slot_start_ms": self.slot_start_ms,
            "expected_orders": round(self.expected_orders, 1),
            "expected_tickets": round(self.expected_tickets, 1),
            "capacity": self.capacity,
            "load": round(self.load, 3),
        }


def upcoming_slots(now_ms: int, day_start_ms: int) -> list[int]:
    """Slots of the day whose start is 30 to 60 minutes after ``now_ms``."""
    out = []
    for s in range(SLOTS):
        lead = day_start_ms + s * SLOT_MS - now_ms
        if 30 * 60_000 <= lead <= 60 * 60_000:
            out.append(s)
    return out


def peak_warnings(
    expected: Sequence[float],
    slots: Sequence[int],
    share: Mapping[str, float],
    caps: Mapping[str, int | None],
    day_start_ms: int,
    *,
    warn_at: float = WARN_AT,
) -> list[PeakWarning]:
    """For each station with a known capacity, the busiest of ``slots`` if its expected
    tickets (orders x the station's share of them) reach ``warn_at`` of its capacity."""
    out = []
    for station, cap in sorted(caps.items()):
        if not cap or not slots:
            continue
        s = max(slots, key=lambda i: expected[i])
        tickets = expected[s] * share.get(station, 0.0)
        load = tickets / cap
        if load >= warn_at:
            out.append(
                PeakWarning(station, day_start_ms + s * SLOT_MS, expected[s], tickets, cap, load)
            )
    return out


def window_cap_for(current_cap: int, load: float, warn_at: float = WARN_AT) -> int:
    """A delivery window cap that takes the expected load back under ``warn_at`` if delivery
    orders shrink with it: the pacing cap the warning suggests (at least 1)."""
    if load <= warn_at:
        return current_cap
    return max(1, math.floor(current_cap * warn_at / load))
