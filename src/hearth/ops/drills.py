"""Fault drills: put a real fault on the live store for a few minutes and report, step by step,
when the node noticed, what the staff saw, what fell back, when it recovered, and that nothing
was lost.

A drill is journaled (``DrillStarted``, one ``DrillStep`` per step, ``DrillFinished``) and
projected into ``drill_tables``, so its report outlives the process and travels like any
other event. It refuses to start during a service period (lunch and dinner by default: a
drill is practice, not something to spring on a full dining room) unless the owner forces it,
and only one runs at a time. The detection is the doctor's own checks, polled: a drill proves
that the doctor, the POS banner and the fallbacks work, so it must not have its own way of
knowing. The faults themselves are in ``drill_faults``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection

from hearth.core.errors import ErrorCode
from hearth.core.journal import Event, ProjectorRegistry
from hearth.core.node import Node
from hearth.core.tables import journal
from hearth.core.writer import Tx
from hearth.ops import checks as c
from hearth.ops import drill_faults as f
from hearth.ops.domain import Finding, Words
from hearth.ops.drill_tables import ops_drill_settings, ops_drill_steps, ops_drills
from hearth.ops.service import run_doctor
from hearth.sync.api import status_json

log = structlog.get_logger(__name__)

DETECT_GOAL_MS = 10_000
RECOVER_GOAL_MS = 60_000
DEFAULT_DURATION_S = 150.0  # 2.5 minutes: long enough to see the fallbacks work
MAX_DURATION_S = 900.0
DEFAULT_PERIODS: tuple[tuple[str, str], ...] = (("11:00", "14:00"), ("17:00", "21:00"))
SETTINGS_STREAM = "ops:drill-settings"
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class DrillError(ErrorCode):
    IN_SERVICE = (
        "drill-in-service-period",
        409,
        "A drill cannot run during a service period unless the owner forces it",
        "营业高峰时段不能演练，除非店主强制执行",
    )
    RUNNING = ("drill-running", 409, "Another drill is running", "另一个演练正在进行")
    UNAVAILABLE = (
        "drill-unavailable",
        409,
        "This drill cannot run on this store",
        "本店无法进行该演练",
    )
    OWNER_ONLY = ("drill-owner-only", 403, "Only the owner runs drills", "只有店主可以进行演练")
    PERIODS_INVALID = (
        "drill-periods-invalid",
        422,
        "Service periods are pairs of times like 11:00 and 14:00",
        "营业时段应为成对的时间，如 11:00 与 14:00",
    )
    NOT_FOUND = ("drill-not-found", 404, "No such drill", "没有这个演练")


# -- rules -----------------------------------------------------------------------------------


def check_periods(raw: Any) -> list[list[str]]:
    """A list of ``[start, end]`` store-local times; an end before its start wraps midnight,
    and an end equal to its start wraps all the way round (the whole day)."""
    if not isinstance(raw, list) or len(raw) > 12:
        raise DrillError.PERIODS_INVALID.problem("Give at most 12 periods.", field="periods")
    out = []
    for i, p in enumerate(raw):
        if not (isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)):
            raise DrillError.PERIODS_INVALID.problem(
                f"Period {i + 1} must be two times.", field="periods"
            )
        if not all(_HHMM.match(x) for x in p):
            raise DrillError.PERIODS_INVALID.problem(
                f"Period {i + 1} ({p[0]}-{p[1]}) must be two times as HH:MM.", field="periods"
            )
        out.append([p[0], p[1]])
    return out


def in_period(periods: Sequence[Sequence[str]], hhmm: str) -> list[str] | None:
    """The period ``hhmm`` (store-local) falls in, if any."""
    for start, end in periods:
        inside = start <= hhmm < end if start < end else (hhmm >= start or hhmm < end)
        if inside:
            return [start, end]
    return None


def local_hhmm(now_ms: int, timezone: str) -> str:
    return dt.datetime.fromtimestamp(now_ms / 1000, ZoneInfo(timezone)).strftime("%H:%M")


# -- projections -----------------------------------------------------------------------------

projectors = ProjectorRegistry()
projectors.owns(ops_drills, ops_drill_steps, ops_drill_settings)


@projectors.on("DrillStarted")
def _started(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        ops_drills.insert().values(
            id=p["drill_id"],
            store_id=ev.store_id,
            fault=p["fault"],
            target=p.get("target"),
            status="running",
            forced=bool(p.get("forced")),
            duration_s=float(p["duration_s"]),
            started_by=ev.actor,
            started_at_ms=p["at_ms"],
        )
    )


@projectors.on("DrillStep")
def _step(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        ops_drill_steps.insert().values(
            drill_id=p["drill_id"],
            n=p["n"],
            kind=p["kind"],
            ok=bool(p["ok"]),
            at_ms=p["at_ms"],
            after_ms=p["after_ms"],
            zh=p["zh"][:600],
            en=p["en"][:600],
            facts=p.get("facts") or {},
        )
    )
    if p.get("target"):
        conn.execute(
            ops_drills.update()
            .where(ops_drills.c.id == p["drill_id"])
            .values(target=str(p["target"])[:120])
        )


@projectors.on("DrillFinished")
def _finished(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        ops_drills.update()
        .where(ops_drills.c.id == p["drill_id"])
        .values(
            status=p["status"],
            detected_after_ms=p.get("detected_after_ms"),
            recovered_after_ms=p.get("recovered_after_ms"),
            nothing_lost=p.get("nothing_lost"),
            finished_at_ms=p["at_ms"],
            summary_zh=p["summary_zh"][:400],
            summary_en=p["summary_en"][:400],
        )
    )


@projectors.on("DrillServicePeriodsSet")
def _periods(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(ops_drill_settings.delete().where(ops_drill_settings.c.store_id == ev.store_id))
    conn.execute(
        ops_drill_settings.insert().values(
            store_id=ev.store_id, service_periods=p["periods"], version=p["version"]
        )
    )


# -- reading ---------------------------------------------------------------------------------


def periods_of(conn: Connection, store_id: str) -> tuple[list[list[str]], int]:
    row = conn.execute(
        sa.select(ops_drill_settings).where(ops_drill_settings.c.store_id == store_id)
    ).first()
    if row is None:
        return [list(p) for p in DEFAULT_PERIODS], 0
    return [list(p) for p in row.service_periods], int(row.version)


def drill_json(conn: Connection, drill_id: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(ops_drills).where(ops_drills.c.id == drill_id)).first()
    if row is None:
        return None
    steps = conn.execute(
        sa.select(ops_drill_steps)
        .where(ops_drill_steps.c.drill_id == drill_id)
        .order_by(ops_drill_steps.c.n)
    ).all()
    out = dict(row._mapping)
    out["steps"] = [dict(s._mapping) for s in steps]
    return out


def list_drills(conn: Connection, store_id: str, limit: int = 20) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(ops_drills.c.id)
        .where(ops_drills.c.store_id == store_id)
        .order_by(ops_drills.c.started_at_ms.desc())
        .limit(limit)
    ).all()
    return [d for r in rows if (d := drill_json(conn, r.id)) is not None]


# -- starting --------------------------------------------------------------------------------


def set_periods(tx: Tx, raw: Any, actor: str | None) -> dict[str, Any]:
    periods = check_periods(raw)
    _, version = periods_of(tx.conn, tx.store_id)
    tx.append(
        SETTINGS_STREAM,
        "DrillServicePeriodsSet",
        {"periods": periods, "version": version + 1},
        actor,
    )
    return {"periods": periods, "version": version + 1}


@dataclass(frozen=True)
class Plan:
    fault: str
    target: str | None
    duration_s: float
    forced: bool


def start_drill(
    tx: Tx,
    plan: Plan,
    now_ms: int,
    timezone: str,
    actor: str | None,
    live: frozenset[str] = frozenset(),
) -> str:
    """Refuse in a service period (unless forced) or while another drill runs; journal it.

    A drill marked running that this process does not run (``live``) was left by a process
    that stopped mid-drill: its fault went with that process, so it is closed as aborted."""
    abandon_running(tx, now_ms, keep=live)
    running = tx.conn.execute(
        sa.select(ops_drills.c.id)
        .where(ops_drills.c.store_id == tx.store_id)
        .where(ops_drills.c.status == "running")
    ).first()
    if running is not None:
        raise DrillError.RUNNING.problem(
            f"Drill {running.id} is still running; wait for it to finish.", field="fault"
        )
    periods, _ = periods_of(tx.conn, tx.store_id)
    hhmm = local_hhmm(now_ms, timezone)
    busy = in_period(periods, hhmm)
    if busy is not None and not plan.forced:
        raise DrillError.IN_SERVICE.problem(
            f"It is {hhmm}, inside the service period {busy[0]}-{busy[1]}. Run the drill "
            "outside service, or force it (owner only).",
            field="force",
        )
    drill_id = str(uuid.uuid4())
    tx.append(
        f"drill:{drill_id}",
        "DrillStarted",
        {
            "drill_id": drill_id,
            "fault": plan.fault,
            "target": plan.target,
            "forced": plan.forced,
            "duration_s": plan.duration_s,
            "at_ms": now_ms,
            "in_period": busy,
        },
        actor,
    )
    return drill_id


# -- running ---------------------------------------------------------------------------------


@dataclass
class Recorder:
    """Appends the drill's steps and remembers the timings for its summary."""

    node: Node
    drill_id: str
    t0: float
    n: int = 0
    detected_ms: int | None = None
    recovered_ms: int | None = None
    nothing_lost: bool | None = None

    def after_ms(self) -> int:
        return int((self.node.clock.monotonic() - self.t0) * 1000)

    async def step(
        self, kind: str, ok: bool, words: Words, target: str | None = None, **facts: Any
    ) -> None:
        self.n += 1
        payload = {
            "drill_id": self.drill_id,
            "n": self.n,
            "kind": kind,
            "ok": ok,
            "at_ms": self.node.now_ms(),
            "after_ms": self.after_ms(),
            "zh": words.zh,
            "en": words.en,
            "facts": facts,
            "target": target,
        }
        stream = f"drill:{self.drill_id}"
        await self.node.writer.submit(lambda tx: tx.append(stream, "DrillStep", payload))

    async def finish(self, status: str, words: Words) -> None:
        payload = {
            "drill_id": self.drill_id,
            "status": status,
            "detected_after_ms": self.detected_ms,
            "recovered_after_ms": self.recovered_ms,
            "nothing_lost": self.nothing_lost,
            "at_ms": self.node.now_ms(),
            "summary_zh": words.zh,
            "summary_en": words.en,
        }
        stream = f"drill:{self.drill_id}"
        await self.node.writer.submit(lambda tx: tx.append(stream, "DrillFinished", payload))


