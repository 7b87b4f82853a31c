"""Core tables: the journal, subscriber cursors, idempotency keys, node secrets."""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

journal = sa.Table(
    "journal",
    metadata,
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("device_id", sa.String(64), nullable=False),
    sa.Column("stream", sa.String(120), nullable=False),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("type", sa.String(80), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("hlc", sa.String(24), nullable=False),
    sa.Column("actor", sa.String(36), nullable=True),
    sa.Column("recorded_at_ms", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("stream", "stream_version", name="uq_journal_stream_version"),
)

subscriber_cursors = sa.Table(
    "subscriber_cursors",
    metadata,
    sa.Column("name", sa.String(80), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("response", sa.JSON, nullable=False),
    sa.Column("created_at_ms", sa.BigInteger, nullable=False),
)

node_secrets = sa.Table(
    "node_secrets",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)
