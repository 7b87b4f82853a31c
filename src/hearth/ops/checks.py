"""The doctor's checks: each reads one part of the store and hands readings to the rules.

A check is a small function of the node returning findings. The database-only checks work on
any node (the CLI's offline doctor); the live ones read the running process's parts (printers,
screens, providers, subscribers) and say nothing when a part is absent. Each one is given its
own timeout by ``service.run_doctor``: blocking reads run on a thread, so a stuck disk or a
dead peer costs that check its timeout and never the whole report.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from hearth.backup import service as backups
from hearth.backup.lifecycle import BackupRunner
from hearth.backup.service import Manifest
from hearth.core.node import Node
from hearth.core.subscribers import SubscriberRunner
from hearth.kitchen.fallback import Screens
from hearth.kitchen.tables import station_timing, stations, tickets
from hearth.ops import domain as d
from hearth.ops import probes
from hearth.ops import rules as r
from hearth.ops.domain import Finding
from hearth.payments.runtime import PaymentsRuntime
from hearth.payments.tables import payments
from hearth.printing import worker as print_worker
from hearth.printing.lifecycle import worker_of
from hearth.printing.tables import printers
from hearth.sync.api import status_json
from hearth.sync.service import load_state

CheckFn = Callable[[Node], Awaitable[list[Finding]]]


@dataclass(frozen=True)
class Check:
    name: str
    run: CheckFn
    timeout_s: float = 3.0
    live: bool = False  # needs the running node's parts, not only its database


def db_path(node: Node) -> Path | None:
    """The SQLite file behind the node (None for an in-memory or non-SQLite database)."""
    url = node.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


# -- database --------------------------------------------------------------------------------


def _quick_check(node: Node) -> str:
    with node.engine.connect() as conn:
        rows = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
    return "ok" if rows == ["ok"] else "; ".join(rows[:5])


async def database(node: Node) -> list[Finding]:
    found = [d.judge_integrity(await asyncio.to_thread(_quick_check, node))]
    path = db_path(node)
    if path is not None:
        wal = Path(f"{path}-wal")
        found.append(d.judge_wal(wal.stat().st_size if wal.exists() else 0))
        usage = shutil.disk_usage(path.parent)
        found.append(d.judge_disk(usage.free, usage.total))
    return found


async def writer(node: Node) -> list[Finding]:
    """Round trip of an empty command through the live writer: what an order waits for."""
    if not node.writer.running:
        return []
    start = time.monotonic()
    try:
        await asyncio.wait_for(node.writer.submit(lambda tx: None), 2.0)
        took: float | None = (time.monotonic() - start) * 1000
    except TimeoutError:
        took = None
    return [d.judge_writer(took, node.writer.queue_depth)]


# -- live parts ------------------------------------------------------------------------------


async def providers(node: Node) -> list[Finding]:
    runtime = node.parts.find(PaymentsRuntime)
    if runtime is None:
        return []
    routes = runtime.routing.to_json()
    if not routes:
        return [d.judge_no_providers()]
    return [d.judge_provider(r) for r in routes]


async def printers_check(node: Node) -> list[Finding]:
    worker = worker_of(node)
    report = await asyncio.to_thread(print_worker.health_report, node, worker)
    names = {p["printer_id"]: p["name"] for p in report}
    out = []
    for p in report:
        # Where its tickets go meanwhile: its backup printer, else the station's screens.
        backup = names.get(p.get("backup_printer_id") or "")
        where = (
            f"backup printer {backup}"
            if backup
            else ("the kitchen screens" if p.get("station_id") else None)
        )
        out.append(r.judge_printer_status(p, where) or d.judge_printer(p))
    return out


def _stations(node: Node) -> list[tuple[str, str, bool, bool]]:
    sid = node.settings.store_id
    with node.engine.connect() as conn:
        with_printer = {
            r[0]
            for r in conn.execute(
                sa.select(printers.c.station_id)
                .where(printers.c.store_id == sid)
                .where(printers.c.enabled)
            )
        }
        return [
            (r.id, r.name_en, r.id in with_printer, bool(r.is_expo))
            for r in conn.execute(
                sa.select(stations.c.id, stations.c.name_en, stations.c.is_expo)
                .where(stations.c.store_id == sid)
                .order_by(stations.c.name_en)
            )
        ]


async def kds(node: Node) -> list[Finding]:
    screens = node.parts.find(Screens)
    rows = await asyncio.to_thread(_stations, node)
    if screens is None:
        screens = Screens(node.now_ms())  # nothing has connected since the node started
    now = node.now_ms()
    return [
        d.judge_station(
            sid,
            name,
            screens.offline_for_s(sid, now),
            has_printer,
            ever_connected=screens.ever_connected(sid),
            is_expo=is_expo,
        )
        for sid, name, has_printer, is_expo in rows
    ]


async def subscribers(node: Node) -> list[Finding]:
    runner = node.parts.find(SubscriberRunner)
    if runner is None:
        return []
    return [d.judge_subscriber(s.name, s.lag, s.failures, s.last_error) for s in runner.subscribers]


# -- database-only ---------------------------------------------------------------------------


async def sync(node: Node) -> list[Finding]:
    status = await asyncio.to_thread(status_json, node)
    return [d.judge_sync(status, node.now_ms())]


def _open_ticket_ages(node: Node) -> tuple[dict[str, list[float]], dict[str, float]]:
    now = node.now_ms()
    sid = node.settings.store_id
    with node.engine.connect() as conn:
        names = {
            r.id: r.name_en
            for r in conn.execute(
                sa.select(stations.c.id, stations.c.name_en).where(stations.c.store_id == sid)
            )
        }
        late = {
            names.get(r.station_id, r.station_id): float(r.late_s)
            for r in conn.execute(sa.select(station_timing))
        }
        ages: dict[str, list[float]] = {}
        for r in conn.execute(
            sa.select(tickets.c.station_id, tickets.c.sent_at_ms)
            .where(tickets.c.store_id == sid)
            .where(tickets.c.status != "done")
        ):
            name = names.get(r.station_id, r.station_id)
            ages.setdefault(name, []).append(max(0.0, (now - r.sent_at_ms) / 1000))
    return ages, late


def _undecided_payment_ages(node: Node) -> list[float]:
    now = node.now_ms()
    with node.engine.connect() as conn:
        rows = conn.execute(
            sa.select(payments.c.created_at_ms)
            .where(payments.c.store_id == node.settings.store_id)
            .where(payments.c.status.in_(("pending", "unknown")))
        ).all()
    return [max(0.0, (now - r.created_at_ms) / 1000) for r in rows]


async def stuck_orders(node: Node) -> list[Finding]:
    ages, late = await asyncio.to_thread(_open_ticket_ages, node)
    pay_ages = await asyncio.to_thread(_undecided_payment_ages, node)
    return [d.judge_stuck_tickets(ages, late), d.judge_unknown_payments(pay_ages)]


def _newest_backup(node: Node) -> Manifest | None:
    kept = backups.list_backups(backups.backup_dir(node.settings))
    return kept[0] if kept else None


async def backup(node: Node) -> list[Finding]:
    newest = await asyncio.to_thread(_newest_backup, node)
    runner = node.parts.find(BackupRunner)
    return [
        d.judge_backup(
            newest.taken_at_ms if newest else None,
            node.now_ms(),
            verified=newest.verified if newest else True,
            error=runner.last_error if runner else None,
            scheduled=node.settings.backup_interval_s > 0,
        )
    ]


# -- beyond the box: HQ, names, the year ahead -----------------------------------------------


def _hq_url(node: Node) -> str | None:
    with node.engine.connect() as conn:
        state = load_state(conn)
    return state.hq_url if state is not None else None


async def hq(node: Node) -> list[Finding]:
    """HQ's round trip and its clock against ours, from one request."""
    url = await asyncio.to_thread(_hq_url, node)
    if url is None:
        return [r.judge_hq_link(False, False, None), r.judge_clock(None)]
    got = await probes.probe_hq(url, node.now_ms, timeout_s=2.5)
    return [
        r.judge_hq_link(True, got.reachable, got.rtt_ms, got.error),
        r.judge_clock(got.skew_ms, got.uncertainty_ms),
    ]


