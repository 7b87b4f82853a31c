"""Menu projections. Specs, combo slots and modifier options are edited with their item or group,
so they are stored with it as JSON; categories, items and groups are rows others refer to."""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

categories = sa.Table(
    "menu_categories",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("name_zh", sa.String(80), nullable=False),
    sa.Column("name_en", sa.String(80), nullable=False),
    sa.Column("sort", sa.Integer, nullable=False, default=0),
    sa.Column("station_id", sa.String(36), nullable=True),
)

modifier_groups = sa.Table(
    "menu_modifier_groups",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("name_zh", sa.String(80), nullable=False),
    sa.Column("name_en", sa.String(80), nullable=False),
    sa.Column("min_choices", sa.Integer, nullable=False),
    sa.Column("max_choices", sa.Integer, nullable=False),
    sa.Column("options", sa.JSON, nullable=False),
)

items = sa.Table(
    "menu_items",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("category_id", sa.String(36), sa.ForeignKey("menu_categories.id"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("name_zh", sa.String(80), nullable=False),
    sa.Column("name_en", sa.String(120), nullable=False),
    sa.Column("pinyin_initials", sa.String(80), nullable=False),
    sa.Column("pinyin_full", sa.String(400), nullable=False),
    sa.Column("price", sa.Integer, nullable=False),
    sa.Column("tax_rate_bp", sa.Integer, nullable=False),
    sa.Column("specs", sa.JSON, nullable=False),
    sa.Column("modifier_group_ids", sa.JSON, nullable=False),
    sa.Column("combo_slots", sa.JSON, nullable=False),
    sa.Column("station_id", sa.String(36), nullable=True),
    sa.Column("available_from", sa.String(5), nullable=True),
    sa.Column("available_until", sa.String(5), nullable=True),
    sa.Column("sold_out", sa.Boolean, nullable=False, default=False),
    sa.Column("remaining", sa.Integer, nullable=True),
    sa.Column("back_at_ms", sa.BigInteger, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("sort", sa.Integer, nullable=False, default=0),
    sa.Column("image_url", sa.String(300), nullable=True),
    sa.Index("ix_menu_items_category", "category_id"),
)

# Item pictures, content-addressed (sha256 of the bytes), so the same photo on two items is kept
# once and its URL never changes meaning. Written by the ItemImageUploaded projector, so a rebuild
# from the journal brings the pictures back too.
images = sa.Table(
    "menu_images",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("content_type", sa.String(20), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("width", sa.Integer, nullable=True),
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)
