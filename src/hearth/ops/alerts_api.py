"""Alert routes: the open and recent alerts (the admin page's Alerts tab), the few words the
POS banner shows to anybody on a till, and acknowledging one ("somebody is on it")."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from hearth.core.api import CommandDep, NodeDep, Principal, require
from hearth.core.errors import not_found
from hearth.core.permissions import Permission
from hearth.core.writer import Tx
from hearth.ops.alert_errors import AlertError
from hearth.ops.alerts import runner_of
from hearth.ops.tables import ops_alerts

router = APIRouter(prefix="/api/ops", tags=["ops"])

Reader = Annotated[Principal, Depends(require(Permission.OPS_READ))]
Acker = Annotated[Principal, Depends(require(Permission.OPS_FIX))]
Till = Annotated[Principal, Depends(require(Permission.ORDER_READ))]
RECENT_MS = 24 * 3600 * 1000


class AlertOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    key: str
    severity: str
    cause_zh: str
    cause_en: str
    works_zh: str
    works_en: str
    fix_zh: str
    fix_en: str
    facts: dict[str, Any]
    raised_at_ms: int
    acked_at_ms: int | None
    acked_by: str | None
    cleared_at_ms: int | None


class AlertsOut(BaseModel):
    open: list[AlertOut]
    recent: list[AlertOut] = Field(description="Cleared in the last 24 hours, newest first")
    rounds: int = Field(description="Rule rounds run since the node started")
    webhook: bool = Field(description="Whether alerts are posted to a group-chat webhook")


class BannerOut(BaseModel):
    """What a till shows: the open alerts' cause and fix, most severe first."""

    id: str
    key: str
    severity: str
    cause_zh: str
    cause_en: str
    fix_zh: str
    fix_en: str
    raised_at_ms: int


def _rows(conn: Connection, store_id: str, *, open_: bool, since_ms: int = 0) -> list[Any]:
    q = sa.select(ops_alerts).where(ops_alerts.c.store_id == store_id)
    if open_:
        q = q.where(ops_alerts.c.cleared_at_ms.is_(None))
    else:
        q = q.where(ops_alerts.c.cleared_at_ms >= since_ms)
    rows = list(conn.execute(q.order_by(ops_alerts.c.raised_at_ms.desc()).limit(100)))
    rows.sort(key=lambda r: (r.severity != "fail", -r.raised_at_ms))
    return [dict(r._mapping) for r in rows]


@router.get(
    "/alerts", response_model=AlertsOut, summary="Open alerts, and those cleared in the last day"
)
def get_alerts(node: NodeDep, _: Reader) -> dict[str, Any]:
    runner = runner_of(node)
    sid = node.settings.store_id
    with node.engine.connect() as conn:
        return {
            "open": _rows(conn, sid, open_=True),
            "recent": _rows(conn, sid, open_=False, since_ms=node.now_ms() - RECENT_MS),
            "rounds": runner.rounds if runner else 0,
            "webhook": bool(runner and runner.config.webhook_url),
        }


@router.get(
    "/alerts/banner",
    response_model=list[BannerOut],
    summary="The open alerts a till shows, with their fix",
)
def get_banner(
    node: NodeDep, _: Till, limit: Annotated[int, Query(ge=1, le=20)] = 5
) -> list[dict[str, Any]]:
    with node.engine.connect() as conn:
        return _rows(conn, node.settings.store_id, open_=True)[:limit]


def acknowledge(tx: Tx, alert_id: str, staff_id: str, now_ms: int) -> dict[str, Any]:
    """Mark an alert seen by somebody; acknowledging it again changes nothing."""
    row = tx.conn.execute(
        sa.select(ops_alerts)
        .where(ops_alerts.c.id == alert_id)
        .where(ops_alerts.c.store_id == tx.store_id)
    ).first()
    if row is None:
        raise not_found(AlertError.NOT_FOUND, alert_id)
    if row.acked_at_ms is None:
        tx.append(
            f"alert:{alert_id}",
            "AlertAcknowledged",
            {"id": alert_id, "by": staff_id, "acked_at_ms": now_ms},
            staff_id,
        )
        row = tx.conn.execute(sa.select(ops_alerts).where(ops_alerts.c.id == alert_id)).first()
    assert row is not None
    return dict(row._mapping)


@router.post(
    "/alerts/{alert_id}/ack",
    response_model=AlertOut,
    summary="Acknowledge an alert: somebody is on it (it still clears by itself)",
)
async def post_ack(alert_id: str, cmd: CommandDep, staff: Acker) -> Any:
    now = cmd.node.now_ms()

    def command(tx: Tx) -> tuple[int, Any]:
        return 200, acknowledge(tx, alert_id, staff.staff_id, now)

    return await cmd.run(staff, {"alert_id": alert_id}, command)
