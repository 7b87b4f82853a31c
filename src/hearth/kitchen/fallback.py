"""Printer fallback: a station whose screens are all dark still gets its tickets, on paper.

A screen is online while its live feed (SSE) is connected. When every screen of a station has
been offline for ``kitchen_fallback_after_s``, its new tickets that nobody has printed are sent
to the station's printer and marked printed in the journal, so a screen that comes back shows
them as "printed" instead of as new, and nothing is made twice. Printing itself belongs to the
printing module; this file only decides *what* to print and records that it did.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection

from hearth.core.errors import Problem
from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.kitchen import domain as d
from hearth.kitchen.errors import KitchenError
from hearth.kitchen.service import append_ticket, get_ticket
from hearth.kitchen.tables import stations, tickets

log = structlog.get_logger(__name__)


@dataclass
class Screens:
    """Which stations have a screen connected right now (in memory: a restart is 'offline')."""

    started_ms: int  # the node's clock when the node started: no screen yet is 'offline since'
    online: dict[str, int] = field(default_factory=dict)
    offline_since: dict[str, int] = field(default_factory=dict)
    # Dark stations already reported as having no printer: said once per dark spell, not on
    # every round of the watcher.
    told_no_printer: set[str] = field(default_factory=set)

    def opened(self, station_id: str) -> None:
        self.online[station_id] = self.online.get(station_id, 0) + 1
        self.offline_since.pop(station_id, None)
        self.told_no_printer.discard(station_id)

    def closed(self, station_id: str, now_ms: int) -> None:
        left = self.online.get(station_id, 0) - 1
        if left > 0:
            self.online[station_id] = left
            return
        self.online.pop(station_id, None)
        self.offline_since[station_id] = now_ms

    def ever_connected(self, station_id: str) -> bool:
        """Whether a screen has been connected for this station since the node started (a
        station that prints its tickets may never have one)."""
        return station_id in self.online or station_id in self.offline_since

    def offline_for_s(self, station_id: str, now_ms: int) -> float | None:
        if self.online.get(station_id):
            return None
        since = self.offline_since.get(station_id, self.started_ms)
        return max(0.0, (now_ms - since) / 1000)


def screens_of(node: Node) -> Screens:
    return node.parts.setdefault(Screens, lambda: Screens(node.now_ms()))


class Enqueue(Protocol):
    def __call__(
        self,
        tx: Tx,
        *,
        station_id: str | None = None,
        printer_id: str | None = None,
        kind: str,
        document: dict[str, Any],
        dedupe_key: str,
        actor: str | None = None,
    ) -> str | None: ...


@dataclass(frozen=True)
class Paper:
    """How a ticket reaches paper: the printing module puts its ``enqueue`` on the node.

    The kitchen sits below printing (printing renders kitchen tickets), so it is handed the
    function rather than importing it; a node without printing has no ``Paper`` part.
    """

    enqueue: Enqueue


def paper_of(node: Node) -> Paper | None:
    return node.parts.find(Paper)


def document(conn: Connection, t: d.Ticket, kind: str) -> dict[str, Any]:
    """The kitchen ticket as the printing module renders it."""
    st = conn.execute(
        sa.select(stations.c.name_zh, stations.c.name_en).where(stations.c.id == t.station_id)
    ).first()
    return {
        "order_number": t.order_number,
        "where": t.where,
        "station": {"name_zh": st.name_zh if st else "", "name_en": st.name_en if st else ""},
        "sent_at_ms": t.sent_at_ms,
        "rush": t.rush,
        "kind": kind,
        "lines": [
            {
                "name_zh": it.name_zh,
                "name_en": it.name_en,
                "quantity": it.quantity,
                "modifiers": list(it.modifiers),
                "note": it.note,
                "seat": it.seat,
                "course": it.course,
                "marker": "void" if it.voided else it.marker,
            }
            for it in t.items
        ],
    }


def print_ticket(
    tx: Tx, paper: Paper | None, ticket_id: str, reason: str, actor: str | None
) -> d.Ticket:
    """Send one ticket to its station's printer and record it (reason: fallback, reprint)."""
    if paper is None:
        raise KitchenError.PRINTING_UNAVAILABLE.problem(
            "This store node has no printing module running."
        )
    t = get_ticket(tx.conn, tx.store_id, ticket_id)
    kind = "reprint" if reason == "reprint" else t.kind.value
    after = d.mark_printed(t)
    paper.enqueue(
        tx,
        station_id=t.station_id,
        kind="kitchen",
        document=document(tx.conn, t, kind),
        dedupe_key=f"ticket:{t.id}:{after.version}",
        actor=actor,
    )
    append_ticket(tx, "TicketPrinted", after, actor, reason=reason)
    return after


def due(conn: Connection, station_id: str) -> list[str]:
    """New tickets of this station nobody has seen or printed yet."""
    return [
        r.id
        for r in conn.execute(
            sa.select(tickets.c.id)
            .where(tickets.c.station_id == station_id)
            .where(tickets.c.status == d.Status.NEW.value)
            .where(tickets.c.printed.is_(False))
            .order_by(tickets.c.source_seq)
            .limit(100)
        )
    ]


async def check_once(node: Node) -> int:
    """Print what dark stations have waiting; returns how many tickets were printed."""
    paper = paper_of(node)
    if paper is None:
        return 0
    screens = screens_of(node)
    after_s = node.settings.kitchen_fallback_after_s
    now = node.now_ms()

    def read() -> dict[str, list[str]]:
        with node.engine.connect() as conn:
            dark = [
                r.id
                for r in conn.execute(
                    sa.select(stations.c.id)
                    .where(stations.c.store_id == node.settings.store_id)
                    .where(stations.c.is_expo.is_(False))
                )
                if (screens.offline_for_s(r.id, now) or 0) >= after_s
                and screens.offline_for_s(r.id, now) is not None
            ]
            return {s: ids for s in dark if (ids := due(conn, s))}

    waiting = await asyncio.to_thread(read)
    printed = 0
    for station_id, ids in waiting.items():

        def command(tx: Tx, ids: list[str] = ids) -> int | None:
            """How many were printed; None when the station has no printer to print on."""
            n = 0
            for tid in ids:
                t = get_ticket(tx.conn, tx.store_id, tid)
                if t.status is not d.Status.NEW or t.printed:  # a screen may have taken it
                    continue
                try:
                    print_ticket(tx, paper, tid, "fallback", None)
                except Problem as exc:
                    if exc.code != "printer-none":
                        raise
                    return None  # enqueue wrote nothing; the tickets stay new on the screen
                n += 1
            return n

        n = await node.writer.submit(command)
        if n is None:
            if station_id not in screens.told_no_printer:
                screens.told_no_printer.add(station_id)
                log.warning("kitchen.fallback_no_printer", station_id=station_id, tickets=len(ids))
            continue
        screens.told_no_printer.discard(station_id)  # a printer was added: say it again
        if n:
            log.warning("kitchen.fallback_printed", station_id=station_id, tickets=n)
        printed += n
    return printed


async def watch(node: Node, interval_s: float = 1.0) -> None:
    """Runs beside the API until cancelled; one failure is logged and retried next round.
    Rounds are paced by the node's clock, so a test steps them instead of waiting."""
    while True:
        try:
            await check_once(node)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("kitchen.fallback_failed", error=str(exc))
        await node.clock.sleep(interval_s)
