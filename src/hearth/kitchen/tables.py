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
