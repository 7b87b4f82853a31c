"""The store's side of HQ sync: where it stands with HQ, and the digest of each sent event.

``sync_state`` is not a projection of the journal: it is what this box knows about HQ (the
credential, the cursor HQ acknowledged), so a rebuild leaves it alone and it is written only by
the sync service, through the writer.

``sync_digests`` holds the rolling digest (hearth.core.digest) of every event up to the highest
one prepared for upload. It is filled as the upload loop reads the journal, not by
``tx.append``: the ordering hot path stays one INSERT per event, each digest is computed once,
and the digests that handshakes and the divergence search compare (those at or below the acked
cursor) are always stored. A restored box writes HQ's digests as it writes the journal.
"""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

sync_state = sa.Table(
    "sync_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("hq_url", sa.String(300), nullable=False),
    sa.Column("store_id", sa.String(64), nullable=False),
    # A secret: never returned by the API, never logged.
    sa.Column("credential", sa.String(200), nullable=False),
    sa.Column("epoch", sa.Integer, nullable=False),
    sa.Column("acked_seq", sa.BigInteger, nullable=False, default=0),
    sa.Column("acked_digest", sa.String(64), nullable=False),
    sa.Column("catalogue_version", sa.Integer, nullable=False, default=0),
    # ok, fenced (another box took over this store's history) or diverged (a person must act).
    sa.Column("status", sa.String(12), nullable=False, default="ok"),
    sa.Column("first_differing_seq", sa.BigInteger, nullable=True),
    sa.Column("enrolled_at_ms", sa.BigInteger, nullable=False),
    sa.Column("last_ok_at_ms", sa.BigInteger, nullable=True),
    sa.Column("last_error", sa.String(300), nullable=True),
    sa.Column("last_error_at_ms", sa.BigInteger, nullable=True),
    # Since when HQ has not been reachable (None while it answers).
    sa.Column("unreachable_since_ms", sa.BigInteger, nullable=True),
    # Since when events have been waiting for HQ (None when HQ holds everything).
    sa.Column("backlog_since_ms", sa.BigInteger, nullable=True),
)

sync_digests = sa.Table(
    "sync_digests",
    metadata,
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("digest", sa.String(64), nullable=False),
)
