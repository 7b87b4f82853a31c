"""Ops: alerts raised, acknowledged and cleared

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ops_alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("cause_zh", sa.String(length=400), nullable=False),
        sa.Column("cause_en", sa.String(length=400), nullable=False),
        sa.Column("works_zh", sa.String(length=400), nullable=False),
        sa.Column("works_en", sa.String(length=400), nullable=False),
        sa.Column("fix_zh", sa.String(length=400), nullable=False),
        sa.Column("fix_en", sa.String(length=400), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("raised_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("acked_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("acked_by", sa.String(length=36), nullable=True),
        sa.Column("cleared_at_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ops_alerts_open", "ops_alerts", ["store_id", "cleared_at_ms"])
    op.create_index("ix_ops_alerts_raised", "ops_alerts", ["store_id", "raised_at_ms"])


def downgrade() -> None:
    op.drop_index("ix_ops_alerts_raised", table_name="ops_alerts")
    op.drop_index("ix_ops_alerts_open", table_name="ops_alerts")
    op.drop_table("ops_alerts")
