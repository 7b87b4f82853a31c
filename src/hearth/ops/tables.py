"""The ops module's table: every alert raised, acknowledged and cleared (a projection of
AlertRaised / AlertAcknowledged / AlertCleared, so a rebuild writes the same rows)."""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

ops_alerts = sa.Table(
    "ops_alerts",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    # The doctor's check that fired (``printer.Kitchen``, ``peak.Hot Kitchen``): one open
    # alert per key at a time.
    sa.Column("key", sa.String(120), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("cause_zh", sa.String(400), nullable=False),
    sa.Column("cause_en", sa.String(400), nullable=False),
    sa.Column("works_zh", sa.String(400), nullable=False),
    sa.Column("works_en", sa.String(400), nullable=False),
    sa.Column("fix_zh", sa.String(400), nullable=False),
    sa.Column("fix_en", sa.String(400), nullable=False),
    sa.Column("facts", sa.JSON, nullable=False),
    sa.Column("raised_at_ms", sa.BigInteger, nullable=False),
    sa.Column("acked_at_ms", sa.BigInteger, nullable=True),
    sa.Column("acked_by", sa.String(36), nullable=True),
    sa.Column("cleared_at_ms", sa.BigInteger, nullable=True),
    sa.Index("ix_ops_alerts_open", "store_id", "cleared_at_ms"),
    sa.Index("ix_ops_alerts_raised", "store_id", "raised_at_ms"),
)
