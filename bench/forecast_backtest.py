"""Backtest of the peak-load forecast (hearth.ops.forecast) on a synthetic year of orders.

The year is a restaurant's: open 10:00-22:00, a lunch peak around 12:15 and a dinner peak
around 18:45, busier Fridays and weekends, Chinese public holidays (a quiet Spring Festival
week with a busy New Year's Eve dinner, busy Labour Day and National Day weeks, Valentine's
and Qixi dinners), a trend (+20 % over the year), a day-to-day level that wanders (weather,
events nearby: a lognormal, correlated from one day to the next) and Poisson noise per slot.

Walk forward, as on the node: for every day of the evaluated year and every slot, forecast
the slots 30, 45 and 60 minutes ahead with only what was known then (the history before the
day, and today's orders before the slot). Reported:

* WAPE of the seasonal baseline, of the scaled model, and of what the node would use (the
  scaled model on the days it beat the baseline on the 14 days before, else the baseline),
  over all open slots, over the peak slots, and per hour of the day;
* the peak-load warning against a synthetic kitchen capacity: recall (quarter hours that
  reached 85 % of capacity and were warned 30-60 min ahead), precision, and false alarms (a
  warned quarter hour that stayed under 70 % of capacity) per week.

``python -m bench.forecast_backtest`` (part of ``make bench``); JSON in bench/results/.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hearth.ops import forecast as fc
from hearth.ops.forecast import Model

console = Console()
START = date(2025, 1, 6)  # a Monday; eight weeks of history come before the evaluated year
WARMUP_DAYS = 56
WEEKDAY = (0.85, 0.82, 0.9, 0.95, 1.12, 1.38, 1.25)
OPEN, CLOSE = 40, 88  # slots: 10:00 to 22:00
PEAKS = (range(45, 54), range(72, 80))  # 11:15-13:30 and 18:00-20:00


def holidays(year_start: date) -> dict[date, tuple[float, float]]:
    """Date -> (lunch factor, dinner factor) for the holidays of 2025 and early 2026."""
    out: dict[date, tuple[float, float]] = {}

    def span(first: date, days: int, lunch: float, dinner: float) -> None:
        for k in range(days):
            out[first + timedelta(days=k)] = (lunch, dinner)

    span(date(2025, 1, 28), 1, 0.7, 2.2)  # New Year's Eve (lunar): the reunion dinner
    span(date(2025, 1, 29), 7, 0.45, 0.5)  # Spring Festival: staff home, streets empty
    span(date(2025, 2, 14), 1, 1.0, 1.9)  # Valentine's
    span(date(2025, 4, 4), 3, 1.2, 1.15)  # Qingming
    span(date(2025, 5, 1), 5, 1.45, 1.4)  # Labour Day week
    span(date(2025, 5, 31), 3, 1.3, 1.25)  # Dragon Boat
    span(date(2025, 8, 29), 1, 1.0, 1.8)  # Qixi
    span(date(2025, 10, 1), 8, 1.55, 1.5)  # National Day + Mid-Autumn
    span(date(2026, 1, 1), 3, 1.3, 1.3)  # New Year
    span(date(2026, 2, 16), 1, 0.7, 2.2)  # New Year's Eve (lunar) 2026
    span(date(2026, 2, 17), 7, 0.45, 0.5)
    return {d: f for d, f in out.items() if d >= year_start - timedelta(days=WARMUP_DAYS)}


def profile(weekend: bool) -> tuple[list[float], list[float]]:
    """Expected orders per slot on an ordinary day, split into its lunch and dinner parts."""
    lunch, dinner = [0.0] * fc.SLOTS, [0.0] * fc.SLOTS
    for s in range(OPEN, CLOSE):
        minutes = s * 15 + 7.5
        lunch[s] = 1.5 + (26 if weekend else 22) * math.exp(-(((minutes - 735) / 42) ** 2) / 2)
        dinner[s] = 1.5 + 24 * math.exp(-(((minutes - 1125) / 55) ** 2) / 2)
        if minutes < 15 * 60:
            dinner[s] = 0.0
        else:
            lunch[s] = 0.0
    return lunch, dinner


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def synthetic_year(days: int, seed: int) -> tuple[dict[date, list[int]], dict[date, list[float]]]:
    """Orders per slot per day, and the rate behind them (what a perfect forecast knew)."""
    rng = random.Random(seed)
    hol = holidays(START + timedelta(days=WARMUP_DAYS))
    orders, rates = {}, {}
    wander = 0.0
    for k in range(days):
        d = START + timedelta(days=k)
        wander = 0.6 * wander + rng.gauss(0, 0.14)  # a level that drifts from day to day
        trend = 1 + 0.2 * k / days
        level = WEEKDAY[d.weekday()] * trend * math.exp(wander)
        lunch_f, dinner_f = hol.get(d, (1.0, 1.0))
        lunch, dinner = profile(d.weekday() >= 5)
        rate = [level * (lunch[s] * lunch_f + dinner[s] * dinner_f) for s in range(fc.SLOTS)]
        rates[d] = rate
        orders[d] = [poisson(rng, x) for x in rate]
    return orders, rates


@dataclass
class Tally:
    miss: dict[str, float] = field(
        default_factory=lambda: {"baseline": 0.0, "scaled": 0.0, "oracle": 0.0}
    )
    total: float = 0.0

    def add(self, actual: float, base: float, scaled: float, oracle: float) -> None:
        self.miss["baseline"] += abs(actual - base)
        self.miss["scaled"] += abs(actual - scaled)
        self.miss["oracle"] += abs(actual - oracle)
        self.total += actual

    def wape(self, which: str) -> float:
        return self.miss[which] / self.total if self.total else math.nan


@dataclass
class Warnings:
    near: int = 0
    warned_near: int = 0
    warned: int = 0
    false: int = 0

    def add(self, actual: int, warned: bool, cap: float) -> None:
        near = actual >= fc.WARN_AT * cap
        self.near += near
        self.warned += warned
        self.warned_near += warned and near
        self.false += warned and actual < 0.7 * cap

    def recall(self) -> float:
        return self.warned_near / self.near if self.near else math.nan

    def precision(self) -> float:
        return self.warned_near / self.warned if self.warned else math.nan


def backtest(
    orders: dict[date, list[int]],
    rates: dict[date, list[float]],
    days: Sequence[date],
    capacity: float,
) -> dict[str, object]:
    """Walk forward over ``days``; ``rates`` (the true expected orders) give the floor no
    forecast can beat: the Poisson noise of a single quarter hour."""
    overall, peak, chosen = Tally(), Tally(), Tally()
    hourly = {h: Tally() for h in range(OPEN // 4, CLOSE // 4)}
    warn = {"baseline": Warnings(), "node": Warnings(), "oracle (true rate)": Warnings()}
    scaled_days = 0
    for d in days:
        history = {k: v for k, v in orders.items() if k < d}
        base = fc.baseline(history, d)
        model = fc.choose(fc.evaluate(history, d))
        scaled_days += model is Model.SCALED
        observed = orders[d]
        sb, lv = fc.scaled_parts(base, observed)
        for target in range(OPEN, CLOSE):
            a = observed[target]
            for h in fc.HORIZONS:
                origin = target - h
                b, s = base[target], sb[target] * lv[origin]
                o = rates[d][target]
                overall.add(a, b, s, o)
                hourly[target // 4].add(a, b, s, o)
                if any(target in r for r in PEAKS):
                    peak.add(a, b, s, o)
                use = s if model is Model.SCALED else b
                chosen.miss["baseline"] += abs(a - use)
                chosen.total += a
            # The node asks every few minutes from 60 to 30 minutes before the slot starts:
            # the slot is warned if any of those forecasts reached the line.
            warn["baseline"].add(a, base[target] >= fc.WARN_AT * capacity, capacity)
            node_says = [
                (sb[target] * lv[target - h] if model is Model.SCALED else base[target])
                for h in fc.HORIZONS
            ]
            warn["node"].add(a, max(node_says) >= fc.WARN_AT * capacity, capacity)
            truth = rates[d][target] >= fc.WARN_AT * capacity
            warn["oracle (true rate)"].add(a, truth, capacity)
    weeks = len(days) / 7
    return {
        "days": len(days),
        "scaled_days": scaled_days,
        "wape": {
            "all": {k: overall.wape(k) for k in overall.miss},
            "peak": {k: peak.wape(k) for k in peak.miss},
            "node": chosen.wape("baseline"),
            "by_hour": {f"{h:02d}:00": {k: t.wape(k) for k in t.miss} for h, t in hourly.items()},
        },
        "warning": {
            k: {
                "near_capacity_slots": w.near,
                "warned_slots": w.warned,
                "recall": w.recall(),
                "precision": w.precision(),
                "false_alarms_per_week": w.false / weeks,
            }
            for k, w in warn.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--days", type=int, default=365, help="days evaluated after warm-up")
    parser.add_argument("--capacity", type=float, default=40.0, help="orders per 15 min")
    parser.add_argument("--out", type=Path, default=Path("bench/results/forecast_backtest.json"))
    args = parser.parse_args()
    started = time.perf_counter()
    orders, rates = synthetic_year(WARMUP_DAYS + args.days, args.seed)
    days = sorted(orders)[WARMUP_DAYS:]
    result = backtest(orders, rates, days, args.capacity)
    took = time.perf_counter() - started
    result |= {"seed": args.seed, "capacity": args.capacity, "seconds": took}
    total = sum(sum(orders[d]) for d in days)

    w = result["wape"]
    assert isinstance(w, dict)
    table = Table(
        title=f"Peak-load forecast, walk-forward over {len(days)} days "
        f"({total:,} orders), 30-60 min ahead"
    )
    table.add_column("WAPE per 15-min slot")
    table.add_column("seasonal baseline", justify="right")
    table.add_column("scaled model", justify="right")
    table.add_column("floor: true rate", justify="right")

    def row(label: str, v: dict[str, float]) -> None:
        table.add_row(label, *(f"{v[k]:.1%}" for k in ("baseline", "scaled", "oracle")))

    row("all open slots", w["all"])
    row("peak slots", w["peak"])
    for hour, v in w["by_hour"].items():
        row(f"  {hour}", v)
    table.add_row(
        f"what the node uses (scaled on {result['scaled_days']} of {len(days)} days)",
        "",
        f"{w['node']:.1%}",
        "",
    )
    console.print(table)

    warn = result["warning"]
    assert isinstance(warn, dict)
    t2 = Table(title=f"Peak-load warning, capacity {args.capacity:.0f} orders / 15 min, line 85 %")
    t2.add_column("forecast")
    t2.add_column("slots ≥ 85 %", justify="right")
    t2.add_column("warned", justify="right")
    t2.add_column("recall", justify="right")
    t2.add_column("precision", justify="right")
    t2.add_column("false alarms / week (< 70 %)", justify="right")
    for name, v in warn.items():
        t2.add_row(
            name,
            str(v["near_capacity_slots"]),
            str(v["warned_slots"]),
            f"{v['recall']:.1%}",
            f"{v['precision']:.1%}",
            f"{v['false_alarms_per_week']:.2f}",
        )
    console.print(t2)
    console.print(f"{took:.1f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    console.print(f"Written to {args.out}")


if __name__ == "__main__":
    main()