def _journal_top(node: Node) -> int:
    with node.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(journal.c.seq))).scalar() or 0)


def losses(node: Node, after_seq: int) -> dict[str, Any]:
    """What the journal after ``after_seq`` says was made, and whether each thing is there."""
    with node.engine.connect() as conn:
        lo, hi, count = conn.execute(
            sa.select(
                sa.func.min(journal.c.seq), sa.func.max(journal.c.seq), sa.func.count()
            ).where(journal.c.seq > after_seq)
        ).one()
        total, top = conn.execute(sa.select(sa.func.count(), sa.func.max(journal.c.seq))).one()
        orders = conn.exec_driver_sql(
            "SELECT COUNT(DISTINCT substr(j.stream, 7)), COUNT(DISTINCT o.id) FROM journal j "
            "LEFT JOIN orders o ON o.id = substr(j.stream, 7) "
            "WHERE j.seq > ? AND j.type = 'OrderOpened'",
            (after_seq,),
        ).one()
        pays = conn.exec_driver_sql(
            "SELECT COUNT(*), COUNT(p.id) FROM journal j "
            "LEFT JOIN payments p ON p.id = json_extract(j.payload, '$.payment_id') "
            "WHERE j.seq > ? AND j.type = 'PaymentStarted'",
            (after_seq,),
        ).one()
    gaps = (int(hi) - int(lo) + 1 - int(count)) if count else 0
    return {
        "journal_gaps": gaps + (int(top or 0) - int(total)),
        "events": int(count),
        "orders_made": int(orders[0]),
        "orders_present": int(orders[1]),
        "payments_made": int(pays[0]),
        "payments_present": int(pays[1]),
    }


