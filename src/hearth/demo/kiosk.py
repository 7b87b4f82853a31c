"""The guest-facing part of `hearth demo`: a registered kiosk and a table's QR ordering link.

Nothing to seed (the kiosk key is shown once, so it is made when the demo starts, like the
till's); ``start_sidecars`` returns the two URLs a person trying the demo opens on a tablet
and on a phone.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hearth.bootstrap import build_node
from hearth.channels.qr.service import token_for_table
from hearth.core.node import Node
from hearth.ordering import sessions
from hearth.ordering.service import Context
from hearth.ordering.tables import dining_tables
from hearth.staff import service as staff


def seed_demo(node: Node, ids: dict[str, dict[str, str]]) -> None:
    """Nothing to add: the kiosk is registered when the demo starts (its key is shown once)."""


def guest_links(node: Node, base_url: str) -> list[str]:
    """Register a kiosk and give the first table's QR link, as lines to print. That table is
    seated (as a waiter would), since a phone may order only at a seated table."""
    now = node.now_ms()
    key = node.writer.run(
        lambda tx: staff.register_terminal(tx, "Demo kiosk", now, None, kind="kiosk")
    )["key"]
    lines = [f"Self-service kiosk (tablet): {base_url}/kiosk?key={key}"]
    with node.engine.connect() as conn:
        first = conn.execute(
            sa.select(dining_tables.c.id, dining_tables.c.code)
            .where(dining_tables.c.store_id == node.settings.store_id)
            .where(dining_tables.c.active.is_(True))
            .order_by(dining_tables.c.code)
            .limit(1)
        ).first()
        qr = (
            token_for_table(conn, node.signer, node.settings.store_id, first.id)
            if first is not None
            else None
        )
    if first is not None and qr is not None:
        node.writer.run(lambda tx: sessions.seat(tx, Context(None, now), first.id))
        lines.append(
            f"Table {first.code} QR ordering (phone; the demo seated it, and a waiter "
            f"seats a table with Seat / 开台 on the POS): {base_url}{qr['path']}"
        )
    return lines


def start_sidecars(base_url: str, settings: Any) -> list[str]:
    node = build_node(settings)
    try:
        return guest_links(node, base_url)
    finally:
        node.close()
