"""HQ ingest: what faster ingest needs

Revision ID: hq0002
Revises: hq0001
"""

from collections.abc import Sequence

revision: str = "hq0002"
down_revision: str | None = "hq0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
