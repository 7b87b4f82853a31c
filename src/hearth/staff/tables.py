"""Staff and registered terminals."""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("code", sa.String(20), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("pin_hash", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("failed_attempts", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until_ms", sa.BigInteger, nullable=True),
    sa.Column("last_login_ms", sa.BigInteger, nullable=True),
    # Lockouts in a row since the last good PIN; the third holds until a manager unlocks it.
    sa.Column("lockouts", sa.Integer, nullable=False, default=0, server_default="0"),
    sa.Column("hard_locked", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
    # Kept at hire and reset so a promotion to manager can ask for a longer PIN first;
    # NULL for PINs set before lengths were kept.
    sa.Column("pin_length", sa.SmallInteger, nullable=True),
    sa.UniqueConstraint("store_id", "code", name="uq_staff_code"),
)

terminals = sa.Table(
    "terminals",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("registered_at_ms", sa.BigInteger, nullable=False),
    # "till" (staff sign in with a PIN) or "kiosk" (guests order; no staff sign-in)
    sa.Column("kind", sa.String(10), nullable=False, default="till", server_default="till"),
)
