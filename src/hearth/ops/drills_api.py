"""Drill routes: the owner's Drills tab and ``hearth drill --url``.

Starting a drill is the owner's alone (it breaks something on purpose); managers may read the
reports. A start is idempotent: a retried press under the same key answers with the drill the
first press started and starts nothing more.
"""

from __future__ import annotations

import contextlib
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import Field

from hearth.core.api import CommandDep, NodeDep, Principal, Strict, require
from hearth.core.permissions import Permission, Role
from hearth.core.writer import Tx
from hearth.ops import drill_faults as f
from hearth.ops import drills as d

router = APIRouter(prefix="/api/ops/drills", tags=["ops"])

Reader = Annotated[Principal, Depends(require(Permission.OPS_READ))]
Manager = Annotated[Principal, Depends(require(Permission.OPS_FIX))]

FaultName = Literal[
    "provider-down", "hq-cut", "kds-dark", "printer-down", "printer-off", "restore", "node-killed"
]


def _owner(staff: Principal) -> Principal:
    if staff.role is not Role.OWNER:
        raise d.DrillError.OWNER_ONLY.problem(
            "A drill breaks something on purpose: only the owner may start or stop one.",
            field="role",
        )
    return staff


class DrillIn(Strict):
    fault: FaultName
    target: str | None = Field(default=None, min_length=1, max_length=120)
    duration_s: float = Field(default=d.DEFAULT_DURATION_S, ge=1, le=d.MAX_DURATION_S)
    force: bool = False  # run even inside a service period


HHMM = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class PeriodsIn(Strict):
    """Store-local ``[start, end]`` pairs; an end before its start runs past midnight, and an
    end equal to its start is the whole day."""

    periods: list[Annotated[list[HHMM], Field(min_length=2, max_length=2)]] = Field(max_length=12)


def _overview(node: Any) -> dict[str, Any]:
    with node.engine.connect() as conn:
        periods, version = d.periods_of(conn, node.settings.store_id)
        drills = d.list_drills(conn, node.settings.store_id)
    hhmm = d.local_hhmm(node.now_ms(), node.settings.timezone)
    return {
        "faults": list(f.FAULTS),
        "web_faults": [x for x in f.FAULTS if x != "node-killed"],
        "periods": periods,
        "periods_version": version,
        "now": hhmm,
        "in_period": d.in_period(periods, hhmm),
        "running": [x["id"] for x in drills if x["status"] == "running"],
        "drills": drills,
    }


@router.get("", summary="The drills run on this store, newest first, and the service periods")
async def list_drills(node: NodeDep, _: Reader) -> dict[str, Any]:
    return _overview(node)


@router.get("/{drill_id}", summary="One drill's report, step by step")
async def get_drill(drill_id: str, node: NodeDep, _: Reader) -> dict[str, Any]:
    with node.engine.connect() as conn:
        found = d.drill_json(conn, drill_id)
    if found is None:
        raise d.DrillError.NOT_FOUND.problem(f"There is no drill {drill_id}.", field="drill_id")
    return found


@router.post("", status_code=202, summary="Start a drill: a real fault for a few minutes")
async def start_drill(body: DrillIn, node: NodeDep, staff: Manager, cmd: CommandDep) -> Any:
    _owner(staff)
    if body.fault == "node-killed":
        raise d.DrillError.UNAVAILABLE.problem(
            "Killing the node needs a supervisor that starts it again: run "
            "`hearth drill node-killed` on the node's box. From this page the node would not "
            "come back.",
            field="fault",
        )
    fault = None
    if body.fault != "restore":
        fault = f.make_fault(node, body.fault, body.target)
        try:
            await fault.prepare()
        except f.FaultUnavailable as exc:
            raise d.DrillError.UNAVAILABLE.problem(exc.words.en, field="fault") from None
    plan = d.Plan(body.fault, fault.target if fault else body.target, body.duration_s, body.force)
    now = node.now_ms()

    def command(tx: Tx) -> tuple[int, Any]:
        live = frozenset(d.drills_of(node).tasks)
        drill_id = d.start_drill(tx, plan, now, node.settings.timezone, staff.staff_id, live)
        return 202, {"id": drill_id, "fault": plan.fault, "target": plan.target}

    answer = await cmd.run(staff, body.model_dump(), command)
    if answer.status_code == 202 and answer.headers.get("Idempotent-Replayed") != "true":
        drill_id = json.loads(bytes(answer.body))["id"]
        d.drills_of(node).launch(node, drill_id, plan, fault)
    return answer


@router.post("/{drill_id}/stop", summary="Stop a running drill now: the fault is removed")
async def stop_drill(drill_id: str, node: NodeDep, staff: Manager, cmd: CommandDep) -> Any:
    """Safe to repeat: stopping a drill that is over does nothing."""
    _owner(staff)
    task = d.drills_of(node).tasks.get(drill_id)
    if task is not None:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
    with node.engine.connect() as conn:
        found = d.drill_json(conn, drill_id)
    if found is None:
        raise d.DrillError.NOT_FOUND.problem(f"There is no drill {drill_id}.", field="drill_id")
    return JSONResponse(found)


@router.put("/periods", summary="The service periods in which no drill runs unless forced")
async def put_periods(body: PeriodsIn, node: NodeDep, staff: Manager, cmd: CommandDep) -> Any:
    _owner(staff)
    return await cmd.run(
        staff, body.model_dump(), lambda tx: (200, d.set_periods(tx, body.periods, staff.staff_id))
    )
