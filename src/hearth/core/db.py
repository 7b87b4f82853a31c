"""The database engine: SQLite in WAL mode for a store node, PostgreSQL for HQ, one code path.

SQLite is set up for durability first (``synchronous=FULL``: an acknowledged order survives a
power cut) and relies on group commit in the writer for throughput.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

metadata = sa.MetaData()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so SAVEPOINTs work (SQLAlchemy docs,
        # "Serializable isolation / Savepoints / Transactional DDL").
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


WRITER_FLAG = "hearth_writer"
_CACHE = "hearth_cache"


def mark_writer(conn: Any) -> None:
    """Only the single writer's connection may cache projections in memory: nothing else writes
    them, so there it can never be stale. Any other connection gets a fresh empty dict."""
    conn.info[WRITER_FLAG] = True


class BoundedCache(OrderedDict[Any, Any]):
    """A cache that forgets its oldest entries past ``limit``, so a store node that has taken
    100,000 orders holds the recent ones (the ones still being edited) and not all of them.
    Forgetting is always safe: a miss reads the projection from the database."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


CACHE_LIMIT = 4096


def conn_cache(conn: Any, name: str) -> dict[Any, Any]:
    if not conn.info.get(WRITER_FLAG):
        return {}
    caches: dict[str, dict[Any, Any]] = conn.info.setdefault(_CACHE, {})
    cache = caches.get(name)
    if cache is None:
        cache = caches[name] = BoundedCache(CACHE_LIMIT)
    return cache


def clear_conn_cache(conn: Any) -> None:
    conn.info.pop(_CACHE, None)
