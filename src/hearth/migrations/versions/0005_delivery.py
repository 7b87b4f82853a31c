"""Delivery platforms: webhooks received, item mapping, pacing

Revision ID: 0005
Revises: 0004
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_item_maps",
        sa.Column("platform", sa.String(length=12), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("spec_id", sa.String(length=36), nullable=True),
        sa.Column("modifier_option_ids", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "sku"),
    )
    op.create_table(
        "delivery_orders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=12), nullable=False),
        sa.Column("platform_order_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("order_number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("quoted_minutes", sa.Integer(), nullable=False),
        sa.Column("platform_total", sa.BigInteger(), nullable=False),
        sa.Column("our_total", sa.BigInteger(), nullable=False),
        sa.Column("price_mismatch", sa.Boolean(), nullable=False),
        sa.Column("platform_paid", sa.BigInteger(), nullable=False),
        sa.Column("platform_created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("received_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("intake_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("accept_by_ms", sa.BigInteger(), nullable=True),
        sa.Column("needs_manager", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("store_id", "platform", "platform_order_id",
                            name="uq_delivery_platform_order"),
    )
    op.create_index("ix_delivery_orders_state", "delivery_orders", ["state"])
    op.create_index("ix_delivery_orders_order", "delivery_orders", ["order_id"])
    op.create_table(
        "delivery_callbacks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("platform", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("sent_at_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_delivery_callbacks_state", "delivery_callbacks", ["state"])


def downgrade() -> None:
    op.drop_index("ix_delivery_callbacks_state", table_name="delivery_callbacks")
    op.drop_table("delivery_callbacks")
    op.drop_index("ix_delivery_orders_order", table_name="delivery_orders")
    op.drop_index("ix_delivery_orders_state", table_name="delivery_orders")
    op.drop_table("delivery_orders")
    op.drop_table("delivery_item_maps")
