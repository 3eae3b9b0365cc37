"""calendar occurrences: all-day, and the consultants who declined apart from who accepted

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("calendar_occurrences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("all_day", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("declined", sa.Text(), server_default="[]", nullable=False))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("calendar_occurrences", schema=None) as batch_op:
        batch_op.drop_column("declined")
        batch_op.drop_column("all_day")
