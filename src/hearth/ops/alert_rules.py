"""When a doctor's finding becomes an alert, when the alert ends, and the few words only alerts
need (the payment failure rate, the peak-load warning, the webhook message).

Pure. An alert is a doctor finding that has lasted: the rules here never describe a fault a
second time, they take the finding (its cause, what works, the fix, in both languages) and add
time. A condition must hold for ``raise_after_s`` before the alert is raised and be gone for
``clear_after_s`` before it is cleared, so a printer that drops one probe or a writer that is
slow for one commit does not page anybody, and an alert does not flap at its threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from hearth.ops.domain import Finding, Severity, Words
from hearth.ops.forecast import PeakWarning, window_cap_for


@dataclass(frozen=True)
class Policy:
    raise_after_s: float = 20.0
    clear_after_s: float = 60.0


# Which doctor findings are alerts, and how long each must last. A prefix of the finding's
# check name, the lowest severity that counts, and the policy. Payment providers count only
# with their breaker open (fail), which is itself several failures in a row, so it alerts at
# once; a provider turned off on purpose is not a fault. A screen reloading is back within a
# second or two: a dark screen waits 3 s (with a round every 3 s and the POS asking every 3 s,
# it is on the till within about 10 s). A printer missing one probe waits 10 s. Every alert
# waits at least a minute of quiet before it clears, which is what keeps it from flapping.
ALERTING: tuple[tuple[str, Severity, Policy], ...] = (
    ("payments.failure_rate", Severity.WARN, Policy(0, 120)),
    ("payments.", Severity.FAIL, Policy(0, 60)),
    ("printer.", Severity.FAIL, Policy(10, 60)),
    ("kds.", Severity.WARN, Policy(3, 60)),
    ("sync", Severity.WARN, Policy(60, 120)),
    ("database.disk", Severity.WARN, Policy(0, 300)),
    ("writer", Severity.WARN, Policy(30, 120)),
    ("orders.kitchen", Severity.WARN, Policy(0, 60)),
    ("peak.", Severity.WARN, Policy(0, 15 * 60)),
)


def policy_for(check: str, severity: Severity) -> Policy | None:
    """The policy of a finding that alerts, None for one that does not (first match wins)."""
    rank = {Severity.OK: 0, Severity.WARN: 1, Severity.FAIL: 2}
    for prefix, lowest, policy in ALERTING:
        if check == prefix or (prefix.endswith(".") and check.startswith(prefix)):
            return policy if rank[severity] >= rank[lowest] else None
    return None


# -- hysteresis ------------------------------------------------------------------------------


class Change(StrEnum):
    RAISE = "raise"
    WORSEN = "worsen"  # an open alert's finding went from warn to fail: same alert, new words
    CLEAR = "clear"


@dataclass(frozen=True)
class Track:
    """One alert key's state between evaluations."""

    open: bool = False
    bad_since_ms: int | None = None  # the condition has held since (None: it does not)
    good_since_ms: int | None = None  # the condition has been gone since (None: it holds)


def step(track: Track, bad: bool, now_ms: int, policy: Policy) -> tuple[Track, Change | None]:
    """The next state of one key after an evaluation at ``now_ms``, and whether to raise or
    clear it now. Raising needs the condition for ``raise_after_s`` without a break; clearing
    needs it gone for ``clear_after_s`` without a break."""
    if bad:
        since = track.bad_since_ms if track.bad_since_ms is not None else now_ms
        t = Track(track.open, since, None)
        if not t.open and now_ms - since >= policy.raise_after_s * 1000:
            return replace(t, open=True), Change.RAISE
        return t, None
    since = track.good_since_ms if track.good_since_ms is not None else now_ms
    t = Track(track.open, None, since)
    if t.open and now_ms - since >= policy.clear_after_s * 1000:
        return replace(t, open=False), Change.CLEAR
    return t, None


# -- the payment failure rate ----------------------------------------------------------------


