"""HQ schema: stores and their cursors, events, quarantine, review, alarms, activity,
catalogue, staff

Revision ID: hq0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hq0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alarms",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("alarm_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("first_differing_seq", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("raised_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("cleared_at_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "alarm_id"),
    )
    op.create_table(
        "catalogue_snapshots",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("compacted_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    op.create_table(
        "catalogue_versions",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("published_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("scope", "version"),
        sa.UniqueConstraint("version", name="uq_catalogue_versions_version"),
    )
    op.create_table(
        "daily_activity",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "business_date"),
    )
    op.create_table(
        "hq_events",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=120), nullable=False),
        sa.Column("stream_version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("hlc", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=36), nullable=True),
        sa.Column("recorded_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("received_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "event_id"),
        sa.UniqueConstraint("store_id", "seq", name="uq_hq_events_store_seq"),
    )
    op.create_table(
        "hq_idempotency",
        sa.Column("owner_code", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("owner_code", "key"),
    )
    op.create_table(
        "hq_secrets",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "hq_staff",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "quarantine",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("quarantined_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "event_id"),
    )
    op.create_table(
        "review",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("received_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "epoch", "event_id"),
    )
    op.create_table(
        "stores",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credential_hash", sa.String(length=64), nullable=True),
        sa.Column("enrol_code_hash", sa.String(length=64), nullable=True),
        sa.Column("enrol_expires_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("revoked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("epoch", sa.Integer(), server_default="1", nullable=False),
        sa.Column("acked_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("enrolled_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_seen_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_handshake_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("reported_seq", sa.BigInteger(), nullable=True),
        sa.Column("catalogue_version", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("store_id"),
    )


def downgrade() -> None:
    op.drop_table("stores")
    op.drop_table("review")
    op.drop_table("quarantine")
    op.drop_table("hq_staff")
    op.drop_table("hq_secrets")
    op.drop_table("hq_idempotency")
    op.drop_table("hq_events")
    op.drop_table("daily_activity")
    op.drop_table("catalogue_versions")
    op.drop_table("catalogue_snapshots")
    op.drop_table("alarms")
