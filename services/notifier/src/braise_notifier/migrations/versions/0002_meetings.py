"""meetings: who met whom and when, from interaction events (the closed loop reads them)

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("a", sa.String(length=36), nullable=False),
        sa.Column("b", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("interaction_id", "a", "b"),
    )
    op.create_index(op.f("ix_meetings_a"), "meetings", ["a"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_meetings_a"), table_name="meetings")
    op.drop_table("meetings")
