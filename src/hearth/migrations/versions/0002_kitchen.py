"""Kitchen: tickets, routing rules, station timing

Revision ID: 0002
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kitchen_station_timing",
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("warn_s", sa.Integer(), nullable=False),
        sa.Column("late_s", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("station_id"),
    )
    op.create_table(
        "kitchen_routing_rules",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("category_id", sa.String(length=36), nullable=True),
        sa.Column("item_id", sa.String(length=36), nullable=True),
        sa.Column("station_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "kitchen_tickets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("order_number", sa.Integer(), nullable=False),
        sa.Column("where", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("rush", sa.Boolean(), nullable=False),
        sa.Column("printed", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sent_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("started_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("done_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("source_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_seq", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("station_id", "source_seq", name="uq_kitchen_ticket_source"),
    )
    op.create_index("ix_kitchen_tickets_station_status", "kitchen_tickets",
                    ["station_id", "status"])
    op.create_index("ix_kitchen_tickets_order", "kitchen_tickets", ["order_id"])
    op.create_table(
        "kitchen_ticket_items",
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("line_id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", "id"),
    )
    op.create_index("ix_kitchen_ticket_items_order", "kitchen_ticket_items", ["order_id"])
    op.create_index("ix_kitchen_ticket_items_line", "kitchen_ticket_items", ["line_id"])


def downgrade() -> None:
    op.drop_table("kitchen_ticket_items")
    op.drop_table("kitchen_tickets")
    op.drop_table("kitchen_routing_rules")
    op.drop_table("kitchen_station_timing")