async def _sync_caught_up(node: Node, seq: int, timeout_s: float) -> dict[str, Any]:
    """Whether HQ holds everything up to ``seq`` (when the store is joined to one)."""
    end = node.clock.monotonic() + timeout_s
    while True:
        status = await asyncio.to_thread(status_json, node)
        if not status.get("enrolled"):
            return {"enrolled": False, "synced": True}
        acked = int(status.get("acked_seq") or 0)
        if acked >= seq:
            return {"enrolled": True, "synced": True, "acked_seq": acked}
        if node.clock.monotonic() >= end:
            return {"enrolled": True, "synced": False, "acked_seq": acked, "needed": seq}
        await node.clock.sleep(0.25)


async def check_nothing_lost(node: Node, rec: Recorder, seq0: int, sync_wait_s: float) -> bool:
    top = await asyncio.to_thread(_journal_top, node)
    got = await asyncio.to_thread(losses, node, seq0)
    synced = await _sync_caught_up(node, top, sync_wait_s)
    ok = (
        got["journal_gaps"] == 0
        and got["orders_made"] == got["orders_present"]
        and got["payments_made"] == got["payments_present"]
        and bool(synced["synced"])
    )
    hq = (
        ("已全部上传总部", "all of it reached HQ")
        if synced.get("enrolled") and synced["synced"]
        else ("未全部上传总部", "not all of it reached HQ yet")
        if synced.get("enrolled")
        else ("本店未接入总部", "the store has no HQ")
    )
    await rec.step(
        "checked",
        ok,
        Words(
            f"{'没有丢失任何数据' if ok else '发现缺失'}：记录连续（缺口 {got['journal_gaps']}），"
            f"演练期间的订单 {got['orders_present']}/{got['orders_made']}、"
            f"支付 {got['payments_present']}/{got['payments_made']} 都在；{hq[0]}",
            f"{'nothing lost' if ok else 'something is missing'}: journal continuous "
            f"({got['journal_gaps']} gaps), orders made during the drill "
            f"{got['orders_present']}/{got['orders_made']} and payments "
            f"{got['payments_present']}/{got['payments_made']} present; {hq[1]}",
        ),
        **got,
        **synced,
    )
    return ok


