"""HQ fleet: each store's doctor report, open alerts, version and backups

Revision ID: hq0003
Revises: hq0002
"""

from collections.abc import Sequence

revision: str = "hq0003"
down_revision: str | None = "hq0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
