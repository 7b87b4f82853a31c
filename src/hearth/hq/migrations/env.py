"""HQ's Alembic environment: HQ's metadata and its own version table, on the connection
``hearth.hq.db.upgrade`` hands over."""

from __future__ import annotations

from alembic import context

from hearth.hq.db import VERSION_TABLE
from hearth.hq.tables import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    raise RuntimeError("run HQ migrations through hearth.hq.db.upgrade()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
