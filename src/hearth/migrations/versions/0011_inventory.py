"""Inventory: ingredients, units, recipes, stock moves and levels

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inventory_ingredients",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("dimension", sa.String(length=10), nullable=False),
        sa.Column("stock_unit", sa.String(length=20), nullable=False),
        sa.Column("purchase_unit", sa.String(length=20), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("par_level", sa.BigInteger(), nullable=False),
        sa.Column("reorder_point", sa.BigInteger(), nullable=False),
        sa.Column("supplier", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("on_hand", sa.BigInteger(), nullable=False),
        sa.Column("value_milli", sa.BigInteger(), nullable=False),
        sa.Column("last_cost_num", sa.BigInteger(), nullable=False),
        sa.Column("last_cost_den", sa.BigInteger(), nullable=False),
        sa.Column("low", sa.Boolean(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("store_id", "name_zh", name="uq_inventory_ingredient_name"),
    )
    op.create_table(
        "inventory_recipes",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.String(length=80), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=True),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_inventory_recipes_item", "inventory_recipes", ["item_id"])
    op.create_table(
        "inventory_moves",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("ingredient_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("value_milli", sa.BigInteger(), nullable=False),
        sa.Column("source_event_id", sa.String(length=36), nullable=True),
        sa.Column("line_id", sa.String(length=36), nullable=True),
        sa.Column("item_id", sa.String(length=36), nullable=True),
        sa.Column("ref", sa.String(length=80), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_inventory_moves_line", "inventory_moves", ["line_id"])
    op.create_index("ix_inventory_moves_ingredient", "inventory_moves", ["ingredient_id", "at_ms"])
    op.create_index("ix_inventory_moves_date", "inventory_moves", ["business_date", "kind"])
    op.create_table(
        "inventory_purchase_orders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("supplier", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("received_at_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "inventory_stocktakes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("variance_value_milli", sa.BigInteger(), nullable=False),
        sa.Column("counted_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "inventory_auto_sold_out",
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("ingredient_id", sa.String(length=36), nullable=False),
        sa.Column("reason_zh", sa.String(length=120), nullable=False),
        sa.Column("reason_en", sa.String(length=160), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("item_id"),
    )
    op.create_table(
        "inventory_unrecipe_sales",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_inventory_unrecipe_date", "inventory_unrecipe_sales", ["business_date"])


def downgrade() -> None:
    op.drop_table("inventory_unrecipe_sales")
    op.drop_table("inventory_auto_sold_out")
    op.drop_table("inventory_stocktakes")
    op.drop_table("inventory_purchase_orders")
    op.drop_table("inventory_moves")
    op.drop_table("inventory_recipes")
    op.drop_table("inventory_ingredients")
