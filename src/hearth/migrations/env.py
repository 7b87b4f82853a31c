"""Alembic environment: migrations run on the connection the store node hands over."""

from __future__ import annotations

from alembic import context

from hearth.bootstrap import schema

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    raise RuntimeError("run migrations through hearth.core.migrate.upgrade()")

context.configure(
    connection=connection,
    target_metadata=schema(),
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
