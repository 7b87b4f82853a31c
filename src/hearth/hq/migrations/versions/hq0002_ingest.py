"""HQ ingest: the stuck-backlog watch on each store's row

Revision ID: hq0002
Revises: hq0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hq0002"
down_revision: str | None = "hq0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("stores", sa.Column("handshake_backlog", sa.BigInteger(), nullable=True))
    op.add_column(
        "stores",
        sa.Column("backlog_flat", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("backlog_flat")
        batch.drop_column("handshake_backlog")
