"""PIN lockouts escalate: consecutive lockouts counted, and a lock that only a manager lifts

Revision ID: 0008
Revises: 0007
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nobody is hard-locked and no lockouts are counted on the day this ships; PIN lengths
    # are unknown (NULL) until a PIN is set again, so an existing short PIN is not promoted.
    op.add_column("staff", sa.Column("lockouts", sa.Integer(), nullable=False,
                                     server_default="0"))
    op.add_column("staff", sa.Column("hard_locked", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column("staff", sa.Column("pin_length", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("pin_length")
        batch.drop_column("hard_locked")
        batch.drop_column("lockouts")
