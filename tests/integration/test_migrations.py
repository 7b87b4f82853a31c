"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hearth.bootstrap import schema
from hearth.core.db import make_engine
from hearth.core.migrate import upgrade


def test_migrations_match_the_tables_in_code(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema())
    engine.dispose()
    assert diff == [], f"write a migration for: {diff}"
