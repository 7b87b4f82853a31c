"""Alerts on the node: a loop that asks the doctor's checks every few seconds, keeps what
lasts, journals each alert raised, worsened (warn to fail) and cleared, and tells a group chat.

The loop sleeps on the node's clock (a test steps a ``ManualClock``). Each round (every 3 s)
runs the doctor's cheap live checks (not the database's quick_check: that is for ``hearth
doctor``), the payment failure rate and, every few minutes, the peak-load forecast;
``alert_rules`` turns what lasts into alerts. Raising and clearing are events through the
writer (AlertRaised / AlertWorsened / AlertCleared), so the alerts table is a projection like
every other and HQ gets them with the sync. The webhook has a queue and a task of its own: a
chat server that hangs costs that task its retries, never the loop or an order.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa
import structlog
from prometheus_client.metrics_core import Metric
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import Connection

from hearth.core.ids import new_id
from hearth.core.metrics import gauge
from hearth.core.node import Node
from hearth.core.tables import journal
from hearth.core.writer import Tx
from hearth.kitchen.fallback import Screens
from hearth.kitchen.tables import station_timing, stations
from hearth.ops import alert_rules as r
from hearth.ops import checks as c
from hearth.ops import domain as d
from hearth.ops import forecast as fc
from hearth.ops.domain import Finding, Severity
from hearth.ops.service import _guarded
from hearth.ops.tables import ops_alerts

log = structlog.get_logger(__name__)


class AlertConfig(BaseSettings):
    """``HEARTH_ALERT_*``: how often rules run, and where alerts are posted."""

    model_config = SettingsConfigDict(env_prefix="HEARTH_ALERT_", extra="ignore")

    enabled: bool = True
    interval_s: float = 3.0
    # A WeCom / DingTalk group robot URL (empty: alerts stay on the POS and admin pages).
    webhook_url: str = ""
    webhook_attempts: int = 5
    webhook_timeout_s: float = 5.0
    failure_window_s: float = 600.0
    peak_every_s: float = 300.0
    history_days: int = 70


# The checks an alert round runs: the doctor's own, minus the database's quick_check.
ROUND_CHECKS: tuple[c.Check, ...] = tuple(
    k for k in c.CHECKS if k.name in ("writer", "payments", "printers", "kds", "sync", "orders")
)


def _disk(node: Node) -> list[Finding]:
    path = c.db_path(node)
    if path is None:
        return []
    usage = shutil.disk_usage(path.parent)
    return [d.judge_disk(usage.free, usage.total)]


def first_seq_since(conn: Connection, since_ms: int) -> int:
    """The ``after_seq`` from which the journal holds what was recorded since ``since_ms``:
    a binary search over seq (events are recorded in order, near enough), a few primary-key
    lookups, so a year-old journal is never read whole to find its last weeks."""
    top = conn.execute(sa.select(sa.func.max(journal.c.seq))).scalar() or 0
    lo, hi = 1, top + 1
    while lo < hi:
        mid = (lo + hi) // 2
        at = conn.execute(
            sa.select(journal.c.recorded_at_ms).where(journal.c.seq >= mid).order_by(journal.c.seq)
        ).first()
        if at is not None and at[0] < since_ms:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


def tail(
    conn: Connection, after_seq: int, types: tuple[str, ...], limit: int = 20_000
) -> tuple[list[Any], int, bool]:
    """The events of ``types`` after ``after_seq``: (rows, the new cursor, whether more wait).
    Only matching rows are decoded, and the cursor moves past what was skipped."""
    top = conn.execute(sa.select(sa.func.max(journal.c.seq))).scalar() or 0
    rows = conn.execute(
        sa.select(journal.c.seq, journal.c.type, journal.c.recorded_at_ms, journal.c.payload)
        .where(journal.c.seq > after_seq)
        .where(journal.c.seq <= top)
        .where(journal.c.type.in_(types))
        .order_by(journal.c.seq)
        .limit(limit)
    ).all()
    if len(rows) == limit:
        return list(rows), rows[-1].seq, True
    return list(rows), max(after_seq, top), False


@dataclass
class Outcomes:
    """Online payments decided lately, from the journal: (when, failed) per decision."""

    window_ms: int
    after_seq: int | None = None
    online: dict[str, int] = field(default_factory=dict)  # payment id -> started at
    decided: deque[tuple[int, bool]] = field(default_factory=deque)
    TYPES = ("PaymentStarted", "PaymentStatusChanged")

    def read(self, conn: Connection, now_ms: int) -> tuple[int, int]:
        """(failed, decided) in the window ending ``now_ms``."""
        if self.after_seq is None:
            self.after_seq = first_seq_since(conn, now_ms - self.window_ms)
        more = True
        while more:
            rows, self.after_seq, more = tail(conn, self.after_seq, self.TYPES)
            for _, type_, at_ms, p in rows:
                pid = p.get("payment_id")
                if type_ == "PaymentStarted":
                    if not p.get("provider"):
                        continue  # cash and stored value never fail on the provider's side
                    self.online[pid] = at_ms
                elif pid not in self.online:
                    continue
                status = p.get("status")
                if status in ("succeeded", "failed"):
                    self.decided.append((at_ms, status == "failed"))
                    self.online.pop(pid, None)
        cut = now_ms - self.window_ms
        while self.decided and self.decided[0][0] < cut:
            self.decided.popleft()
        self.online = {k: v for k, v in self.online.items() if v >= cut - 3_600_000}
        return sum(1 for _, failed in self.decided if failed), len(self.decided)


# -- what the kitchen and the orders have been: read from the journal, a little each round ----


@dataclass
class Book:
    """Orders per slot per day, and per station each slot's tickets and their times, kept up
    to date from the journal (only the events after the last one read)."""

    tz: ZoneInfo
    keep_days: int
    after_seq: int
    orders: dict[date, list[int]] = field(default_factory=dict)
    tickets: dict[str, dict[tuple[date, int], list[float]]] = field(default_factory=dict)
    sent: dict[str, dict[tuple[date, int], int]] = field(default_factory=dict)
    open_tickets: dict[str, tuple[str, date, int, int]] = field(default_factory=dict)
    TYPES = ("OrderOpened", "TicketCreated", "TicketBumped")

    def read(self, conn: Connection) -> bool:
        """Read on from the cursor; True while more events wait."""
        rows, self.after_seq, more = tail(conn, self.after_seq, self.TYPES)
        for _, type_, at_ms, payload in rows:
            if type_ == "OrderOpened":
                day, slot = fc.slot_of(at_ms, self.tz)
                self.orders.setdefault(day, [0] * fc.SLOTS)[slot] += 1
            elif type_ == "TicketCreated":
                t = payload["ticket"]
                day, slot = fc.slot_of(t["sent_at_ms"], self.tz)
                st = t["station_id"]
                per = self.sent.setdefault(st, {})
                per[(day, slot)] = per.get((day, slot), 0) + 1
                self.open_tickets[t["id"]] = (st, day, slot, t["sent_at_ms"])
            elif type_ == "TicketBumped":
                t = payload["ticket"]
                first = self.open_tickets.pop(t["id"], None)
                if first is not None and t.get("done_at_ms"):
                    st, day, slot, sent = first
                    took = max(0.0, (t["done_at_ms"] - sent) / 1000)
                    self.tickets.setdefault(st, {}).setdefault((day, slot), []).append(took)
        return more

    def prune(self, today: date) -> None:
        cut = today.toordinal() - self.keep_days
        self.orders = {k: v for k, v in self.orders.items() if k.toordinal() >= cut}
        for times in self.tickets.values():
            for key in [k for k in times if k[0].toordinal() < cut]:
                del times[key]
        for sent in self.sent.values():
            for key in [k for k in sent if k[0].toordinal() < cut]:
                del sent[key]
        self.open_tickets = {
            k: v for k, v in self.open_tickets.items() if v[1].toordinal() >= today.toordinal() - 1
        }

    def capacity(self, station: str, acceptable_s: float) -> int | None:
        sent = self.sent.get(station, {})
        times = self.tickets.get(station, {})
        loads = [fc.SlotLoad(n, fc.p90(times.get(k, []))) for k, n in sent.items() if k in times]
        return fc.capacity(loads, acceptable_s)

    def share(self, station: str) -> float:
        orders = sum(sum(v) for v in self.orders.values())
        return sum(self.sent.get(station, {}).values()) / orders if orders else 0.0


# -- the runner ------------------------------------------------------------------------------


@dataclass
class Open:
    id: str
    key: str
    severity: str


@dataclass
class AlertRunner:
    node: Node
    config: AlertConfig
    tracks: dict[str, r.Track] = field(default_factory=dict)
    opened: dict[str, Open] = field(default_factory=dict)
    rounds: int = 0
    last_error: str | None = None
    peak: list[Finding] = field(default_factory=list)
    peak_at_ms: int | None = None
    model: fc.Model = fc.Model.BASELINE
    model_day: date | None = None
    sent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=50))
    task: asyncio.Task[None] | None = None
    hook_task: asyncio.Task[None] | None = None
    outbox: asyncio.Queue[dict[str, Any]] | None = None
    book: Book | None = None
    outcomes: Outcomes | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.node.settings.timezone)

    # -- one round ---------------------------------------------------------------------------

    async def findings(self) -> list[Finding]:
        node = self.node
        results = await asyncio.gather(*(_guarded(node, k) for k in ROUND_CHECKS))
        found = [f for fs in results for f in fs if not self._never_had_a_screen(f)]
        found += await asyncio.to_thread(_disk, node)
        failed, decided = await asyncio.to_thread(self._outcomes, node.now_ms())
        found.append(
            r.judge_failure_rate(
                failed,
                decided,
                self.config.failure_window_s,
                open_now="payments.failure_rate" in self.opened,
            )
        )
        now = node.now_ms()
        if self.peak_at_ms is None or now - self.peak_at_ms >= self.config.peak_every_s * 1000:
            self.peak_at_ms = now
            try:
                self.peak = await asyncio.to_thread(self.peak_findings, now)
            except Exception as exc:  # a forecast bug never stops the other alerts
                log.warning("ops.peak_failed", error=repr(exc))
                self.peak = []
        return found + self.peak

    def _never_had_a_screen(self, f: Finding) -> bool:
        """A station no screen has connected to since the node started is how a store that
        prints its tickets works, not a fault: only a screen that left makes a dark station
        (the doctor still lists them all)."""
        if not f.check.startswith("kds.") or f.severity is Severity.OK:
            return False
        screens = self.node.parts.find(Screens)
        return screens is None or f.facts.get("station_id") not in screens.offline_since

    def _outcomes(self, now_ms: int) -> tuple[int, int]:
        if self.outcomes is None:
            self.outcomes = Outcomes(int(self.config.failure_window_s * 1000))
        with self.node.engine.connect() as conn:
            return self.outcomes.read(conn, now_ms)

    async def evaluate(self) -> list[tuple[r.Change, dict[str, Any]]]:
        """One round: the checks, the hysteresis, and the events for what changed."""
        now = self.node.now_ms()
        bad = r.alertable(await self.findings())
        changes: list[tuple[r.Change, dict[str, Any]]] = []
        for key in sorted(set(bad) | set(self.tracks)):
            hit = bad.get(key)
            policy = hit[1] if hit else (r.policy_for(key, Severity.FAIL) or r.Policy())
            track, change = r.step(self.tracks.get(key, r.Track()), hit is not None, now, policy)
            if change is r.Change.RAISE and hit is not None:
                changes.append((change, self._raised(hit[0], now)))
            elif change is r.Change.CLEAR and key in self.opened:
                o = self.opened[key]
                changes.append((change, {"id": o.id, "key": key, "cleared_at_ms": now}))
            elif hit is not None and key in self.opened and track.open:
                o = self.opened[key]
                if hit[0].severity is Severity.FAIL and o.severity != Severity.FAIL.value:
                    worse = self._raised(hit[0], now) | {"id": o.id}
                    del worse["raised_at_ms"]
                    changes.append((r.Change.WORSEN, worse | {"worsened_at_ms": now}))
            if track.open or track.bad_since_ms is not None:
                self.tracks[key] = track
            else:
                self.tracks.pop(key, None)
        if changes:
            await self.node.writer.submit(lambda tx: self._journal(tx, changes))
            for change, p in changes:
                if change is r.Change.CLEAR:
                    self.opened.pop(p["key"], None)
                else:
                    self.opened[p["key"]] = Open(p["id"], p["key"], p["severity"])
                self.notify(change, p)
        self.rounds += 1
        return changes

    @staticmethod
    def _raised(f: Finding, now: int) -> dict[str, Any]:
        return {
            "id": new_id(),
            "key": f.check,
            "severity": f.severity.value,
            "cause": {"zh": f.cause.zh, "en": f.cause.en},
            "works": {"zh": f.works.zh, "en": f.works.en},
            "fix": {"zh": f.fix.zh, "en": f.fix.en},
            "facts": _plain(f.facts),
            "raised_at_ms": now,
        }

    @staticmethod
    def _journal(tx: Tx, changes: list[tuple[r.Change, dict[str, Any]]]) -> None:
        kinds = {
            r.Change.RAISE: "AlertRaised",
            r.Change.WORSEN: "AlertWorsened",
            r.Change.CLEAR: "AlertCleared",
        }
        for change, p in changes:
            tx.append(f"alert:{p['id']}", kinds[change], p)

    # -- the peak-load forecast --------------------------------------------------------------

    def peak_findings(self, now_ms: int) -> list[Finding]:
        node = self.node
        tz = self.tz
        today, now_slot = fc.slot_of(now_ms, tz)
        with node.engine.connect() as conn:
            if self.book is None:
                keep = self.config.history_days
                start = first_seq_since(conn, now_ms - (keep + 1) * 86_400_000)
                self.book = Book(tz, keep, start)
            book = self.book
            while book.read(conn):
                pass
            rows = conn.execute(
                sa.select(
                    stations.c.id,
                    stations.c.name_zh,
                    stations.c.name_en,
                    stations.c.is_expo,
                    station_timing.c.late_s,
                )
                .select_from(
                    stations.outerjoin(station_timing, station_timing.c.station_id == stations.c.id)
                )
                .where(stations.c.store_id == node.settings.store_id)
            ).all()
        book.prune(today)
        history = {k: v for k, v in book.orders.items() if k < today}
        base = fc.baseline(history, today)
        if not any(base):
            return []
        if self.model_day != today:
            self.model, self.model_day = fc.choose(fc.evaluate(history, today)), today
        observed = book.orders.get(today, [0] * fc.SLOTS)
        expected = fc.forecast(base, observed, now_slot, self.model)
        day_start = fc.slot_start_ms(today, 0, tz)
        slots = fc.upcoming_slots(now_ms, day_start)
        names = {row.id: row for row in rows if not row.is_expo}
        caps = {sid: book.capacity(sid, float(row.late_s or 600)) for sid, row in names.items()}
        share = {sid: book.share(sid) for sid in names}
        # Two thresholds: a warning already up holds down to 75 %, a new one needs 85 %.
        warnings = fc.peak_warnings(expected, slots, share, caps, day_start, warn_at=0.75)
        out = []
        for w in warnings:
            row = names[w.station]
            key = f"peak.{row.name_en}"
            if w.load >= fc.WARN_AT or key in self.opened:
                f = r.judge_peak(w, row.name_zh, row.name_en, node.settings.delivery_window_cap, tz)
                out.append(replace(f, facts={**f.facts, "model": self.model.value}))
        return out

    # -- the webhook -------------------------------------------------------------------------

    def notify(self, change: r.Change, payload: dict[str, Any]) -> None:
        if not self.config.webhook_url or self.outbox is None:
            return
        alert = self._alert_words(payload)
        at = datetime.fromtimestamp(self.node.now_ms() / 1000, self.tz).strftime("%Y-%m-%d %H:%M")
        body = r.webhook_body(change, alert, self.node.settings.store_id, at)
        if self.outbox.full():  # the oldest message goes; the loop never waits on a chat
            with contextlib.suppress(asyncio.QueueEmpty):
                self.outbox.get_nowait()
        self.outbox.put_nowait(body)

    def _alert_words(self, p: dict[str, Any]) -> dict[str, Any]:
        if "cause" in p:
            return {
                "key": p["key"],
                "severity": p["severity"],
                "cause_zh": p["cause"]["zh"],
                "cause_en": p["cause"]["en"],
                "fix_zh": p["fix"]["zh"],
                "fix_en": p["fix"]["en"],
            }
        with self.node.engine.connect() as conn:
            row = conn.execute(sa.select(ops_alerts).where(ops_alerts.c.id == p["id"])).first()
        return dict(row._mapping) if row else {"key": p["key"], "cause_zh": "", "cause_en": ""}

    async def _post_all(self) -> None:
        assert self.outbox is not None
        async with httpx.AsyncClient(timeout=self.config.webhook_timeout_s) as client:
            while True:
                body = await self.outbox.get()
                await self._post(client, body)

    async def _post(self, client: httpx.AsyncClient, body: dict[str, Any]) -> bool:
        delay = 1.0
        for attempt in range(1, self.config.webhook_attempts + 1):
            try:
                resp = await client.post(self.config.webhook_url, json=body)
                if resp.status_code < 300:
                    self.sent.append(body)
                    return True
                error = f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                error = repr(exc)
            log.warning("ops.webhook_failed", attempt=attempt, error=error)
            if attempt < self.config.webhook_attempts:
                await self.node.clock.sleep(delay)
                delay = min(delay * 2, 60.0)
        return False

    # -- the loop ----------------------------------------------------------------------------

    def load_open(self) -> None:
        """After a restart the alerts still open are open again: cleared, never raised twice."""
        with self.node.engine.connect() as conn:
            rows = conn.execute(
                sa.select(ops_alerts.c.id, ops_alerts.c.key, ops_alerts.c.severity)
                .where(ops_alerts.c.store_id == self.node.settings.store_id)
                .where(ops_alerts.c.cleared_at_ms.is_(None))
            ).all()
        for row in rows:
            self.opened[row.key] = Open(row.id, row.key, row.severity)
            self.tracks[row.key] = r.Track(open=True)

    async def _run(self) -> None:
        while True:
            await self.node.clock.sleep(self.config.interval_s)
            try:
                await self.evaluate()
                self.last_error = None
            except Exception as exc:  # the next round tries again
                self.last_error = repr(exc)
                log.exception("ops.alerts_failed")

    async def start(self) -> None:
        await asyncio.to_thread(self.load_open)
        if self.config.webhook_url:
            self.outbox = asyncio.Queue(maxsize=100)
            self.hook_task = asyncio.create_task(self._post_all(), name="hearth-alert-webhook")
        self.task = asyncio.create_task(self._run(), name="hearth-alerts")

    async def stop(self) -> None:
        for task in (self.task, self.hook_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self.task = self.hook_task = None


def _plain(facts: Any) -> dict[str, Any]:
    """Facts as JSON the journal keeps (numbers, strings, lists, small dicts)."""
    out: dict[str, Any] = {}
    for k, v in dict(facts).items():
        out[str(k)] = v if isinstance(v, str | int | float | bool | list | dict | None) else str(v)
    return out


def metrics(node: Node) -> Iterator[Metric]:
    """Open alerts by severity, read at scrape time: what Prometheus alerts on for a fleet."""
    with node.engine.connect() as conn:
        rows = conn.execute(
            sa.select(ops_alerts.c.severity, sa.func.count())
            .where(ops_alerts.c.store_id == node.settings.store_id)
            .where(ops_alerts.c.cleared_at_ms.is_(None))
            .group_by(ops_alerts.c.severity)
        ).all()
    counts = {"warn": 0, "fail": 0} | {str(sev): int(n) for sev, n in rows}
    yield gauge(
        "hearth_alerts_open",
        "Alerts the node raised and has not cleared, by severity (warn, fail).",
        ["severity"],
        (([sev], n) for sev, n in counts.items()),
    )


def runner_of(node: Node) -> AlertRunner | None:
    return node.parts.find(AlertRunner)


def on_build(node: Node) -> None:
    node.parts.put(AlertRunner(node, AlertConfig()))


async def on_start(node: Node) -> None:
    runner = runner_of(node)
    if runner is not None and runner.config.enabled:
        await runner.start()


async def on_stop(node: Node) -> None:
    runner = runner_of(node)
    if runner is not None:
        await runner.stop()
