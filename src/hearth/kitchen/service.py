"""Kitchen use cases. Stations for now; tickets, routing and the live feed build on them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.errors import Problem, invalid
from hearth.core.ids import new_id
from hearth.core.writer import Tx
from hearth.kitchen import projections as _projections  # noqa: F401
from hearth.kitchen.tables import stations


def create_station(tx: Tx, key: str, name_zh: str, name_en: str, *, is_expo: bool = False,
                   actor: str | None = None) -> str:
    if not key or len(key) > 40 or not name_zh or not name_en:
        raise invalid("station-invalid", "Name the station",
                      "A station needs a key and names in Chinese and English.", "key")
    if tx.conn.execute(sa.select(stations.c.id).where(stations.c.key == key)
                       .where(stations.c.store_id == tx.store_id)).first():
        raise Problem(409, "station-key-taken", "Station exists",
                      f"There is already a station {key!r}.", field="key")
    sid = new_id()
    tx.append(f"station:{sid}", "StationCreated", {
        "id": sid, "key": key, "name_zh": name_zh, "name_en": name_en, "is_expo": is_expo},
        actor)
    return sid


def list_stations(conn: Connection, store_id: str) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(
        sa.select(stations).where(stations.c.store_id == store_id).order_by(stations.c.key))]
