"""Printing: network printers and their print jobs

Revision ID: 0004
Revises: 0003
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "printers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=True),
        sa.Column("backup_printer_id", sa.String(length=36), nullable=True),
        sa.Column("paper_width", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("store_id", "name", name="uq_printer_name"),
    )
    op.create_index("ix_printers_station", "printers", ["station_id"], unique=False)
    op.create_table(
        "print_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("printer_id", sa.String(length=36), nullable=False),
        sa.Column("first_printer_id", sa.String(length=36), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("total_attempts", sa.Integer(), nullable=False),
        sa.Column("maybe_printed", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("next_attempt_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("rerouted_from", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=36), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("printed_at_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("store_id", "dedupe_key", name="uq_print_job_dedupe"),
    )
    op.create_index("ix_print_jobs_status", "print_jobs", ["status", "next_attempt_at_ms"],
                    unique=False)
    op.create_index("ix_print_jobs_printer", "print_jobs", ["printer_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_print_jobs_printer", table_name="print_jobs")
    op.drop_index("ix_print_jobs_status", table_name="print_jobs")
    op.drop_table("print_jobs")
    op.drop_index("ix_printers_station", table_name="printers")
    op.drop_table("printers")
