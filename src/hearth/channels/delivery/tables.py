"""Delivery-platform projections: item mappings, platform orders, and the callback outbox.

Only the projectors in projections.py write these, so ``hearth rebuild`` reproduces them.
"""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

delivery_item_maps = sa.Table(
    "delivery_item_maps",
    metadata,
    sa.Column("platform", sa.String(12), primary_key=True),
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("item_id", sa.String(36), nullable=False),
    sa.Column("spec_id", sa.String(36), nullable=True),
    sa.Column("modifier_option_ids", sa.JSON, nullable=False),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
)

delivery_orders = sa.Table(
    "delivery_orders",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("platform", sa.String(12), nullable=False),
    sa.Column("platform_order_id", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(36), nullable=False),
    sa.Column("order_number", sa.Integer, nullable=False),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("quoted_minutes", sa.Integer, nullable=False),
    sa.Column("platform_total", sa.BigInteger, nullable=False),
    sa.Column("our_total", sa.BigInteger, nullable=False),
    sa.Column("price_mismatch", sa.Boolean, nullable=False),
    sa.Column("platform_paid", sa.BigInteger, nullable=False),
    sa.Column("platform_created_at_ms", sa.BigInteger, nullable=False),
    sa.Column("received_at_ms", sa.BigInteger, nullable=False),
    sa.Column("intake_at_ms", sa.BigInteger, nullable=True),
    sa.Column("accept_by_ms", sa.BigInteger, nullable=True),
    sa.Column("needs_manager", sa.Boolean, nullable=False),
    sa.Column("reason", sa.String(200), nullable=True),
    sa.Column("note", sa.String(200), nullable=False),
    sa.Column("lines", sa.JSON, nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
    sa.UniqueConstraint(
        "store_id", "platform", "platform_order_id", name="uq_delivery_platform_order"
    ),
    sa.Index("ix_delivery_orders_state", "state"),
    sa.Index("ix_delivery_orders_order", "order_id"),
)

# The transactional outbox of status callbacks: queued in the same transaction as the fact they
# report, marked sent once the platform took them. ``id`` is the id of the event reported, which
# the platform uses to drop a repeat.
delivery_callbacks = sa.Table(
    "delivery_callbacks",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("delivery_id", sa.String(36), nullable=False),
    sa.Column("platform", sa.String(12), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("queued_at_ms", sa.BigInteger, nullable=False),
    sa.Column("sent_at_ms", sa.BigInteger, nullable=True),
    sa.Index("ix_delivery_callbacks_state", "state"),
)
