"""HQ members: member balances, allowances granted to stores, coupons

Revision ID: hq0004
Revises: hq0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hq0004"
down_revision: str | None = "hq0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hq_members",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("birthday", sa.String(length=10), nullable=True),
        sa.Column("tier", sa.String(length=40), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("home_store_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_table(
        "hq_member_ledger",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("line", sa.String(length=80), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("account", sa.String(length=8), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "ref", "line", "rule", "account"),
    )
    op.create_table(
        "hq_member_balances",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("bonus", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_index("ix_hq_member_balances_version", "hq_member_balances", ["version"])
    op.create_table(
        "hq_member_allowances",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("daily_cap", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_table(
        "hq_member_cursors",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id"),
    )
    op.create_table(
        "hq_member_feed",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("hq_member_feed")
    op.drop_table("hq_member_cursors")
    op.drop_table("hq_member_allowances")
    op.drop_index("ix_hq_member_balances_version", table_name="hq_member_balances")
    op.drop_table("hq_member_balances")
    op.drop_table("hq_member_ledger")
    op.drop_table("hq_members")
