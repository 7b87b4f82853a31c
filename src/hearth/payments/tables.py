"""Payment projections: intents, refunds, stored-value accounts, shifts, provider settings.

All written only by the projectors in ``projections.py`` from the journal.
"""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),  # also the provider's idempotency key
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(36), nullable=False),
    sa.Column("tender", sa.String(20), nullable=False),
    sa.Column("provider", sa.String(40), nullable=True),
    sa.Column("wallet", sa.String(20), nullable=True),
    sa.Column("account_id", sa.String(36), nullable=True),
    sa.Column("amount", sa.Integer, nullable=False),
    sa.Column("tip", sa.Integer, nullable=False),
    sa.Column("rounding", sa.Integer, nullable=False),
    sa.Column("tendered", sa.Integer, nullable=True),
    sa.Column("change_due", sa.Integer, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("refunded", sa.Integer, nullable=False),
    sa.Column("refund_pending", sa.Integer, nullable=False),
    sa.Column("offline", sa.Boolean, nullable=False),
    sa.Column("forward_state", sa.String(20), nullable=True),  # queued|forwarded|declined
    sa.Column("provider_ref", sa.String(80), nullable=True),
    sa.Column("qr_content", sa.String(500), nullable=True),
    sa.Column("message_zh", sa.String(300), nullable=False),
    sa.Column("message_en", sa.String(300), nullable=False),
    sa.Column("fallback", sa.JSON, nullable=True),
    sa.Column("request_key", sa.String(220), nullable=False),
    sa.Column("request_fp", sa.String(64), nullable=False),
    sa.Column("root_id", sa.String(36), nullable=False),  # the first attempt of a failover chain
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("shift_id", sa.String(36), nullable=True),
    sa.Column("actor", sa.String(36), nullable=True),
    sa.Column("created_at_ms", sa.BigInteger, nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("store_id", "request_key", name="uq_payment_request"),
    sa.Index("ix_payments_order", "order_id"),
    sa.Index("ix_payments_status", "status"),
)

payment_refunds = sa.Table(
    "payment_refunds",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),  # the provider's refund idempotency key
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("payment_id", sa.String(36), nullable=False),
    sa.Column("amount", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # pending|succeeded|failed
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Column("approved_by", sa.String(36), nullable=True),
    sa.Column("request_key", sa.String(220), nullable=False),
    sa.Column("created_at_ms", sa.BigInteger, nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("store_id", "request_key", name="uq_refund_request"),
    sa.Index("ix_payment_refunds_payment", "payment_id"),
)

payment_callbacks = sa.Table(
    "payment_callbacks",
    metadata,
    sa.Column("provider", sa.String(40), primary_key=True),
    sa.Column("event_id", sa.String(120), primary_key=True),
    sa.Column("payment_id", sa.String(36), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("received_at_ms", sa.BigInteger, nullable=False),
)

stored_value_accounts = sa.Table(
    "stored_value_accounts",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("phone", sa.String(30), nullable=True),
    sa.Column("balance", sa.Integer, nullable=False),
    sa.Column("created_at_ms", sa.BigInteger, nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
)

cash_shifts = sa.Table(
    "cash_shifts",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open|closed
    sa.Column("opened_by", sa.String(36), nullable=True),
    sa.Column("opened_at_ms", sa.BigInteger, nullable=False),
    sa.Column("float_amount", sa.Integer, nullable=False),
    sa.Column("cash_sales", sa.Integer, nullable=False),  # cash handed over by customers
    sa.Column("change_given", sa.Integer, nullable=False),
    sa.Column("cash_refunds", sa.Integer, nullable=False),
    sa.Column("pay_ins", sa.Integer, nullable=False),
    sa.Column("pay_outs", sa.Integer, nullable=False),
    sa.Column("counted", sa.Integer, nullable=True),
    sa.Column("expected", sa.Integer, nullable=True),
    sa.Column("difference", sa.Integer, nullable=True),
    sa.Column("closed_by", sa.String(36), nullable=True),
    sa.Column("closed_at_ms", sa.BigInteger, nullable=True),
    sa.Index("ix_cash_shifts_status", "store_id", "status"),
)

payment_providers = sa.Table(
    "payment_providers",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("tenders", sa.JSON, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("settings", sa.JSON, nullable=False),  # keys and URLs, as the store set them
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
)