def _check_for(name: str) -> list[c.Check]:
    return [k for k in c.CHECKS if k.name == name]


@dataclass
class Timing:
    """How a drill polls and how long it waits; tests make them short."""

    poll_s: float = 0.5
    recover_timeout_s: float = 90.0
    sync_wait_s: float = 30.0


async def _doctor(node: Node, fault: f.Fault) -> list[Finding]:
    return await run_doctor(node, checks=_check_for(fault.check))


async def run_fault(
    node: Node, drill_id: str, fault: f.Fault, duration_s: float, timing: Timing
) -> None:
    clock = node.clock
    rec = Recorder(node, drill_id, clock.monotonic())
    seq0 = await asyncio.to_thread(_journal_top, node)
    injected = False
    try:
        try:
            await fault.prepare()
        except f.FaultUnavailable as exc:
            await rec.step("refused", False, exc.words)
            await rec.finish("failed", exc.words)
            return
        words = await fault.inject(duration_s)
        injected = True
        await rec.step("injected", True, words, target=fault.target, guided=fault.guided)
        hold_end = clock.monotonic() + duration_s
        while clock.monotonic() < hold_end:
            await fault.tick()
            found = [x for x in await _doctor(node, fault) if fault.matches(x)]
            if found and rec.detected_ms is None:
                rec.detected_ms = rec.after_ms()
                first = found[0]
                await rec.step(
                    "detected",
                    rec.detected_ms <= DETECT_GOAL_MS or fault.guided,
                    Words(
                        f"检查发现故障（{rec.detected_ms / 1000:.1f} 秒）：{first.cause.zh}",
                        f"the doctor noticed after {rec.detected_ms / 1000:.1f} s: "
                        f"{first.cause.en}",
                    ),
                    check=first.check,
                    severity=first.severity.value,
                )
                await rec.step(
                    "staff-saw",
                    True,
                    Words(
                        f"员工看到：{first.cause.zh}。仍可用：{first.works.zh}。处理：{first.fix.zh}",
                        f"staff saw: {first.cause.en}. Still works: {first.works.en}. "
                        f"Fix: {first.fix.en}",
                    ),
                )
                await rec.step("fell-back", True, fault.fallback())
            await clock.sleep(timing.poll_s)
        if rec.detected_ms is None:
            await rec.step(
                "detected",
                False,
                Words(
                    f"演练的 {duration_s:g} 秒内检查没有发现故障",
                    f"the doctor did not notice the fault in the drill's {duration_s:g} s",
                ),
            )
        words = await fault.remove()
        injected = False
        removed_at = clock.monotonic()
        await rec.step("removed", True, words)
        end = removed_at + timing.recover_timeout_s
        while True:
            await fault.tick()
            if fault.recovered(await _doctor(node, fault)):
                rec.recovered_ms = int((clock.monotonic() - removed_at) * 1000)
                break
            if clock.monotonic() >= end:
                break
            await clock.sleep(timing.poll_s)
        if rec.recovered_ms is not None:
            await rec.step(
                "recovered",
                rec.recovered_ms <= RECOVER_GOAL_MS,
                Words(
                    f"故障解除后 {rec.recovered_ms / 1000:.1f} 秒恢复正常",
                    f"back to normal {rec.recovered_ms / 1000:.1f} s after the fault was removed",
                ),
            )
        else:
            await rec.step(
                "recovered",
                False,
                Words(
                    f"故障解除 {timing.recover_timeout_s:g} 秒后仍未恢复",
                    f"still not back {timing.recover_timeout_s:g} s after the fault was removed",
                ),
            )
        rec.nothing_lost = await check_nothing_lost(node, rec, seq0, timing.sync_wait_s)
        await _finish(rec, fault.kind)
    except asyncio.CancelledError:
        if injected:
            with contextlib.suppress(Exception):
                await asyncio.shield(fault.remove())
        with contextlib.suppress(Exception):
            await asyncio.shield(
                rec.finish("aborted", Words("演练被中止，故障已解除", "the drill was stopped"))
            )
        raise
    except Exception as exc:
        log.exception("ops.drill_failed", drill_id=drill_id)
        if injected:
            with contextlib.suppress(Exception):
                await fault.remove()
        await rec.finish(
            "failed", Words(f"演练出错：{exc!r}"[:390], f"the drill failed: {exc!r}"[:390])
        )


