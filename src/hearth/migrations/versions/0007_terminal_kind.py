"""Terminals have a kind: a till (staff sign in) or a self-service kiosk (guests order)

Revision ID: 0007
Revises: 0006
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every terminal registered before kinds existed was a till.
    op.add_column("terminals", sa.Column("kind", sa.String(length=10), nullable=False,
                                         server_default="till"))


def downgrade() -> None:
    with op.batch_alter_table("terminals") as batch:
        batch.drop_column("kind")
