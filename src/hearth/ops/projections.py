"""Ops projectors: the alerts table, written only from the alert events."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from hearth.core.journal import Event, ProjectorRegistry
from hearth.ops.tables import ops_alerts

projectors = ProjectorRegistry()
projectors.owns(ops_alerts)


def _cut(text: str) -> str:
    return text[:400]


@projectors.on("AlertRaised")
def _raised(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        ops_alerts.insert().values(
            id=p["id"],
            store_id=ev.store_id,
            key=p["key"],
            severity=p["severity"],
            cause_zh=_cut(p["cause"]["zh"]),
            cause_en=_cut(p["cause"]["en"]),
            works_zh=_cut(p["works"]["zh"]),
            works_en=_cut(p["works"]["en"]),
            fix_zh=_cut(p["fix"]["zh"]),
            fix_en=_cut(p["fix"]["en"]),
            facts=p.get("facts") or {},
            raised_at_ms=p["raised_at_ms"],
        )
    )


@projectors.on("AlertWorsened")
def _worsened(conn: Connection, ev: Event) -> None:
    """The same alert, now failing: its words and facts are the worse finding's."""
    p = ev.payload
    conn.execute(
        ops_alerts.update()
        .where(ops_alerts.c.id == p["id"])
        .values(
            severity=p["severity"],
            cause_zh=_cut(p["cause"]["zh"]),
            cause_en=_cut(p["cause"]["en"]),
            works_zh=_cut(p["works"]["zh"]),
            works_en=_cut(p["works"]["en"]),
            fix_zh=_cut(p["fix"]["zh"]),
            fix_en=_cut(p["fix"]["en"]),
            facts=p.get("facts") or {},
        )
    )


@projectors.on("AlertAcknowledged")
def _acked(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        ops_alerts.update()
        .where(ops_alerts.c.id == p["id"])
        .values(acked_at_ms=p["acked_at_ms"], acked_by=p.get("by"))
    )


@projectors.on("AlertCleared")
def _cleared(conn: Connection, ev: Event) -> None:
    p = ev.payload
    conn.execute(
        ops_alerts.update()
        .where(ops_alerts.c.id == p["id"])
        .values(cleared_at_ms=p["cleared_at_ms"])
    )