async def _finish(rec: Recorder, kind: str) -> None:
    passed = (
        rec.detected_ms is not None
        and rec.recovered_ms is not None
        and rec.recovered_ms <= RECOVER_GOAL_MS
        and bool(rec.nothing_lost)
    )
    det = f"{rec.detected_ms / 1000:.1f}" if rec.detected_ms is not None else "-"
    recov = f"{rec.recovered_ms / 1000:.1f}" if rec.recovered_ms is not None else "-"
    lost_zh = "无丢失" if rec.nothing_lost else "有缺失"
    lost_en = "nothing lost" if rec.nothing_lost else "something missing"
    await rec.finish(
        "passed" if passed else "failed",
        Words(
            f"{kind}：{det} 秒发现，{recov} 秒恢复，{lost_zh}",
            f"{kind}: detected in {det} s, recovered in {recov} s, {lost_en}",
        ),
    )


async def run_restore(node: Node, drill_id: str, timing: Timing) -> None:
    """The database lost: restore the newest backup into a scratch copy, check and time it."""
    rec = Recorder(node, drill_id, node.clock.monotonic())
    seq0 = await asyncio.to_thread(_journal_top, node)
    try:
        if node.settings.sqlite_path() is None:
            words = Words("门店数据库不是 SQLite 文件", "the store database is not a SQLite file")
            await rec.step("refused", False, words)
            await rec.finish("failed", words)
            return
        await rec.step(
            "injected",
            True,
            Words(
                "假设数据库已损坏：现在备份并把最新备份恢复到一个临时副本（在用的数据库不动）",
                "the database is taken as lost: back up now and restore the newest backup "
                "into a scratch copy (the live database is left alone)",
            ),
        )
        with tempfile.TemporaryDirectory(prefix="hearth-drill-") as scratch:
            result = await asyncio.to_thread(f.rehearse_restore, node, Path(scratch))
        rec.detected_ms = 0
        live_top = await asyncio.to_thread(_journal_top, node)
        ok = not result.problems and result.gaps == 0
        rec.recovered_ms = result.took_ms
        await rec.step(
            "recovered",
            ok and result.took_ms <= RECOVER_GOAL_MS,
            Words(
                f"恢复用时 {result.took_ms / 1000:.1f} 秒：备份到第 {result.journal_top} 条记录，"
                f"完整性检查{'通过' if ok else '失败：' + '；'.join(result.problems)}",
                f"restored in {result.took_ms / 1000:.1f} s: the backup holds the journal up to "
                f"seq {result.journal_top}; integrity "
                f"{'ok' if ok else 'failed: ' + '; '.join(result.problems)}",
            ),
            took_ms=result.took_ms,
            backup=result.manifest.file,
            journal_top=result.journal_top,
            gaps=result.gaps,
            live_top=live_top,
        )
        rec.nothing_lost = ok and await check_nothing_lost(node, rec, seq0, timing.sync_wait_s)
        await _finish(rec, "restore")
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await asyncio.shield(
                rec.finish("aborted", Words("演练被中止", "the drill was stopped"))
            )
        raise
    except Exception as exc:
        log.exception("ops.drill_failed", drill_id=drill_id)
        await rec.finish(
            "failed", Words(f"演练出错：{exc!r}"[:390], f"the drill failed: {exc!r}"[:390])
        )