async def dns(node: Node) -> list[Finding]:
    """HQ's host and each payment provider's, each looked up under a 2 s deadline."""
    url = await asyncio.to_thread(_hq_url, node)
    runtime = node.parts.find(PaymentsRuntime)
    live = dict(runtime.providers) if runtime is not None else None
    hosts = [("hq", h) for h in [probes.host_of(url)] if h]
    hosts += sorted(probes.provider_hosts(node.settings, live).items())
    if not hosts:
        return []
    return r.judge_dns(await probes.resolve_all(hosts, timeout_s=2.0))


def _growth(node: Node) -> tuple[r.Growth, int | None]:
    path = db_path(node)
    with node.engine.connect() as conn:
        top, days = probes.daily_events(conn, node.now_ms())
    size = probes.file_bytes(path) if path is not None else 0
    free = shutil.disk_usage(path.parent).free if path is not None else None
    return r.project_size(size, top, days), free


async def growth(node: Node) -> list[Finding]:
    """The database a year from now, at the pace of the last two weeks."""
    projected, free = await asyncio.to_thread(_growth, node)
    return [r.judge_growth(projected, free)]


CHECKS: tuple[Check, ...] = (
    Check("database", database, timeout_s=6.0),
    Check("writer", writer, timeout_s=3.0, live=True),
    Check("payments", providers, live=True),
    Check("printers", printers_check, live=True),
    Check("kds", kds, live=True),
    Check("subscribers", subscribers, live=True),
    Check("sync", sync),
    Check("orders", stuck_orders),
    Check("backup", backup),
    Check("hq", hq, timeout_s=4.0),
    Check("dns", dns, timeout_s=3.0),
    Check("growth", growth, timeout_s=4.0),
)


