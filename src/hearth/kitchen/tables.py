"""Kitchen stations (hot, cold, bar, pastry…): where lines are routed to be made."""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

stations = sa.Table(
    "kitchen_stations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("key", sa.String(40), nullable=False),
    sa.Column("name_zh", sa.String(80), nullable=False),
    sa.Column("name_en", sa.String(80), nullable=False),
    sa.Column("is_expo", sa.Boolean, nullable=False, default=False),
    sa.UniqueConstraint("store_id", "key", name="uq_station_key"),
)

# Per-station ticket age colours, in seconds (NULL: the defaults, 5 and 10 minutes). Kept beside
# the stations rather than in them because stations predate them (migration 0001).
station_timing = sa.Table(
    "kitchen_station_timing",
    metadata,
    sa.Column("station_id", sa.String(36), primary_key=True),
    sa.Column("warn_s", sa.Integer, nullable=False),
    sa.Column("late_s", sa.Integer, nullable=False),
)

routing_rules = sa.Table(
    "kitchen_routing_rules",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("category_id", sa.String(36), nullable=True),
    sa.Column("item_id", sa.String(36), nullable=True),
    sa.Column("station_ids", sa.JSON, nullable=False),
)

tickets = sa.Table(
    "kitchen_tickets",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("station_id", sa.String(36), nullable=False),
    sa.Column("order_id", sa.String(36), nullable=False),
    sa.Column("order_number", sa.Integer, nullable=False),
    sa.Column("where", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("rush", sa.Boolean, nullable=False),
    sa.Column("printed", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("sent_at_ms", sa.BigInteger, nullable=False),
    sa.Column("started_at_ms", sa.BigInteger, nullable=True),
    sa.Column("done_at_ms", sa.BigInteger, nullable=True),
    sa.Column("source_seq", sa.BigInteger, nullable=False),  # the journal event it came from
    sa.Column("updated_seq", sa.BigInteger, nullable=False),  # for "undo the last action"
    sa.Column("body", sa.JSON, nullable=False),  # the whole ticket (items, undo history)
    sa.UniqueConstraint("station_id", "source_seq", name="uq_kitchen_ticket_source"),
    sa.Index("ix_kitchen_tickets_station_status", "station_id", "status"),
    sa.Index("ix_kitchen_tickets_order", "order_id"),
)

ticket_items = sa.Table(
    "kitchen_ticket_items",
    metadata,
    sa.Column("ticket_id", sa.String(36), primary_key=True),
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("station_id", sa.String(36), nullable=False),
    sa.Column("order_id", sa.String(36), nullable=False),
    sa.Column("line_id", sa.String(36), nullable=False),
    sa.Column("item_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("voided", sa.Boolean, nullable=False),
    sa.Index("ix_kitchen_ticket_items_order", "order_id"),
    sa.Index("ix_kitchen_ticket_items_line", "line_id"),
)
