"""Members: profiles, the points and stored-value ledger, coupons

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("phone_rev", sa.String(length=20), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("birthday", sa.String(length=10), nullable=True),
        sa.Column("tier", sa.String(length=40), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("consent_version", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("merged_into", sa.String(length=36), nullable=True),
        sa.Column("home_store_id", sa.String(length=64), nullable=False),
        sa.Column("lifetime_points", sa.BigInteger(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phone", name="uq_members_phone"),
        sa.UniqueConstraint("code", name="uq_members_code"),
    )
    op.create_index("ix_members_phone_rev", "members", ["phone_rev"])
    op.create_index("ix_members_name", "members", ["name"])
    op.create_table(
        "member_consents",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "seq"),
    )
    op.create_table(
        "member_ledger",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("account", sa.String(length=8), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("line", sa.String(length=80), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "ref", "line", "rule", "member_id", "account", name="uq_member_ledger_key"
        ),
    )
    op.create_index("ix_member_ledger_member", "member_ledger", ["member_id", "seq"])
    op.create_table(
        "member_balances",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("bonus", sa.BigInteger(), nullable=False),
        sa.Column("hq_points", sa.BigInteger(), nullable=True),
        sa.Column("hq_paid", sa.BigInteger(), nullable=True),
        sa.Column("hq_bonus", sa.BigInteger(), nullable=True),
        sa.Column("hq_acked_seq", sa.BigInteger(), nullable=True),
        sa.Column("allowance", sa.BigInteger(), nullable=True),
        sa.Column("allowance_date", sa.String(length=10), nullable=True),
        sa.Column("allowance_used", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_table(
        "member_rules",
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "id"),
    )
    op.create_table(
        "member_coupon_templates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=True),
        sa.Column("valid_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "member_coupons",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("template_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("issued_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("from_order_id", sa.String(length=36), nullable=True),
        sa.Column("redeemed_order_id", sa.String(length=36), nullable=True),
        sa.Column("redeemed_at_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_member_coupons_member", "member_coupons", ["member_id", "status"])
    op.create_table(
        "member_otps",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("phone"),
    )


def downgrade() -> None:
    op.drop_table("member_otps")
    op.drop_index("ix_member_coupons_member", table_name="member_coupons")
    op.drop_table("member_coupons")
    op.drop_table("member_coupon_templates")
    op.drop_table("member_rules")
    op.drop_table("member_balances")
    op.drop_index("ix_member_ledger_member", table_name="member_ledger")
    op.drop_table("member_ledger")
    op.drop_table("member_consents")
    op.drop_index("ix_members_name", table_name="members")
    op.drop_index("ix_members_phone_rev", table_name="members")
    op.drop_table("members")
