"""The composition root: one store node's engine, writer, clock and secrets, built from settings.

Nothing happens at import time; tests and the CLI build their own node with their own settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Engine

from hearth import schema as _schema  # noqa: F401  (all tables and projectors registered)
from hearth.core.clock import HybridClock
from hearth.core.config import Settings
from hearth.core.db import make_engine
from hearth.core.journal import JournalWriter
from hearth.core.migrate import upgrade
from hearth.core.security import Hasher, TokenSigner, random_token
from hearth.core.subscribers import Subscriber
from hearth.core.tables import node_secrets
from hearth.core.writer import Writer

log = structlog.get_logger(__name__)


@dataclass
class Node:
    settings: Settings
    engine: Engine
    writer: Writer
    clock: HybridClock
    hasher: Hasher
    signer: TokenSigner
    subscribers: list[Subscriber] = field(default_factory=list)
    extras: dict[str, object] = field(default_factory=dict)

    def close(self) -> None:
        self.writer.close()
        self.engine.dispose()


def _secret(engine: Engine, name: str) -> str:
    with engine.begin() as conn:
        value = conn.execute(sa.select(node_secrets.c.value)
                             .where(node_secrets.c.name == name)).scalar()
        if value is None:
            value = random_token(32)
            conn.execute(node_secrets.insert().values(name=name, value=value))
    return str(value)


def build_node(settings: Settings | None = None) -> Node:
    settings = settings or Settings()
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    clock = HybridClock()
    journal = JournalWriter(settings.store_id, settings.device_id, clock)
    writer = Writer(engine, journal, max_batch=settings.writer_max_batch)
    writer.open()
    node = Node(
        settings=settings, engine=engine, writer=writer, clock=clock,
        hasher=Hasher(settings.argon2_time_cost, settings.argon2_memory_kib),
        signer=TokenSigner(_secret(engine, "token_key")),
    )
    log.info("node.ready", store_id=settings.store_id, db=engine.url.render_as_string())
    return node
