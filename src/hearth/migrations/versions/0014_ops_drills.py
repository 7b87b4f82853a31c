"""Ops: fault drills and their steps

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ops_drills",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("fault", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("started_by", sa.String(length=36), nullable=True),
        sa.Column("started_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("detected_after_ms", sa.BigInteger(), nullable=True),
        sa.Column("recovered_after_ms", sa.BigInteger(), nullable=True),
        sa.Column("nothing_lost", sa.Boolean(), nullable=True),
        sa.Column("finished_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("summary_zh", sa.String(length=400), nullable=True),
        sa.Column("summary_en", sa.String(length=400), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_ops_drills_started", "ops_drills", ["store_id", "started_at_ms"], unique=False
    )
    op.create_table(
        "ops_drill_steps",
        sa.Column("drill_id", sa.String(length=36), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("after_ms", sa.BigInteger(), nullable=False),
        sa.Column("zh", sa.String(length=600), nullable=False),
        sa.Column("en", sa.String(length=600), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("drill_id", "n"),
    )
    op.create_table(
        "ops_drill_settings",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("service_periods", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id"),
    )


def downgrade() -> None:
    op.drop_table("ops_drill_settings")
    op.drop_table("ops_drill_steps")
    op.drop_index("ix_ops_drills_started", table_name="ops_drills")
    op.drop_table("ops_drills")
