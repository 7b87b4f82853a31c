"""HQ sync: the store's sync state and digests, and the catalogue version orders were sold from

Revision ID: 0010
Revises: 0009
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hq_url", sa.String(length=300), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("credential", sa.String(length=200), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("acked_seq", sa.BigInteger(), nullable=False),
        sa.Column("acked_digest", sa.String(length=64), nullable=False),
        sa.Column("catalogue_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("first_differing_seq", sa.BigInteger(), nullable=True),
        sa.Column("enrolled_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_ok_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("last_error_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("unreachable_since_ms", sa.BigInteger(), nullable=True),
        sa.Column("backlog_since_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sync_digests",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_table(
        "catalogue_applied",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("applied_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id"),
    )
    op.add_column("orders", sa.Column("catalogue_version", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("catalogue_version")
    op.drop_table("catalogue_applied")
    op.drop_table("sync_digests")
    op.drop_table("sync_state")
