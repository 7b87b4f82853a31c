"""The store's settings: one row per store, the latest complete value."""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

store_settings = sa.Table(
    "store_settings",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("name_zh", sa.String(80), nullable=False),
    sa.Column("name_en", sa.String(120), nullable=False),
    sa.Column("address", sa.String(200), nullable=False),
    sa.Column("phone", sa.String(40), nullable=False),
    sa.Column("service_charge_bp", sa.Integer, nullable=False),
    sa.Column("receipt_footer_zh", sa.String(200), nullable=False),
    sa.Column("receipt_footer_en", sa.String(200), nullable=False),
    sa.Column("cash_rounding", sa.String(12), nullable=False),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("default_language", sa.String(5), nullable=False),
    sa.Column(
        "qr_self_seating", sa.Boolean, nullable=False, default=False, server_default=sa.false()
    ),
    sa.Column("qr_max_per_line", sa.Integer, nullable=False, default=20, server_default="20"),
    sa.Column("qr_max_per_order", sa.Integer, nullable=False, default=60, server_default="60"),
    sa.Column("qr_changes_per_minute", sa.Integer, nullable=False, default=20, server_default="20"),
    sa.Column(
        "qr_confirm_above", sa.BigInteger, nullable=False, default=100_000, server_default="100000"
    ),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
    sa.Column("updated_by", sa.String(36), nullable=True),
)
