"""HQ's member tables: chain-wide, keyed by ``member_id`` (a member shops at every store).

In sharded PostgreSQL (Citus) these are distributed by ``member_id`` and co-located with each
other, so a member's profile, ledger and balance sit on one shard; only the per-store
projection cursor is keyed by ``store_id`` like the journal. See docs/scale-out.md and
hq/members.py, which writes them (and which HQ's app imports, registering them on HQ's
metadata).
"""

from __future__ import annotations

import sqlalchemy as sa

from hearth.hq.tables import metadata

hq_members = sa.Table(
    "hq_members",
    metadata,
    sa.Column("member_id", sa.String(36), primary_key=True),
    sa.Column("code", sa.String(12), nullable=False),
    sa.Column("phone", sa.String(20), nullable=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("birthday", sa.String(10), nullable=True),
    sa.Column("tier", sa.String(40), nullable=True),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("home_store_id", sa.String(64), nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
)

hq_member_ledger = sa.Table(
    "hq_member_ledger",
    metadata,
    sa.Column("member_id", sa.String(36), primary_key=True),
    sa.Column("ref", sa.String(80), primary_key=True),
    sa.Column("line", sa.String(80), primary_key=True),
    sa.Column("rule", sa.String(80), primary_key=True),
    sa.Column("account", sa.String(8), primary_key=True),
    sa.Column("delta", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("at_ms", sa.BigInteger, nullable=False),
)

hq_member_balances = sa.Table(
    "hq_member_balances",
    metadata,
    sa.Column("member_id", sa.String(36), primary_key=True),
    sa.Column("points", sa.BigInteger, nullable=False),
    sa.Column("paid", sa.BigInteger, nullable=False),
    sa.Column("bonus", sa.BigInteger, nullable=False),
    # The feed's order: bumped at every change, from hq_member_feed's one counter.
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Index("ix_hq_member_balances_version", "version"),
)

# Each store's daily offline allowance per member, in fen; member "*" is the chain default.
hq_member_allowances = sa.Table(
    "hq_member_allowances",
    metadata,
    sa.Column("member_id", sa.String(36), primary_key=True),
    sa.Column("daily_cap", sa.BigInteger, nullable=False),
)

# Per store: the last of its journal's seqs projected into the member tables.
hq_member_cursors = sa.Table(
    "hq_member_cursors",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
)

# One row: the feed's version counter (locked by each catch-up, so versions never interleave).
hq_member_feed = sa.Table(
    "hq_member_feed",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)