def wal_bytes(node: Node) -> int:
    path = db_path(node)
    wal = Path(f"{path}-wal") if path else None
    return wal.stat().st_size if wal is not None and wal.exists() else 0


async def storage(node: Node) -> list[Finding]:
    """The disk refused the writer's last commit (full, or an I/O error): nothing new can be
    saved until it takes writes again. The writer check's empty round trip writes nothing and
    so cannot see it; the writer's record of the refusal (``Writer.storage_fault``) is read."""
    fault = node.writer.storage_fault
    if fault is None:
        return [d.ok("storage", "磁盘可正常保存", "the disk takes the writer's commits")]
    full = fault.cause == "disk-full"
    return [
        Finding(
            "storage",
            d.Severity.FAIL,
            d.Words(
                f"{fault.cause_zh}：新的点单和收款无法保存",
                f"{fault.cause_en}: new orders and payments cannot be saved",
            ),
            d.Words(
                "查询照常；磁盘恢复后自动继续保存，无需重启",
                "screens still read; saving resumes by itself once the disk does, no restart",
            ),
            d.Words(
                "清理节点磁盘空间（旧备份、日志）"
                if full
                else "检查节点磁盘（连接线、存储卡、健康状况）",
                "free space on the node's disk (old backups, logs)"
                if full
                else "check the node's disk (cable, card, health)",
            ),
            facts={
                "cause": fault.cause,
                "error": fault.message,
                "since_ms": fault.at_ms,
                "failed_commits": fault.failures,
            },
        )
    ]


CHECKS = (*CHECKS, Check("storage", storage, live=True))
