"""HQ's tables, in HQ's own metadata (never the store's: neither schema leaks into the other).

Every per-store table's primary and unique keys start with ``store_id``, the distribution
column when HQ moves to sharded PostgreSQL (Citus): a store's events, cursor, quarantine,
review and alarms then live on one shard and every ingest is a single-shard transaction.
The chain-wide tables (catalogue versions and snapshots, HQ staff, HQ secrets) are small and
read everywhere: in Citus they become reference tables (copied to every node), so their keys
need not start with ``store_id``; the catalogue's start with ``scope`` instead.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

stores = sa.Table(
    "stores",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("credential_hash", sa.String(64), nullable=True),
    sa.Column("enrol_code_hash", sa.String(64), nullable=True),
    sa.Column("enrol_expires_at_ms", sa.BigInteger, nullable=True),
    sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("epoch", sa.Integer, nullable=False, server_default="1"),
    # The cursor lives on the store's row: the row HQ locks for an ingest is the row it moves.
    sa.Column("acked_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("created_at_ms", sa.BigInteger, nullable=False),
    sa.Column("enrolled_at_ms", sa.BigInteger, nullable=True),
    sa.Column("last_seen_at_ms", sa.BigInteger, nullable=True),
    sa.Column("last_handshake_at_ms", sa.BigInteger, nullable=True),
    # The store's own top seq at its last handshake: its backlog is this less acked_seq.
    sa.Column("reported_seq", sa.BigInteger, nullable=True),
    sa.Column("catalogue_version", sa.BigInteger, nullable=True),
    # The backlog at the last handshake, and at how many handshakes in a row it did not
    # shrink (domain.watch_backlog: the stuck-backlog alarm).
    sa.Column("handshake_backlog", sa.BigInteger, nullable=True),
    sa.Column("backlog_flat", sa.Integer, nullable=False, server_default="0"),
)

hq_events = sa.Table(
    "hq_events",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("device_id", sa.String(64), nullable=False),
    sa.Column("stream", sa.String(120), nullable=False),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("type", sa.String(80), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("hlc", sa.String(24), nullable=False),
    sa.Column("actor", sa.String(36), nullable=True),
    sa.Column("recorded_at_ms", sa.BigInteger, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("epoch", sa.Integer, nullable=False),
    sa.Column("received_at_ms", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("store_id", "seq", name="uq_hq_events_store_seq"),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("type", sa.String(80), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("quarantined_at_ms", sa.BigInteger, nullable=False),
)

review = sa.Table(
    "review",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("epoch", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("received_at_ms", sa.BigInteger, nullable=False),
)

alarms = sa.Table(
    "alarms",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("alarm_id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),  # divergence | fenced | backlog
    sa.Column("first_differing_seq", sa.BigInteger, nullable=True),
    sa.Column("detail", sa.String(500), nullable=False),
    sa.Column("raised_at_ms", sa.BigInteger, nullable=False),
    sa.Column("cleared_at_ms", sa.BigInteger, nullable=True),
)

# What the fleet page reads: orders opened and payments taken per store per business day.
daily_activity = sa.Table(
    "daily_activity",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("business_date", sa.String(10), primary_key=True),
    sa.Column("orders", sa.Integer, nullable=False),
    sa.Column("payments", sa.Integer, nullable=False),
)

catalogue_versions = sa.Table(
    "catalogue_versions",
    metadata,
    sa.Column("scope", sa.String(80), primary_key=True),  # "chain" or "store:<id>"
    sa.Column("version", sa.BigInteger, primary_key=True),
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("published_at_ms", sa.BigInteger, nullable=False),
    sa.Column("published_by", sa.String(64), nullable=True),
    # One version sequence across scopes, so a store reads its chain and own-scope versions
    # as one ordered log (a reference table in Citus may have this key).
    sa.UniqueConstraint("version", name="uq_catalogue_versions_version"),
)

catalogue_snapshots = sa.Table(
    "catalogue_snapshots",
    metadata,
    sa.Column("scope", sa.String(80), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),  # the last version folded in
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("compacted_at_ms", sa.BigInteger, nullable=False),
)

hq_staff = sa.Table(
    "hq_staff",
    metadata,
    sa.Column("code", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created_at_ms", sa.BigInteger, nullable=False),
)

# The token signing key, in the database so every HQ worker signs and checks alike.
hq_secrets = sa.Table(
    "hq_secrets",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

# Answers to HQ owners' changes, so a retried request is answered, not repeated. Secrets an
# answer carried once (an enrolment code) are not kept here.
hq_idempotency = sa.Table(
    "hq_idempotency",
    metadata,
    sa.Column("owner_code", sa.String(40), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("response", sa.JSON, nullable=False),
    sa.Column("created_at_ms", sa.BigInteger, nullable=False),
)

# What each store last told HQ about its health (sync/reports.py sends it after a round HQ
# answered): its doctor's report, its open alerts, its software version and its last verified
# backup. One row per store, replaced by each report; the fleet page and support read it.
fleet_reports = sa.Table(
    "fleet_reports",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.String(40), nullable=False),
    sa.Column("worst", sa.String(8), nullable=False),  # ok | warn | fail
    sa.Column("report", sa.JSON, nullable=False),  # {"findings": [...]} as the doctor made it
    sa.Column("alerts", sa.JSON, nullable=False),  # the store's open alerts
    sa.Column("backup_at_ms", sa.BigInteger, nullable=True),
    sa.Column("backup_bytes", sa.BigInteger, nullable=True),
    sa.Column("reported_at_ms", sa.BigInteger, nullable=False),  # the store's clock
    sa.Column("received_at_ms", sa.BigInteger, nullable=False),  # HQ's clock
)

# Backups a store copied to HQ (gzip files in HQ's backup folder), the last few per store.
fleet_backups = sa.Table(
    "fleet_backups",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(120), primary_key=True),
    sa.Column("status", sa.String(8), nullable=False),  # partial (parts arriving) | kept
    sa.Column("parts", sa.Integer, nullable=False),
    sa.Column("gz_bytes", sa.BigInteger, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=True),  # the database file's, once complete
    sa.Column("sha256", sa.String(64), nullable=True),  # of the database file, checked by HQ
    sa.Column("manifest", sa.JSON, nullable=True),  # the store's manifest, given back on fetch
    sa.Column("taken_at_ms", sa.BigInteger, nullable=True),
    sa.Column("received_at_ms", sa.BigInteger, nullable=False),
)
