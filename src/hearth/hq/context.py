"""What every HQ use case is handed: the database, the clock and the secrets tools.

Nothing here remembers a store: two HQ workers over one database agree because everything
they decide on (cursors, epochs, credentials) is read from the database under a lock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from hearth.core.clock import Clock
from hearth.core.security import Hasher, TokenSigner


@dataclass
class HQ:
    engine: Engine
    clock: Clock
    hasher: Hasher
    signer: TokenSigner
    token_ttl_ms: int = 12 * 3600 * 1000
    catalogue_keep: int = 20


def upsert(conn: Connection, table: sa.Table) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_nothing`` / ``_do_update`` on both
    SQLite and PostgreSQL."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
