"""Table sessions: a diner's phone orders only while its table is seated

Revision ID: 0009
Revises: 0008
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE_COLUMNS = ("session_id", "session_self_seated", "session_approved_total",
                  "held_order_id", "held_reason")
_SETTINGS_COLUMNS = ("qr_self_seating", "qr_max_per_line", "qr_max_per_order",
                     "qr_changes_per_minute", "qr_confirm_above")


def upgrade() -> None:
    # A table seated before sessions existed has none: its diners' phones are told to ask a
    # waiter, who seats it again (opening an order on it does).
    op.add_column("dining_tables", sa.Column("session_id", sa.String(length=36), nullable=True))
    op.add_column("dining_tables", sa.Column("session_self_seated", sa.Boolean(),
                                             nullable=False, server_default=sa.false()))
    op.add_column("dining_tables", sa.Column("session_approved_total", sa.BigInteger(),
                                             nullable=False, server_default="0"))
    op.add_column("dining_tables", sa.Column("held_order_id", sa.String(length=36),
                                             nullable=True))
    op.add_column("dining_tables", sa.Column("held_reason", sa.String(length=20),
                                             nullable=True))
    op.add_column("store_settings", sa.Column("qr_self_seating", sa.Boolean(), nullable=False,
                                              server_default=sa.false()))
    op.add_column("store_settings", sa.Column("qr_max_per_line", sa.Integer(), nullable=False,
                                              server_default="20"))
    op.add_column("store_settings", sa.Column("qr_max_per_order", sa.Integer(), nullable=False,
                                              server_default="60"))
    op.add_column("store_settings", sa.Column("qr_changes_per_minute", sa.Integer(),
                                              nullable=False, server_default="20"))
    op.add_column("store_settings", sa.Column("qr_confirm_above", sa.BigInteger(),
                                              nullable=False, server_default="100000"))


def downgrade() -> None:
    with op.batch_alter_table("store_settings") as batch:
        for name in _SETTINGS_COLUMNS:
            batch.drop_column(name)
    with op.batch_alter_table("dining_tables") as batch:
        for name in _TABLE_COLUMNS:
            batch.drop_column(name)
