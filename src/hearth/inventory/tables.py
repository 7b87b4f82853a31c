"""Inventory projections: ingredients with their stock and value, recipes, every stock move,
purchase orders, count sheets, the dishes inventory sold out and the sales with no recipe."""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

ingredients = sa.Table(
    "inventory_ingredients",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("name_zh", sa.String(80), nullable=False),
    sa.Column("name_en", sa.String(80), nullable=False),
    sa.Column("dimension", sa.String(10), nullable=False),
    sa.Column("stock_unit", sa.String(20), nullable=False),  # how people see the level
    sa.Column("purchase_unit", sa.String(20), nullable=False),  # how it is ordered
    sa.Column("units", sa.JSON, nullable=False),  # its own units: name -> base units
    sa.Column("par_level", sa.BigInteger, nullable=False),  # base units
    sa.Column("reorder_point", sa.BigInteger, nullable=False),  # base units
    sa.Column("supplier", sa.String(80), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("on_hand", sa.BigInteger, nullable=False),  # base units, may go below zero
    sa.Column("value_milli", sa.BigInteger, nullable=False),  # milli-fen
    sa.Column("last_cost_num", sa.BigInteger, nullable=False),  # milli-fen per base unit,
    sa.Column("last_cost_den", sa.BigInteger, nullable=False),  # as an exact fraction
    sa.Column("low", sa.Boolean, nullable=False),  # below the reorder point (LowStock)
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("store_id", "name_zh", name="uq_inventory_ingredient_name"),
)

recipes = sa.Table(
    "inventory_recipes",
    metadata,
    sa.Column("id", sa.String(120), primary_key=True),  # "<kind>:<target id>"
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("target_id", sa.String(80), nullable=False),
    sa.Column("item_id", sa.String(36), nullable=True),  # the dish (item, spec); None: option
    sa.Column("components", sa.JSON, nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
    sa.Index("ix_inventory_recipes_item", "item_id"),
)

moves = sa.Table(
    "inventory_moves",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),  # (source, line, ingredient): once
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("ingredient_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("quantity", sa.BigInteger, nullable=False),  # signed base units
    sa.Column("value_milli", sa.BigInteger, nullable=False),  # signed milli-fen
    sa.Column("source_event_id", sa.String(36), nullable=True),
    sa.Column("line_id", sa.String(36), nullable=True),
    sa.Column("item_id", sa.String(36), nullable=True),
    sa.Column("ref", sa.String(80), nullable=True),  # purchase order, count sheet, transfer
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Column("business_date", sa.String(10), nullable=False),
    sa.Column("at_ms", sa.BigInteger, nullable=False),
    sa.Index("ix_inventory_moves_ingredient", "ingredient_id", "at_ms"),
    sa.Index("ix_inventory_moves_line", "line_id"),
    sa.Index("ix_inventory_moves_date", "business_date", "kind"),
)

purchase_orders = sa.Table(
    "inventory_purchase_orders",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("supplier", sa.String(80), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open, received
    sa.Column("lines", sa.JSON, nullable=False),
    sa.Column("created_at_ms", sa.BigInteger, nullable=False),
    sa.Column("received_at_ms", sa.BigInteger, nullable=True),
)

stocktakes = sa.Table(
    "inventory_stocktakes",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("lines", sa.JSON, nullable=False),  # counted, expected, variance and its value
    sa.Column("variance_value_milli", sa.BigInteger, nullable=False),
    sa.Column("counted_at_ms", sa.BigInteger, nullable=False),
    sa.Column("actor", sa.String(36), nullable=True),
)

# Dishes inventory 86'd because an ingredient ran out: only these come back by themselves.
auto_sold_out = sa.Table(
    "inventory_auto_sold_out",
    metadata,
    sa.Column("item_id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("ingredient_id", sa.String(36), nullable=False),
    sa.Column("reason_zh", sa.String(120), nullable=False),
    sa.Column("reason_en", sa.String(160), nullable=False),
    sa.Column("at_ms", sa.BigInteger, nullable=False),
)

# Lines sold with no recipe for their dish, keyed by (sending event, line): the daily figure.
unrecipe_sales = sa.Table(
    "inventory_unrecipe_sales",
    metadata,
    sa.Column("key", sa.String(120), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("business_date", sa.String(10), nullable=False),
    sa.Column("item_id", sa.String(36), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Index("ix_inventory_unrecipe_date", "business_date"),
)