@dataclass
class Drills:
    """The node's running drills (one at a time) and how they poll."""

    timing: Timing = field(default_factory=Timing)
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    def launch(self, node: Node, drill_id: str, plan: Plan, fault: f.Fault | None = None) -> None:
        if plan.fault == "restore":
            coro = run_restore(node, drill_id, self.timing)
        else:
            fault = fault or f.make_fault(node, plan.fault, plan.target)
            coro = run_fault(node, drill_id, fault, plan.duration_s, self.timing)
        task = asyncio.create_task(coro, name=f"hearth-drill-{drill_id}")
        self.tasks[drill_id] = task
        task.add_done_callback(lambda _t: self.tasks.pop(drill_id, None))

    async def stop_all(self) -> None:
        for task in list(self.tasks.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def drills_of(node: Node) -> Drills:
    return node.parts.setdefault(Drills, Drills)


def abandon_running(tx: Tx, now_ms: int, keep: frozenset[str] = frozenset()) -> int:
    """Close the drills marked running that no task runs (``keep``: the ones that do)."""
    rows = tx.conn.execute(
        sa.select(ops_drills.c.id)
        .where(ops_drills.c.store_id == tx.store_id)
        .where(ops_drills.c.status == "running")
    ).all()
    rows = [r for r in rows if r.id not in keep]
    for r in rows:
        tx.append(
            f"drill:{r.id}",
            "DrillFinished",
            {
                "drill_id": r.id,
                "status": "aborted",
                "at_ms": now_ms,
                "summary_zh": "门店服务重启，演练中止",
                "summary_en": "the node restarted; the drill was stopped",
            },
        )
    return len(rows)
