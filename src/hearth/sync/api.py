"""Sync routes: the status the POS banner shows, Sync now, and joining an HQ.

The store's credential is never in an answer: status reads the state without it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field

from hearth.core.api import IdempotencyKeyDep, NodeDep, Principal, Strict, require
from hearth.core.node import Node
from hearth.core.permissions import Permission
from hearth.sync import service
from hearth.sync.errors import SyncError
from hearth.sync.lifecycle import runner_of

router = APIRouter(prefix="/api/sync", tags=["sync"])

Reader = Annotated[Principal, Depends(require(Permission.SYNC_READ))]
Runner = Annotated[Principal, Depends(require(Permission.SYNC_RUN))]
Admin = Annotated[Principal, Depends(require(Permission.SYNC_ADMIN))]

MAX_WAIT_S = 30.0


def _alarm(code: str, en: str, zh: str) -> dict[str, str]:
    return {"code": code, "en": en, "zh": zh}


def status_json(node: Node) -> dict[str, Any]:
    """Where this store stands with its HQ, in words a cashier can act on."""
    with node.engine.connect() as conn:
        state = service.load_state(conn)
        top = service.journal_top(conn)
    now = node.clock.now_ms()
    waiting = top - (state.acked_seq if state else 0)
    if state is None:
        return {
            "enrolled": False,
            "hq_url": None,
            "hq_reachable": None,
            "events_waiting": waiting,
            "waiting_since_ms": None,
            "journal_seq": top,
            "acked_seq": 0,
            "last_ok_at_ms": None,
            "alarms": [],
        }
    runner = runner_of(node)
    alarms = []
    if state.unreachable_since_ms is not None:
        alarms.append(
            _alarm(
                "hq-unreachable",
                "HQ unreachable; ordering and payments carry on",
                "无法连接总部；点单和收款照常进行",
            )
        )
    if state.status == "diverged":
        alarms.append(
            _alarm(
                "sync-diverged",
                f"This store's history differs from HQ's from event "
                f"{state.first_differing_seq}; uploading stopped: call support",
                f"本店记录与总部从第 {state.first_differing_seq} 条起不一致，"
                f"已停止上传，请联系技术支持",
            )
        )
    elif state.status == "fenced":
        alarms.append(
            _alarm(
                "sync-fenced",
                "Another box took over this store at HQ; this one no longer uploads",
                "总部已由另一台设备接管本店，本机停止上传",
            )
        )
    elif state.status == "revoked":
        alarms.append(
            _alarm("sync-revoked", "HQ revoked this store's access", "总部已撤销本店的同步权限")
        )
    if runner is not None and runner.syncer.watch.stuck(now):
        alarms.append(
            _alarm(
                "backlog-stuck",
                "HQ answers but the events waiting do not go down",
                "总部有响应，但待上传事件没有减少",
            )
        )
    return {
        "enrolled": True,
        "hq_url": state.hq_url,
        "store_id": state.store_id,
        "epoch": state.epoch,
        "status": state.status,
        "hq_reachable": state.unreachable_since_ms is None,
        "unreachable_since_ms": state.unreachable_since_ms,
        "events_waiting": waiting,
        "waiting_since_ms": state.backlog_since_ms if waiting else None,
        "journal_seq": top,
        "acked_seq": state.acked_seq,
        "last_ok_at_ms": state.last_ok_at_ms,
        "last_error": state.last_error,
        "catalogue_version": state.catalogue_version,
        "alarms": alarms,
    }


@router.get("/status", summary="HQ reachable?, events waiting and since when, alarms")
def get_status(node: NodeDep, _: Reader) -> dict[str, Any]:
    return status_json(node)


class SyncNowIn(Strict):
    wait_s: float = Field(
        default=10.0, ge=0, le=MAX_WAIT_S, description="How long to wait for HQ to hold everything"
    )


@router.post("/now", summary="Sync now: send what waits and wait (a little) for HQ")
async def sync_now(
    node: NodeDep, _: Runner, key: IdempotencyKeyDep, body: SyncNowIn | None = None
) -> dict[str, Any]:
    """Safe to repeat: it only wakes the sync loop, so a retry with the same key does what
    the first did; the answer is the status at the end of the wait."""
    runner = runner_of(node)
    with node.engine.connect() as conn:
        if service.load_state(conn) is None:
            raise SyncError.NOT_ENROLLED.problem(
                "Join an HQ first (admin page, or hearth init --hq URL --enrol CODE)."
            )
    if runner is None or runner.task is None:
        return status_json(node)
    wait_s = body.wait_s if body else 10.0
    runner.attempt = 0
    runner.syncer.shaken = False

    async def drained() -> None:
        seen = runner.rounds
        while True:
            runner.wake()
            seen = await runner.wait_round(seen)
            last = runner.last
            if last is None or last.drained or last.stopped or not last.answered:
                return

    waiter = asyncio.ensure_future(drained())
    timer = asyncio.ensure_future(node.clock.sleep(wait_s))
    try:
        await asyncio.wait({waiter, timer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in (waiter, timer):
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
    return status_json(node)


class EnrolIn(Strict):
    hq_url: str = Field(
        min_length=8,
        max_length=300,
        pattern=r"^https?://\S+$",
        description="HQ's address, e.g. https://hq.example.com",
    )
    enrol_code: str = Field(
        min_length=4,
        max_length=200,
        description="The one-time code HQ gave when the store was created",
    )


@router.post(
    "/enrol",
    summary="Join an HQ with its one-time enrolment code",
    responses={
        503: {
            "description": "HQ could not be reached; nothing changed",
            "content": {"application/problem+json": {}},
        }
    },
)
async def enrol(body: EnrolIn, node: NodeDep, _: Admin, key: IdempotencyKeyDep) -> dict[str, Any]:
    """Refused while events wait for another HQ (no destructive action while events wait)."""
    await service.enrol(
        node.engine,
        node.writer.submit,
        node.settings.store_id,
        body.hq_url,
        body.enrol_code.strip(),
        node.clock.now_ms(),
    )
    runner = runner_of(node)
    if runner is not None:
        runner.syncer.shaken = False
        runner.attempt = 0
        runner.wake()
    return status_json(node)
