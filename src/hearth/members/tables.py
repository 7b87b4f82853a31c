"""Members' projections on the store: profiles, consents, the one ledger, balances with HQ's
figure and allowance, rules and tiers, coupons. Written only by members/projections.py.

Members are chain-wide: a member's id is the same on every store and at HQ, and it is also
the id of the member's stored-value account in ``stored_value_accounts`` (payments), so the
stored-value tender at checkout charges the member's account with no second notion of one.
"""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

members = sa.Table(
    "members",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("code", sa.String(12), nullable=False),  # on the card / QR
    # E.164; NULL for an account opened without a phone (before members) or erased (PIPL).
    sa.Column("phone", sa.String(20), nullable=True),
    sa.Column("phone_rev", sa.String(20), nullable=True),  # digits reversed: suffix lookup
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("birthday", sa.String(10), nullable=True),  # "YYYY-MM-DD" or "MM-DD"
    sa.Column("tier", sa.String(40), nullable=True),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("consent_version", sa.Integer, nullable=True),  # marketing consent held
    sa.Column("status", sa.String(10), nullable=False),  # active | merged | erased
    sa.Column("merged_into", sa.String(36), nullable=True),
    sa.Column("home_store_id", sa.String(64), nullable=False),
    sa.Column("lifetime_points", sa.BigInteger, nullable=False),
    sa.Column("created_at_ms", sa.BigInteger, nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("phone", name="uq_members_phone"),
    sa.UniqueConstraint("code", name="uq_members_code"),
    sa.Index("ix_members_phone_rev", "phone_rev"),
    sa.Index("ix_members_name", "name"),
)

# Every grant or withdrawal of marketing consent, with the version of the text agreed to.
member_consents = sa.Table(
    "member_consents",
    metadata,
    sa.Column("member_id", sa.String(36), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),  # the journal event
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("granted", sa.Boolean, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("at_ms", sa.BigInteger, nullable=False),
)

# The one ledger: points and stored value (paid-in, bonus). Keyed by (order, line, rule) and
# the member and account it moves, so a retried or replayed event never posts twice.
member_ledger = sa.Table(
    "member_ledger",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.String(36), nullable=False),
    sa.Column("account", sa.String(8), nullable=False),  # points | paid | bonus
    sa.Column("delta", sa.BigInteger, nullable=False),
    sa.Column("ref", sa.String(80), nullable=False),  # order, top-up, redemption…
    sa.Column("line", sa.String(80), nullable=False),
    sa.Column("rule", sa.String(80), nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),  # the store journal event it came from
    sa.Column("at_ms", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("ref", "line", "rule", "member_id", "account", name="uq_member_ledger_key"),
    sa.Index("ix_member_ledger_member", "member_id", "seq"),
)

# Balances: the sum of the ledger (points, paid, bonus), HQ's figure at its last word and
# the journal seq of this store it included, and HQ's offline allowance for this store.
member_balances = sa.Table(
    "member_balances",
    metadata,
    sa.Column("member_id", sa.String(36), primary_key=True),
    sa.Column("points", sa.BigInteger, nullable=False),
    sa.Column("paid", sa.BigInteger, nullable=False),
    sa.Column("bonus", sa.BigInteger, nullable=False),
    sa.Column("hq_points", sa.BigInteger, nullable=True),
    sa.Column("hq_paid", sa.BigInteger, nullable=True),
    sa.Column("hq_bonus", sa.BigInteger, nullable=True),
    sa.Column("hq_acked_seq", sa.BigInteger, nullable=True),
    sa.Column("allowance", sa.BigInteger, nullable=True),
    sa.Column("allowance_date", sa.String(10), nullable=True),
    sa.Column("allowance_used", sa.BigInteger, nullable=False),
)

# Points rules, tiers and top-up bonus tiers: one row each, the body as the domain's JSON.
member_rules = sa.Table(
    "member_rules",
    metadata,
    sa.Column("kind", sa.String(12), primary_key=True),  # points | tier | top_up | setting
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("body", sa.JSON, nullable=False),
)

coupon_templates = sa.Table(
    "member_coupon_templates",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # money_off | percent_off | free_item | …
    sa.Column("name_zh", sa.String(80), nullable=False),
    sa.Column("name_en", sa.String(80), nullable=False),
    sa.Column("value", sa.Integer, nullable=False),  # fen off, percent, or member price
    sa.Column("threshold", sa.Integer, nullable=False),  # spend at least (fen)
    sa.Column("item_id", sa.String(36), nullable=True),
    sa.Column("valid_days", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

coupons = sa.Table(
    "member_coupons",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("template_id", sa.String(36), nullable=False),
    sa.Column("member_id", sa.String(36), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # issued | redeemed | void
    sa.Column("issued_at_ms", sa.BigInteger, nullable=False),
    sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Column("from_order_id", sa.String(36), nullable=True),  # a goodwill coupon's order
    sa.Column("redeemed_order_id", sa.String(36), nullable=True),
    sa.Column("redeemed_at_ms", sa.BigInteger, nullable=True),
    sa.Index("ix_member_coupons_member", "member_id", "status"),
)

# One-time sign-in codes for the QR page (hashed; a few tries; minutes to live). Not a
# projection: written by the service directly, like sync_state; a rebuild leaves it alone.
member_otps = sa.Table(
    "member_otps",
    metadata,
    sa.Column("phone", sa.String(20), primary_key=True),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
    sa.Column("tries", sa.Integer, nullable=False),
)
