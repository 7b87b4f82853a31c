"""Payments: intents, refunds, callbacks, stored value, shifts, providers

Revision ID: 0003
Revises: 0002
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("tender", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=True),
        sa.Column("wallet", sa.String(length=20), nullable=True),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("tip", sa.Integer(), nullable=False),
        sa.Column("rounding", sa.Integer(), nullable=False),
        sa.Column("tendered", sa.Integer(), nullable=True),
        sa.Column("change_due", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.Column("refund_pending", sa.Integer(), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("forward_state", sa.String(length=20), nullable=True),
        sa.Column("provider_ref", sa.String(length=80), nullable=True),
        sa.Column("qr_content", sa.String(length=500), nullable=True),
        sa.Column("message_zh", sa.String(length=300), nullable=False),
        sa.Column("message_en", sa.String(length=300), nullable=False),
        sa.Column("fallback", sa.JSON(), nullable=True),
        sa.Column("request_key", sa.String(length=220), nullable=False),
        sa.Column("request_fp", sa.String(length=64), nullable=False),
        sa.Column("root_id", sa.String(length=36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.String(length=36), nullable=True),
        sa.Column("actor", sa.String(length=36), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("store_id", "request_key", name="uq_payment_request"),
    )
    op.create_index("ix_payments_order", "payments", ["order_id"], unique=False)
    op.create_index("ix_payments_status", "payments", ["status"], unique=False)
    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("approved_by", sa.String(length=36), nullable=True),
        sa.Column("request_key", sa.String(length=220), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("store_id", "request_key", name="uq_refund_request"),
    )
    op.create_index("ix_payment_refunds_payment", "payment_refunds", ["payment_id"],
                    unique=False)
    op.create_table(
        "payment_callbacks",
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=120), nullable=False),
        sa.Column("payment_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("received_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("provider", "event_id"),
    )
    op.create_table(
        "stored_value_accounts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "cash_shifts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("opened_by", sa.String(length=36), nullable=True),
        sa.Column("opened_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("float_amount", sa.Integer(), nullable=False),
        sa.Column("cash_sales", sa.Integer(), nullable=False),
        sa.Column("change_given", sa.Integer(), nullable=False),
        sa.Column("cash_refunds", sa.Integer(), nullable=False),
        sa.Column("pay_ins", sa.Integer(), nullable=False),
        sa.Column("pay_outs", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=True),
        sa.Column("expected", sa.Integer(), nullable=True),
        sa.Column("difference", sa.Integer(), nullable=True),
        sa.Column("closed_by", sa.String(length=36), nullable=True),
        sa.Column("closed_at_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cash_shifts_status", "cash_shifts", ["store_id", "status"],
                    unique=False)
    op.create_table(
        "payment_providers",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("tenders", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "name"),
    )


def downgrade() -> None:
    op.drop_table("payment_providers")
    op.drop_index("ix_cash_shifts_status", table_name="cash_shifts")
    op.drop_table("cash_shifts")
    op.drop_table("stored_value_accounts")
    op.drop_table("payment_callbacks")
    op.drop_index("ix_payment_refunds_payment", table_name="payment_refunds")
    op.drop_table("payment_refunds")
    op.drop_index("ix_payments_status", table_name="payments")
    op.drop_index("ix_payments_order", table_name="payments")
    op.drop_table("payments")
