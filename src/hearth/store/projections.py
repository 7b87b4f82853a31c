"""Store settings projector: the only code that writes ``store_settings``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hearth.core.journal import Event, ProjectorRegistry
from hearth.store.tables import store_settings

projectors = ProjectorRegistry()
projectors.owns(store_settings)


@projectors.on("StoreSettingsChanged")
def _changed(conn: Connection, ev: Event) -> None:
    values = {k: ev.payload[k] for k in ev.payload if k != "version"}
    values.update(
        version=ev.payload["version"], updated_at_ms=ev.recorded_at_ms, updated_by=ev.actor
    )
    done = conn.execute(
        store_settings.update().where(store_settings.c.store_id == ev.store_id).values(**values)
    )
    if done.rowcount == 0:
        conn.execute(sa.insert(store_settings).values(store_id=ev.store_id, **values))
