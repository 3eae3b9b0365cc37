"""sector_weeks: live links touching each sector, kept once a week beside link_weeks

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "sector_weeks",
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("sector", sa.String(length=120), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("links", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week", "sector"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("sector_weeks")
