"""Kitchen projectors."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from hearth.core.journal import Event, projectors
from hearth.kitchen.tables import stations

projectors.owns(stations)


@projectors.on("StationCreated")
def _station(conn: Connection, ev: Event) -> None:
    conn.execute(stations.insert().values(store_id=ev.store_id, **ev.payload))
