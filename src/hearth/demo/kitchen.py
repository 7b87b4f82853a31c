"""This module's part of the demo restaurant and of `hearth demo`'s side services."""

from __future__ import annotations

from typing import Any

from hearth.core.node import Node
from hearth.core.writer import Tx
from hearth.kitchen import service as kitchen
from hearth.kitchen.tables import stations

# Demo routing: drinks and alcohol to the bar, cold dishes to the cold kitchen; set meals are
# split by the routing itself (each dish of the set goes where that dish is made).
DEMO_RULES = (("drinks", "bar"), ("alcohol", "bar"), ("cold_dishes", "cold"), ("dim_sum", "pastry"))


def seed_demo(node: Node, ids: dict[str, dict[str, str]]) -> None:
    """Add this module's demo data. ``ids`` maps kind -> demo key -> id (station, category,
    item, table...) as the core seed created them."""
    station_ids = dict(ids.get("station", {}))  # the core's count of stations stays its own

    def seed(tx: Tx) -> None:
        import sqlalchemy as sa

        has_expo = tx.conn.execute(
            sa.select(stations.c.id)
            .where(stations.c.is_expo.is_(True))
            .where(stations.c.store_id == tx.store_id)
        ).first()
        if not has_expo:
            station_ids["expo"] = kitchen.create_station(
                tx, "expo", "出菜口", "Expo (pass)", is_expo=True
            )
        for category, station in DEMO_RULES:
            if category in ids.get("category", {}) and station in station_ids:
                kitchen.set_rule(
                    tx,
                    rule_id=None,
                    category_id=ids["category"][category],
                    item_id=None,
                    station_ids=[station_ids[station]],
                )
        for key, sid in station_ids.items():
            if key != "expo":
                kitchen.set_station_timing(
                    tx,
                    sid,
                    8 * 60 if key == "hot" else 5 * 60,
                    15 * 60 if key == "hot" else 10 * 60,
                )

    node.writer.run(seed)


def start_sidecars(base_url: str, settings: Any) -> list[str]:
    """Start what the demo needs beside the node (emulators, a test printer) in daemon threads
    and return lines to print for a person trying the demo."""
    keys = ("hot", "cold", "bar", "pastry", "expo")
    return [
        "Kitchen screens (KDS) / 厨房显示屏: "
        + "  ".join(f"{base_url}/kds?station={k}" for k in keys)
    ]
