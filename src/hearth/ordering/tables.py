"""Ordering projections: areas, tables, orders and their lines, and the daily order counter."""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

areas = sa.Table(
    "areas",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("name_zh", sa.String(80), nullable=False),
    sa.Column("name_en", sa.String(80), nullable=False),
    sa.Column("sort", sa.Integer, nullable=False, default=0),
)

dining_tables = sa.Table(
    "dining_tables",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("area_id", sa.String(36), sa.ForeignKey("areas.id"), nullable=False),
    sa.Column("code", sa.String(20), nullable=False),
    sa.Column("seats", sa.Integer, nullable=False),
    sa.Column("status", sa.String(12), nullable=False, default="free"),
    sa.Column("seated_at_ms", sa.BigInteger, nullable=True),
    sa.Column("token_version", sa.Integer, nullable=False, default=1),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    # The table session (a seated party): diners' phones may change the order only within it.
    # A self-seated session's first send, and a send above the store's limit, wait for staff
    # (held_*); approved_total is the order total staff last let through.
    sa.Column("session_id", sa.String(36), nullable=True),
    sa.Column(
        "session_self_seated", sa.Boolean, nullable=False, default=False, server_default=sa.false()
    ),
    sa.Column(
        "session_approved_total", sa.BigInteger, nullable=False, default=0, server_default="0"
    ),
    sa.Column("held_order_id", sa.String(36), nullable=True),
    sa.Column("held_reason", sa.String(20), nullable=True),
    sa.UniqueConstraint("store_id", "code", name="uq_table_code"),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("business_date", sa.String(10), nullable=False),
    sa.Column("channel", sa.String(12), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("table_id", sa.String(36), nullable=True),
    sa.Column("guests", sa.Integer, nullable=False),
    sa.Column("discount", sa.JSON, nullable=True),
    sa.Column("service_charge_bp", sa.Integer, nullable=False),
    sa.Column("note", sa.String(200), nullable=False),
    sa.Column("opened_at_ms", sa.BigInteger, nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("merged_into", sa.String(36), nullable=True),
    sa.Column("split_from", sa.String(36), nullable=True),
    sa.Column("void_reason", sa.String(200), nullable=True),
    sa.Column("bill_requested", sa.Boolean, nullable=False, default=False),
    sa.Column("subtotal", sa.BigInteger, nullable=False),
    sa.Column("discount_total", sa.BigInteger, nullable=False),
    sa.Column("service_charge", sa.BigInteger, nullable=False),
    sa.Column("tax", sa.BigInteger, nullable=False),
    sa.Column("total", sa.BigInteger, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # The chain catalogue version (from HQ) the order was sold from; 0 before any.
    sa.Column("catalogue_version", sa.Integer, nullable=False, default=0, server_default="0"),
    sa.UniqueConstraint("store_id", "business_date", "number", name="uq_order_number"),
    sa.Index("ix_orders_table_status", "table_id", "status"),
    sa.Index("ix_orders_status", "status"),
)

order_lines = sa.Table(
    "order_lines",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("order_id", sa.String(36), sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("item_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("name_zh", sa.String(80), nullable=False),
    sa.Column("name_en", sa.String(120), nullable=False),
    sa.Column("spec_id", sa.String(36), nullable=True),
    sa.Column("spec_name_zh", sa.String(80), nullable=True),
    sa.Column("spec_name_en", sa.String(80), nullable=True),
    sa.Column("modifiers", sa.JSON, nullable=False),
    sa.Column("combo_items", sa.JSON, nullable=False),
    sa.Column("unit_price", sa.BigInteger, nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("tax_rate_bp", sa.Integer, nullable=False),
    sa.Column("station_id", sa.String(36), nullable=True),
    sa.Column("seat", sa.Integer, nullable=True),
    sa.Column("course", sa.Integer, nullable=False),
    sa.Column("held", sa.Boolean, nullable=False),
    sa.Column("note", sa.String(200), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("discount", sa.JSON, nullable=True),
    sa.Column("void_reason", sa.String(200), nullable=True),
    sa.Index("ix_order_lines_order", "order_id"),
)

# The chain catalogue version this store sells from now (CatalogueVersionApplied), read by
# place_order in the writer's transaction so an order records the version it was sold from.
catalogue_applied = sa.Table(
    "catalogue_applied",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("applied_at_ms", sa.BigInteger, nullable=False),
)

order_counters = sa.Table(
    "order_counters",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("business_date", sa.String(10), primary_key=True),
    sa.Column("last_number", sa.Integer, nullable=False),
)
