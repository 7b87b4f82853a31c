"""HQ fleet: each store's doctor report, open alerts, version and backups

Revision ID: hq0003
Revises: hq0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hq0003"
down_revision: str | None = "hq0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fleet_reports",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("worst", sa.String(length=8), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("alerts", sa.JSON(), nullable=False),
        sa.Column("backup_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("backup_bytes", sa.BigInteger(), nullable=True),
        sa.Column("reported_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("received_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id"),
    )
    op.create_table(
        "fleet_backups",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("gz_bytes", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("manifest", sa.JSON(), nullable=True),
        sa.Column("taken_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("received_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "name"),
    )


def downgrade() -> None:
    op.drop_table("fleet_backups")
    op.drop_table("fleet_reports")
