"""HQ's migrations build exactly the schema hq/tables.py declares, on both databases, in a
history of their own (the store's tables never appear in HQ's database)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hearth.hq import member_tables  # noqa: F401  (HQ's app registers them; so does this)
from hearth.hq.db import VERSION_TABLE, make_hq_engine, upgrade
from hearth.hq.tables import metadata


def test_hq_migrations_match_the_hq_tables_in_code(db_url):
    engine = make_hq_engine(db_url)
    upgrade(engine)
    upgrade(engine)  # a second start finds nothing to do
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}), metadata
        )
        names = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert diff == [], f"write an HQ migration for: {diff}"
    assert VERSION_TABLE in names
    assert "journal" not in names and "alembic_version" not in names


def test_every_per_store_key_starts_with_store_id():
    chain_wide = {
        "catalogue_versions",
        "catalogue_snapshots",
        "hq_staff",
        "hq_secrets",
        "hq_idempotency",
        # Members shop at every store: keyed (and in Citus distributed) by member_id.
        "hq_members",
        "hq_member_ledger",
        "hq_member_balances",
        "hq_member_allowances",
        "hq_member_feed",
    }
    for table in metadata.sorted_tables:
        if table.name in chain_wide:
            continue
        keys = [table.primary_key] + [
            c for c in table.constraints if isinstance(c, sa.UniqueConstraint)
        ]
        for key in keys:
            assert next(iter(key.columns)).name == "store_id", (table.name, key)
