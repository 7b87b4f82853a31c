"""HQ members: member balances, allowances granted to stores, coupons

Revision ID: hq0004
Revises: hq0003
"""

from collections.abc import Sequence

revision: str = "hq0004"
down_revision: str | None = "hq0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
