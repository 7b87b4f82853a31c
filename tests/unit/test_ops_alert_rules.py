"""When a finding becomes an alert and when it ends (pure): hysteresis with hypothesis, the
payment failure rate's two thresholds, which findings alert at all, the webhook message."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from hearth.ops import alert_rules as r
from hearth.ops.alert_rules import Change, Policy, Track
from hearth.ops.domain import Severity, judge_station
from hearth.ops.forecast import PeakWarning

POLICY = Policy(raise_after_s=30, clear_after_s=60)
rounds = st.lists(st.tuples(st.integers(1, 40_000), st.booleans()), max_size=80)


@given(rounds)
def test_an_alert_is_raised_only_after_lasting_and_cleared_only_after_a_quiet_spell(
    steps: list[tuple[int, bool]],
) -> None:
    track, now = Track(), 0
    bad_since: int | None = None
    good_since: int | None = None
    last: Change | None = None
    for dt, bad in steps:
        now += dt
        if bad:
            bad_since, good_since = (now if bad_since is None else bad_since), None
        else:
            good_since, bad_since = (now if good_since is None else good_since), None
        track, change = r.step(track, bad, now, POLICY)
        if change is Change.RAISE:
            assert bad_since is not None and now - bad_since >= 30_000
            assert last is not Change.RAISE, "raised twice without a clear"
        if change is Change.CLEAR:
            assert good_since is not None and now - good_since >= 60_000
            assert last is Change.RAISE, "cleared what was not raised"
        if change is not None:
            last = change
        assert track.open == (last is Change.RAISE)


@given(st.lists(st.integers(1, 29_999), min_size=1, max_size=60))
def test_a_condition_that_flickers_faster_than_the_policy_never_flaps(gaps: list[int]) -> None:
    """Open, then the condition comes and goes every few seconds: the alert stays open."""
    track, now = Track(open=True, bad_since_ms=0), 0
    for i, gap in enumerate(gaps):
        now += gap
        track, change = r.step(track, i % 2 == 0, now, Policy(30, 60))
        assert change is None and track.open


def test_a_lasting_condition_raises_once_then_clears_once() -> None:
    track, changes = Track(), []
    for t in range(0, 200_000, 10_000):
        track, change = r.step(track, t < 100_000, t, POLICY)
        changes.append((t, change))
    happened = [(t, c) for t, c in changes if c]
    assert happened == [(30_000, Change.RAISE), (160_000, Change.CLEAR)]


def test_which_findings_alert_and_with_what_policy() -> None:
    assert r.policy_for("payments.wechat", Severity.WARN) is None  # unreliable, not down
    assert r.policy_for("payments.wechat", Severity.FAIL) is not None  # breaker open
    assert r.policy_for("payments.failure_rate", Severity.WARN) == Policy(0, 120)
    assert r.policy_for("kds.Bar", Severity.WARN) == Policy(3, 60)
    assert r.policy_for("sync", Severity.WARN) is not None
    assert r.policy_for("syncing", Severity.FAIL) is None
    assert r.policy_for("kds.Bar", Severity.OK) is None
    assert r.policy_for("database.wal", Severity.FAIL) is None  # the doctor's, not an alert
    dark = judge_station("s1", "Bar", 40.0, has_printer=False)
    found = r.alertable([dark, judge_station("s2", "Hot", None, has_printer=False)])
    assert list(found) == ["kds.Bar"] and found["kds.Bar"][0] is dark


def test_the_failure_rate_raises_at_one_line_and_holds_to_a_lower_one() -> None:
    assert r.judge_failure_rate(3, 4, 600).severity is Severity.OK  # too few to be a rate
    assert r.judge_failure_rate(2, 10, 600).severity is Severity.OK  # 20 %: below 30 %
    up = r.judge_failure_rate(4, 10, 600)
    assert up.severity is Severity.WARN and "4 of 10" in up.cause.en and up.fix.zh
    assert r.judge_failure_rate(2, 10, 600, open_now=True).severity is Severity.WARN
    assert r.judge_failure_rate(1, 10, 600, open_now=True).severity is Severity.OK
    assert r.judge_failure_rate(6, 10, 600).severity is Severity.FAIL


def test_a_peak_warning_says_what_to_do_with_the_pacing_that_exists() -> None:
    w = PeakWarning("hot", 1_772_424_900_000, 36.0, 34.0, 38, 34 / 38)
    f = r.judge_peak(w, "热菜", "Hot Kitchen", 30, ZoneInfo("Asia/Shanghai"))
    assert f.check == "peak.Hot Kitchen" and f.severity is Severity.WARN
    assert "open a second Hot Kitchen station" in f.fix.en
    assert "HEARTH_DELIVERY_WINDOW_CAP" in f.fix.en and "from 30 to 28" in f.fix.en
    assert "热菜" in f.fix.zh and f.facts["suggested_window_cap"] == 28


def test_the_webhook_message_is_a_group_robot_markdown_message() -> None:
    alert = {
        "key": "printer.Kitchen",
        "severity": "fail",
        "cause_zh": "打印机没纸",
        "cause_en": "printer out of paper",
        "fix_zh": "加纸",
        "fix_en": "load paper",
    }
    raised = r.webhook_body(Change.RAISE, alert, "store-001", "2026-03-02 12:30")
    assert raised["msgtype"] == "markdown"
    text = raised["markdown"]["content"]
    assert "printer.Kitchen" in text and "打印机没纸" in text and "load paper" in text
    cleared = r.webhook_body(Change.CLEAR, alert, "store-001", "2026-03-02 12:40")
    assert "已恢复" in cleared["markdown"]["content"]
    assert "load paper" not in cleared["markdown"]["content"]
