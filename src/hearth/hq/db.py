"""HQ's database: the engine and its own Alembic history (version table ``hq_alembic_version``).

On SQLite every transaction is ``BEGIN IMMEDIATE``: an ingest reads the cursor and then moves
it, and two workers that both began with a plain (deferred) BEGIN would both read the old
cursor and one would fail to upgrade its read lock. Immediate takes the write lock first, as
``SELECT … FOR UPDATE`` does on the store's row on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine

from hearth.core.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "hq_alembic_version"


# Where an ingest COPYs a batch before one INSERT … SELECT … ON CONFLICT DO NOTHING moves it
# into hq_events (service._insert_events): hq_events' columns, no keys, emptied at each
# commit. Made once per connection when it opens, not once per batch.
STAGE_DDL = """CREATE TEMP TABLE IF NOT EXISTS hq_events_stage (
    store_id varchar(64), event_id varchar(36), seq bigint, device_id varchar(64),
    stream varchar(120), stream_version integer, type varchar(80), payload json,
    hlc varchar(24), actor varchar(36), recorded_at_ms bigint, content_hash varchar(64),
    digest varchar(64), epoch integer, received_at_ms bigint
) ON COMMIT DELETE ROWS"""


def make_hq_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        # A pool as big as the uploads a worker takes at once: with the default 5 (+10 made
        # and closed again each time) fifty stores uploading together had the worker waiting
        # for, opening and closing connections in a tenth of its samples (py-spy, bench/sync.py).
        # No ping on checkout: a connection PostgreSQL dropped fails one request (a 5xx the
        # store retries) and the pool is renewed.
        engine = (
            sa.create_engine(url, pool_size=24, max_overflow=8, pool_timeout=60)
            if url.startswith("postgresql")
            else make_engine(url)
        )
        if engine.dialect.name == "postgresql":

            @event.listens_for(engine, "connect")
            def _stage(dbapi_conn: Any, _record: Any) -> None:
                with dbapi_conn.cursor() as cur:
                    cur.execute(STAGE_DDL)
                dbapi_conn.commit()

        return engine
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring HQ's schema to the code's (run by ``hearth hq serve`` and ``hearth hq init``)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