def judge_failure_rate(
    failed: int,
    decided: int,
    window_s: float,
    *,
    open_now: bool = False,
    raise_at: float = 0.3,
    clear_below: float = 0.15,
    min_payments: int = 5,
) -> Finding:
    """Online payments that failed among those decided in the last ``window_s``.

    Two thresholds: raised from ``raise_at``, held until the rate falls below ``clear_below``
    (``open_now`` says the alert is up), so a rate hovering at the line does not flap. A few
    payments are no rate at all: fewer than ``min_payments`` never raise."""
    rate = failed / decided if decided else 0.0
    facts = {"failed": failed, "decided": decided, "rate": round(rate, 3), "window_s": window_s}
    line = clear_below if open_now else raise_at
    if decided < min_payments or rate < line:
        return Finding(
            "payments.failure_rate",
            Severity.OK,
            Words("在线支付成功率正常", "online payments are going through"),
            facts=facts,
        )
    minutes = window_s / 60
    return Finding(
        "payments.failure_rate",
        Severity.FAIL if rate >= 0.5 else Severity.WARN,
        Words(
            f"近 {minutes:.0f} 分钟 {decided} 笔在线支付中 {failed} 笔失败（{rate:.0%}）",
            f"{failed} of {decided} online payments failed in the last {minutes:.0f} min "
            f"({rate:.0%})",
        ),
        Words("现金和其他支付方式照常收款", "cash and the other tenders still work"),
        Words(
            "查看管理页健康页各支付渠道的状态（hearth doctor）；请顾客换一种支付方式",
            "see each provider on the admin page's Health tab (hearth doctor); ask guests to "
            "pay another way meanwhile",
        ),
        facts=facts,
    )


# -- the peak-load warning -------------------------------------------------------------------


def hhmm(ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ms / 1000, tz).strftime("%H:%M")


def judge_peak(
    w: PeakWarning, station_zh: str, station_en: str, window_cap: int, tz: ZoneInfo
) -> Finding:
    """A station's slot 30-60 minutes ahead near what it has shown it can take, with what to
    do about it while there is still time: staff, a second station, and the delivery pacing."""
    at = f"{hhmm(w.slot_start_ms, tz)}–{hhmm(w.slot_start_ms + 15 * 60_000, tz)}"
    cap = window_cap_for(window_cap, w.load)
    return Finding(
        f"peak.{station_en}",
        Severity.FAIL if w.load >= 1.0 else Severity.WARN,
        Words(
            f"预计 {at} 约 {w.expected_orders:.0f} 单，{station_zh} 约 {w.expected_tickets:.0f} "
            f"张小票，达到其能力（每 15 分钟 {w.capacity} 张）的 {w.load:.0%}",
            f"about {w.expected_orders:.0f} orders expected {at}: {w.expected_tickets:.0f} "
            f"tickets for {station_en}, {w.load:.0%} of the {w.capacity} per 15 min it has "
            f"handled in time",
        ),
        Words("现在一切正常；高峰前还有 30 分钟以上", "all is well now; the peak is 30+ min away"),
        Words(
            f"加开一个{station_zh}档口或叫人手支援；高峰期间放慢外卖接单：把外卖每 15 分钟接单上限"
            f"从 {window_cap} 调到 {cap}（HEARTH_DELIVERY_WINDOW_CAP），满额后自动暂停接单",
            f"open a second {station_en} station or call in staff; slow delivery intake for the "
            f"peak: lower the delivery cap from {window_cap} to {cap} orders per 15 min "
            f"(HEARTH_DELIVERY_WINDOW_CAP), above which pacing pauses intake by itself",
        ),
        facts=w.to_json() | {"suggested_window_cap": cap},
    )


# -- the webhook's message -------------------------------------------------------------------


def webhook_body(change: Change, alert: Mapping[str, Any], store: str, at: str) -> dict[str, Any]:
    """A WeCom / DingTalk group-robot message (``msgtype: markdown``), Chinese then English."""
    raised = change is not Change.CLEAR
    sev = str(alert.get("severity"))
    mark = ("🔴" if sev == "fail" else "🟠") if raised else "✅"
    title_zh, title_en = {
        Change.RAISE: ("告警", "Alert"),
        Change.WORSEN: ("告警升级", "Alert worse"),
        Change.CLEAR: ("已恢复", "Cleared"),
    }[change]
    lines = [
        f"### {mark} {title_zh} / {title_en}: {alert['key']} ({store})",
        f"> {alert['cause_zh']}",
        f"> {alert['cause_en']}",
    ]
    if raised:
        lines += [
            f"**处理**：{alert['fix_zh']}",
            f"**Fix**: {alert['fix_en']}",
        ]
    lines.append(f'<font color="comment">{at}</font>')
    return {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}


def alertable(findings: Sequence[Finding]) -> dict[str, tuple[Finding, Policy]]:
    """The findings that count as alert conditions now, by key (the worst per key)."""
    out: dict[str, tuple[Finding, Policy]] = {}
    rank = {Severity.OK: 0, Severity.WARN: 1, Severity.FAIL: 2}
    for f in findings:
        policy = policy_for(f.check, f.severity)
        if policy is None:
            continue
        prev = out.get(f.check)
        if prev is None or rank[f.severity] > rank[prev[0].severity]:
            out[f.check] = (f, policy)
    return out
