"""Use cases: run the doctor, and apply the fixes that are safe to apply without asking.

Every check runs at once, each under its own timeout (6 s at most), so the report is done
within that whatever answers: a printer that takes the connection and never answers, or an
unreachable HQ, costs at most one check's timeout. A check that raises or overruns becomes a
``fail`` finding that says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from hearth.core.node import Node
from hearth.core.subscribers import SubscriberRunner
from hearth.ops import checks as c
from hearth.ops.domain import Finding, exit_code, failed_check, worst
from hearth.payments.settle import settle_once
from hearth.printing.lifecycle import worker_of
from hearth.sync.lifecycle import runner_of

log = structlog.get_logger(__name__)


async def _guarded(node: Node, check: c.Check) -> list[Finding]:
    try:
        return await asyncio.wait_for(check.run(node), check.timeout_s)
    except TimeoutError:
        return [failed_check(check.name, f"no answer within {check.timeout_s:g} s")]
    except Exception as exc:  # a check's own bug is a finding, not a crash
        log.warning("ops.check_failed", check=check.name, error=repr(exc))
        return [failed_check(check.name, f"{type(exc).__name__}: {exc}")]


async def run_doctor(
    node: Node, *, live: bool = True, checks: Sequence[c.Check] = c.CHECKS
) -> list[Finding]:
    """Every check, concurrently; ``live=False`` keeps to what the database alone can tell."""
    chosen = [k for k in checks if live or not k.live]
    results = await asyncio.gather(*(_guarded(node, k) for k in chosen))
    return [f for found in results for f in found]


@dataclass(frozen=True)
class FixDone:
    fix: str
    ok: bool
    zh: str
    en: str

    def to_json(self) -> dict[str, Any]:
        return {"fix": self.fix, "ok": self.ok, "zh": self.zh, "en": self.en}


def _checkpoint_raw(raw: Any) -> tuple[int, int, int]:
    busy, log_frames, done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return int(busy), int(log_frames), int(done)


async def checkpoint_wal(node: Node) -> FixDone:
    """On the writer's own thread and connection when it runs, so no commit races it."""
    before = c.wal_bytes(node)
    if node.writer.running:
        busy, _, _ = await node.writer.on_thread(
            lambda conn: _checkpoint_raw(conn.connection.driver_connection)
        )
    else:  # the offline doctor: no writer runs in this process

        def offline() -> tuple[int, int, int]:
            raw = node.engine.raw_connection()
            try:
                return _checkpoint_raw(raw.driver_connection)
            finally:
                raw.close()

        busy, _, _ = await asyncio.to_thread(offline)
    after = c.wal_bytes(node)
    if busy:
        return FixDone(
            "checkpoint-wal",
            False,
            f"预写日志正在被读取，只合并了一部分（{before} → {after} 字节）",
            f"readers held the log; checkpointed part of it ({before} -> {after} bytes)",
        )
    return FixDone(
        "checkpoint-wal",
        True,
        f"已合并预写日志：{before} → {after} 字节",
        f"checkpointed the write-ahead log: {before} -> {after} bytes",
    )


async def reprobe_printers(node: Node) -> FixDone:
    worker = worker_of(node)
    if worker is None:
        return FixDone(
            "reprobe-printers", False, "打印服务未运行", "the print worker is not running"
        )
    await worker.probe_all()
    states = {h: v.state for h, v in worker.health.items()}
    online = sum(1 for s in states.values() if s == "online")
    return FixDone(
        "reprobe-printers",
        True,
        f"已重新检测打印机：{online}/{len(states)} 台在线",
        f"probed the printers again: {online} of {len(states)} online",
    )


async def wake_sync(node: Node) -> FixDone:
    runner = runner_of(node)
    if runner is None or runner.task is None:
        return FixDone("wake-sync", False, "同步服务未运行", "sync is not running")
    runner.attempt = 0
    runner.wake()
    return FixDone("wake-sync", True, "已唤醒同步，立即重试上传", "woke sync to send now")


async def settle_payments(node: Node) -> FixDone:
    counts = await settle_once(node)
    return FixDone(
        "settle-payments",
        True,
        f"已向支付渠道查询 {counts['intents']} 笔未决支付",
        f"asked the providers about {counts['intents']} undecided payments",
    )


async def restart_subscribers(node: Node) -> FixDone:
    """Stop and start the runner: each subscriber resumes from its saved cursor."""
    runner = node.parts.find(SubscriberRunner)
    if runner is None:
        return FixDone("restart-subscribers", False, "后台任务未运行", "no background task runs")
    await runner.stop()
    await runner.start()
    return FixDone(
        "restart-subscribers",
        True,
        f"已重启 {len(runner.subscribers)} 个后台任务",
        f"restarted {len(runner.subscribers)} background tasks",
    )


SAFE_FIXES: dict[str, Callable[[Node], Awaitable[FixDone]]] = {
    "checkpoint-wal": checkpoint_wal,
    "reprobe-printers": reprobe_printers,
    "wake-sync": wake_sync,
    "settle-payments": settle_payments,
    "restart-subscribers": restart_subscribers,
}
FIX_TIMEOUT_S = 8.0


async def apply_safe_fixes(
    node: Node, findings: Iterable[Finding], *, always: Iterable[str] = ("checkpoint-wal",)
) -> list[FixDone]:
    """Each safe fix the findings ask for (and the WAL checkpoint, which is always safe),
    once, each under a timeout; a fix that fails says so and the others still run."""
    wanted = list(
        dict.fromkeys(
            [*always, *(f.safe_fix for f in findings if f.safe_fix and f.severity != "ok")]
        )
    )
    done = []
    for name in wanted:
        fix = SAFE_FIXES.get(name)
        if fix is None:
            continue
        try:
            done.append(await asyncio.wait_for(fix(node), FIX_TIMEOUT_S))
        except Exception as exc:
            done.append(FixDone(name, False, f"修复失败：{exc!r}", f"the fix failed: {exc!r}"))
    return done


def report_json(findings: Sequence[Finding], fixes: Sequence[FixDone] = ()) -> dict[str, Any]:
    return {
        "worst": worst(findings).value,
        "exit_code": exit_code(findings),
        "findings": [f.to_json() for f in findings],
        "fixes": [x.to_json() for x in fixes],
    }
